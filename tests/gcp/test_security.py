"""What a deployment serves (PORTSIDE_GCP_SERVE) and the OIDC verification of event deliveries:
tokens signed in the test with a local key, certificates served from a local HTTP server."""

from __future__ import annotations

import base64
import datetime
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import pytest

from portside import App, HttpRequest, InMemoryPublisher, StartupError

AUDIENCE = "https://gcp-test.example/fn"
INVOKER = "pusher@portside-test.iam.gserviceaccount.com"


class Key:
    """An RSA key, its self-signed certificate (what Google's certs endpoint lists) and a signer."""

    def __init__(self, key_id: str) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        self.key_id = key_id
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, key_id)])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=1)).sign(private, hashes.SHA256()))
        self.cert = cert.public_bytes(serialization.Encoding.PEM).decode()
        self.pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode()

    def token(self, **overrides: Any) -> str:
        from google.auth import crypt, jwt

        now = int(time.time())
        claims = {"iss": "https://accounts.google.com", "aud": AUDIENCE, "iat": now, "exp": now + 600,
                  "sub": "1234", "email": INVOKER, "email_verified": True, **overrides}
        signer = crypt.RSASigner.from_string(self.pem, self.key_id)
        token: bytes = jwt.encode(signer, claims)
        return token.decode()


class CertsServer:
    """Serves `{key id: certificate}` with a max-age, counting fetches."""

    def __init__(self, keys: list[Key]) -> None:
        self.keys = keys
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.fetches += 1
                body = json.dumps({k.key_id: k.cert for k in outer.keys}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("cache-control", "public, max-age=3600")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/certs"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def key() -> Key:
    return Key("k1")


@pytest.fixture
def certs(key: Key) -> Iterator[CertsServer]:
    server = CertsServer([key])
    try:
        yield server
    finally:
        server.stop()


def build(main: ModuleType, monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app: App = main.build()
    app.publisher = InMemoryPublisher()
    return app.adapter.hook.portside_testing_kit(app=app)


@pytest.fixture
def verifying(main: ModuleType, monkeypatch: pytest.MonkeyPatch, certs: CertsServer) -> Any:
    return build(main, monkeypatch, PORTSIDE_GCP_AUDIENCE=AUDIENCE, PORTSIDE_GCP_CERTS_URL=certs.url)


def envelope(data: bytes = b'{"n": 1}') -> bytes:
    return json.dumps({"message": {"data": base64.b64encode(data).decode(), "messageId": "m-9"},
                       "subscription": "projects/p/subscriptions/audit-push"}).encode()


def push(kit: Any, token: str | None) -> Any:
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return kit.send("POST", "/", headers, envelope())


def test_an_event_without_a_token_is_refused(verifying: Any, main: ModuleType) -> None:
    answer = push(verifying, None)
    assert answer.status == 401 and answer.headers["www-authenticate"] == "Bearer"
    assert json.loads(answer.body)["error"]["errors"][0]["code"] == "unauthenticated"
    assert main.SEEN == []


def test_a_token_signed_by_the_known_key_is_accepted(verifying: Any, key: Key, main: ModuleType) -> None:
    answer = push(verifying, key.token())
    assert answer.status == 200
    assert main.SEEN[0]["identity"] == INVOKER


@pytest.mark.parametrize(
    ("claims", "why"),
    [({"aud": "https://other.example"}, "audience"), ({"iss": "https://evil.example"}, "issued by"),
     ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired")],
    ids=["audience", "issuer", "expired"],
)
def test_invalid_tokens_are_refused(verifying: Any, key: Key, main: ModuleType, claims: dict[str, Any],
                                    why: str) -> None:
    answer = push(verifying, key.token(**claims))
    assert answer.status == 401
    assert why in json.loads(answer.body)["error"]["message"].lower()
    assert main.SEEN == []


def test_a_token_signed_by_another_key_is_refused(verifying: Any, main: ModuleType) -> None:
    impostor = Key("k1")  # same key id, different key
    assert push(verifying, impostor.token()).status == 401
    assert push(verifying, "not.a.jwt").status == 401
    assert main.SEEN == []


def test_certificates_are_fetched_once_and_refetched_for_a_new_key(
    verifying: Any, key: Key, certs: CertsServer
) -> None:
    for _ in range(3):
        assert push(verifying, key.token()).status == 200
    assert certs.fetches == 1
    rotated = Key("k2")
    certs.keys.append(rotated)
    assert push(verifying, rotated.token()).status == 200
    assert certs.fetches == 2


def test_invokers_restrict_the_service_account(main: ModuleType, monkeypatch: pytest.MonkeyPatch,
                                                certs: CertsServer, key: Key) -> None:
    kit = build(main, monkeypatch, PORTSIDE_GCP_AUDIENCE=AUDIENCE, PORTSIDE_GCP_CERTS_URL=certs.url,
                PORTSIDE_GCP_INVOKERS=f"someone@else.example, {INVOKER.upper()}")
    assert push(kit, key.token()).status == 200
    assert push(kit, key.token(email="intruder@example.com")).status == 401
    assert push(kit, key.token(email_verified=False)).status == 401


def test_http_needs_no_token_with_verification_on(verifying: Any) -> None:
    assert verifying.http("http", HttpRequest.from_url("GET", "/items/1")).status == 200


def test_unreachable_certificates_answer_503(
    main: ModuleType, monkeypatch: pytest.MonkeyPatch, key: Key
) -> None:
    from .server import free_port

    kit = build(main, monkeypatch, PORTSIDE_GCP_AUDIENCE=AUDIENCE,
                PORTSIDE_GCP_CERTS_URL=f"http://127.0.0.1:{free_port()}/certs")
    answer = push(kit, key.token())
    assert answer.status == 503  # Pub/Sub retries; the message is not lost
    assert b"Traceback" not in answer.body


# ---------------------------------------------------------------------------- serve modes
def test_serving_http_only_a_forged_event_reaches_no_handler(
    main: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    kit = build(main, monkeypatch, PORTSIDE_GCP_SERVE="http")
    answer = push(kit, None)
    assert answer.status == 404 and main.SEEN == []
    assert kit.http("http", HttpRequest.from_url("GET", "/items/1")).status == 200


def test_serving_events_only_refuses_http(main: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    kit = build(main, monkeypatch, PORTSIDE_GCP_SERVE="events")
    answer = kit.http("http", HttpRequest.from_url("GET", "/items/1"))
    assert answer.status == 400
    assert "PORTSIDE_GCP_SERVE=events" in json.loads(answer.body)["error"]["message"]
    assert push(kit, None).status == 200 and len(main.SEEN) == 1


def test_an_unknown_serve_value_stops_the_startup(main: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTSIDE_GCP_SERVE", "everything")
    with pytest.raises(StartupError, match="PORTSIDE_GCP_SERVE='everything'"):
        main.build()


@pytest.mark.parametrize(
    ("env", "warned"),
    [({}, True), ({"PORTSIDE_GCP_SERVE": "http"}, False), ({"PORTSIDE_GCP_SERVE": "events"}, False),
     ({"PORTSIDE_GCP_AUDIENCE": AUDIENCE}, False)],
    ids=["all-unverified", "http", "events", "verified"],
)
def test_serving_both_unverified_warns_at_startup(
    main: ModuleType, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, env: dict[str, str],
    warned: bool
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with caplog.at_level(logging.WARNING, logger="portside"):
        _ = main.build().entry_point
    assert any("without verifying event deliveries" in r.getMessage() for r in caplog.records) is warned
