"""Google Cloud adapter settings, read from the environment once, when the entry point is built.

| variable | default | meaning |
|---|---|---|
| `PORTSIDE_GCP_SERVE` | `all` | which bindings this deployment serves: `http`, `events` or `all` |
| `PORTSIDE_GCP_AUDIENCE` | unset | verify each event delivery's Google-signed OIDC token for it |
| `PORTSIDE_GCP_INVOKERS` | unset | service-account emails (comma-separated) allowed to deliver events |
| `PORTSIDE_GCP_CERTS_URL` | Google's OAuth2 certs | where the signing certificates are fetched |
| `PORTSIDE_GCP_PROJECT` | `GOOGLE_CLOUD_PROJECT`, `GCP_PROJECT` | the project logical topic names resolve in |
| `FUNCTION_TARGET` | `handler` | the name the Functions Framework calls (set by `--target`) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping

SERVE_HTTP, SERVE_EVENTS, SERVE_ALL = "http", "events", "all"
SERVE_CHOICES = (SERVE_HTTP, SERVE_EVENTS, SERVE_ALL)
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")
DEFAULT_TARGET = "handler"


class SettingsError(ValueError):
    """A setting with a value the adapter cannot use; the message names the variable and the fix."""


class GcpSettings:
    """What a deployment serves and how it authenticates event deliveries."""

    __slots__ = ("audience", "certs_url", "invokers", "project", "serve", "target")

    def __init__(
        self,
        serve: str = SERVE_ALL,
        *,
        audience: str | None = None,
        invokers: frozenset[str] = frozenset(),
        certs_url: str = GOOGLE_CERTS_URL,
        project: str | None = None,
        target: str = DEFAULT_TARGET,
    ) -> None:
        if serve not in SERVE_CHOICES:
            raise SettingsError(
                f"PORTSIDE_GCP_SERVE={serve!r} is not one of {', '.join(SERVE_CHOICES)}: 'http' for a "
                "public HTTP function, 'events' for a private event function, 'all' for both"
            )
        if invokers and not audience:
            raise SettingsError(
                "PORTSIDE_GCP_INVOKERS is set but PORTSIDE_GCP_AUDIENCE is not: set the audience the "
                "push subscription or Eventarc trigger signs its tokens for (usually the function URL)"
            )
        self.serve = serve
        self.audience = audience
        self.invokers = invokers
        self.certs_url = certs_url
        self.project = project
        self.target = target

    def __repr__(self) -> str:
        return (f"GcpSettings(serve={self.serve!r}, audience={self.audience!r}, "
                f"invokers={sorted(self.invokers)!r}, project={self.project!r}, target={self.target!r})")

    @property
    def serves_http(self) -> bool:
        return self.serve != SERVE_EVENTS

    @property
    def serves_events(self) -> bool:
        return self.serve != SERVE_HTTP

    @property
    def verifies(self) -> bool:
        """True when event deliveries must carry a valid Google-signed OIDC token."""
        return self.audience is not None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GcpSettings:
        env = os.environ if environ is None else environ
        invokers = frozenset(
            part.strip().lower() for part in env.get("PORTSIDE_GCP_INVOKERS", "").split(",") if part.strip()
        )
        return cls(
            (env.get("PORTSIDE_GCP_SERVE") or SERVE_ALL).strip().lower(),
            audience=(env.get("PORTSIDE_GCP_AUDIENCE") or "").strip() or None,
            invokers=invokers,
            certs_url=(env.get("PORTSIDE_GCP_CERTS_URL") or "").strip() or GOOGLE_CERTS_URL,
            project=project_from(env),
            target=(env.get("FUNCTION_TARGET") or "").strip() or DEFAULT_TARGET,
        )


def project_from(env: Mapping[str, str]) -> str | None:
    """The project logical names resolve in: the override, then what the platform sets."""
    for name in ("PORTSIDE_GCP_PROJECT", "GOOGLE_CLOUD_PROJECT", "GCP_PROJECT", "GCLOUD_PROJECT"):
        value = (env.get(name) or "").strip()
        if value:
            return value
    return None
