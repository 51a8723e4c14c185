"""portside: one service, every serverless cloud.

Write handlers keyed by topic with pydantic models; declare transports as bindings in a startup
file; pick an adapter (`local`, `aws`, ...) with one value.
"""

from typing import TYPE_CHECKING, Any

from .app import App
from .bindings import (
    DROP,
    HAND_BACK,
    MESSAGE_TOPIC,
    OBJECT_CREATED,
    OBJECT_DELETED,
    TransportKind,
    destination,
    event,
    http,
    queue,
    schedule,
    subscription,
)
from .codec import Limits
from .errors import BindingError, HandlerDefinitionError, PortsideError, StartupError, UndeclaredTopic
from .handlers import Middleware, Next, Service
from .headers import Headers
from .lazy import lazy_attribute
from .message import Message
from .result import OUTCOMES, Delivery, Error, Outcome, Result, Status, outcome

if TYPE_CHECKING:  # imported on first use: a cold start through a lane never needs them
    from .context import Context
    from .http_types import HttpRequest, HttpResponse
    from .publisher import InMemoryPublisher, Publisher, PublishError
    from .settlement import Settlement, State

_LAZY = {
    "Context": ".context",
    "HttpRequest": ".http_types",
    "HttpResponse": ".http_types",
    "InMemoryPublisher": ".publisher",
    "Publisher": ".publisher",
    "PublishError": ".publisher",
    "Settlement": ".settlement",
    "State": ".settlement",
}


def __getattr__(name: str) -> Any:
    return lazy_attribute(globals(), _LAZY, name)


__version__ = "0.1.0"

__all__ = [
    "DROP",
    "HAND_BACK",
    "MESSAGE_TOPIC",
    "OBJECT_CREATED",
    "OBJECT_DELETED",
    "OUTCOMES",
    "App",
    "BindingError",
    "Context",
    "Delivery",
    "Error",
    "HandlerDefinitionError",
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "InMemoryPublisher",
    "Limits",
    "Message",
    "Middleware",
    "Next",
    "Outcome",
    "PortsideError",
    "PublishError",
    "Publisher",
    "Result",
    "Service",
    "Settlement",
    "StartupError",
    "State",
    "Status",
    "TransportKind",
    "UndeclaredTopic",
    "destination",
    "event",
    "http",
    "outcome",
    "queue",
    "schedule",
    "subscription",
]
