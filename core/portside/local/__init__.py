"""The local adapter: serve an app on 127.0.0.1 with a real HTTP server and an in-memory queue."""
