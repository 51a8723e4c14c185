"""What every shape reads besides the request: settings, binding routes, the per-call context."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from portside.kit import Batch, poison

from .routes import Routes
from .security import TokenVerifier
from .settings import GcpSettings

if TYPE_CHECKING:
    from portside import App


class Deployment:
    """The EntryPoint's `options`: built once per App."""

    __slots__ = ("routes", "settings", "verifier")

    def __init__(self, app: App, settings: GcpSettings, verifier: TokenVerifier | None = None) -> None:
        self.settings = settings
        self.routes = Routes(app)
        self.verifier = verifier if verifier is not None else TokenVerifier.from_settings(settings)


class Invocation:
    """The EntryPoint's `context` for one request: the execution id and verified token claims."""

    __slots__ = ("execution_id", "identity")

    def __init__(self, execution_id: str | None = None, identity: Mapping[str, Any] | None = None) -> None:
        self.execution_id = execution_id
        self.identity = identity


def identity_of(context: Any) -> Mapping[str, Any] | None:
    identity = getattr(context, "identity", None)
    return identity if isinstance(identity, Mapping) else None


def poisoned(app: App, reason: str, raw: Any, *, transport: str, context: Any = None) -> Batch:
    """A one-message Batch for a delivery that cannot be read: settles like any poison message."""
    batch = Batch(app)
    message = poison(app, reason, raw, transport=transport, identity=identity_of(context))
    batch.add(message, message.id)
    return batch
