"""portside on Google Cloud Functions / Cloud Run functions (the `gcp` adapter).

`app.entry_point` is a Functions Framework target that serves the whole service: HTTP through
the core router, and CloudEvents (binary and structured), Pub/Sub push envelopes, legacy
background events and Cloud Scheduler calls that no HTTP binding routes. See README.md.
"""

from .settings import GcpSettings

__all__ = ["GcpSettings"]
