"""Verifying the Google-signed OIDC token that Pub/Sub push and Eventarc attach to deliveries.

With `PORTSIDE_GCP_AUDIENCE` set, every event delivery must carry `Authorization: Bearer <JWT>`
signed by Google (`iss` accounts.google.com), for that audience, unexpired, and, with
`PORTSIDE_GCP_INVOKERS`, from one of those service accounts (verified `email`). Google's
signing certificates are fetched once and cached for as long as their Cache-Control allows (an
unknown key id refetches them once: Google rotates keys). google-auth checks the signature.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from .settings import GOOGLE_ISSUERS, GcpSettings

Fetch = Callable[[str], tuple[bytes, Mapping[str, str]]]
DEFAULT_MAX_AGE = 3600.0
_MAX_AGE = re.compile(r"max-age=(\d+)")


class Unauthenticated(Exception):
    """The delivery carries no valid token; the message says what was wrong (never the token)."""


class VerifierUnavailable(Exception):
    """The signing certificates could not be fetched; the delivery should be retried."""


def fetch_url(url: str) -> tuple[bytes, Mapping[str, str]]:
    with urllib.request.urlopen(url, timeout=5) as reply:
        return reply.read(), dict(reply.headers.items())


class TokenVerifier:
    """Checks bearer tokens against an audience (and optionally a set of invoker emails)."""

    def __init__(
        self,
        audience: str,
        *,
        invokers: frozenset[str] = frozenset(),
        certs_url: str,
        fetch: Fetch = fetch_url,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.audience = audience
        self.invokers = invokers
        self.certs_url = certs_url
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._certs: dict[str, str] = {}
        self._expires = 0.0
        self.fetches = 0

    @classmethod
    def from_settings(cls, settings: GcpSettings) -> TokenVerifier | None:
        if settings.audience is None:
            return None
        return cls(settings.audience, invokers=settings.invokers, certs_url=settings.certs_url)

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """The token's claims, or Unauthenticated / VerifierUnavailable."""
        if not authorization or not authorization[:7].lower() == "bearer ":
            raise Unauthenticated("the delivery has no 'Authorization: Bearer <token>' header; configure the "
                                  "push subscription or trigger with a service account (--push-auth-"
                                  "service-account / --service-account)")
        token = authorization[7:].strip()
        from google.auth import exceptions, jwt

        claims: Any = None
        for refresh in (False, True):
            try:
                claims = jwt.decode(  # type: ignore[no-untyped-call]
                    token, certs=self.certs(refresh=refresh), audience=self.audience,
                                    clock_skew_in_seconds=10)
                break
            except (ValueError, exceptions.GoogleAuthError) as exc:
                if not refresh and "not found" in str(exc).lower():
                    continue  # an unknown key id: Google rotated its keys, refetch once
                raise Unauthenticated(f"the delivery's token is not valid: {_reason(exc)}") from None
        if not isinstance(claims, dict):
            raise Unauthenticated("the delivery's token has no claims")
        if claims.get("iss") not in GOOGLE_ISSUERS:
            raise Unauthenticated(f"the delivery's token was issued by {claims.get('iss')!r}, not Google")
        if self.invokers:
            email = claims.get("email")
            verified = claims.get("email_verified") in (True, "true")
            if not isinstance(email, str) or email.lower() not in self.invokers or not verified:
                raise Unauthenticated(
                    f"the delivery's token belongs to {email!r}, which PORTSIDE_GCP_INVOKERS does not list")
        return claims

    def certs(self, *, refresh: bool = False) -> dict[str, str]:
        """Key id -> PEM certificate, cached until the response's max-age runs out."""
        with self._lock:
            if refresh or not self._certs or self._clock() >= self._expires:
                try:
                    body, headers = self._fetch(self.certs_url)
                    document = json.loads(body)
                except Exception as exc:
                    if self._certs and not refresh:
                        return self._certs  # keep serving with the last keys while the fetch fails
                    raise VerifierUnavailable(
                        f"cannot fetch Google's signing certificates from {self.certs_url}: "
                        f"{type(exc).__name__}") from None
                if not isinstance(document, dict) or not all(isinstance(v, str) for v in document.values()):
                    raise VerifierUnavailable(f"{self.certs_url} did not answer with key id -> certificate")
                self.fetches += 1
                self._certs = document
                self._expires = self._clock() + _max_age(headers)
            return self._certs


def _max_age(headers: Mapping[str, str]) -> float:
    for name, value in headers.items():
        if name.lower() == "cache-control":
            match = _MAX_AGE.search(value)
            if match:
                return float(match.group(1))
    return DEFAULT_MAX_AGE


def _reason(exc: Exception) -> str:
    text = str(exc).split("\n", 1)[0]
    return text[:200] or type(exc).__name__
