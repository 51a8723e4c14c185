"""Publishing to Pub/Sub with google-cloud-pubsub, imported on the first publish.

A logical name (`orders-events`) is the topic of that name in the function's project
(`PORTSIDE_GCP_PROJECT`, else `GOOGLE_CLOUD_PROJECT` / `GCP_PROJECT`, else the project
google-auth finds, e.g. from the metadata server); `projects/<p>/topics/<t>` is used as given.
The body travels as bytes (JSON for structured bodies); the attributes carry the neutral topic
(`portside-topic`), the correlation id and the message's headers; `message-group-id` becomes the
ordering key. With `PUBSUB_EMULATOR_HOST` set, the client library talks to the emulator.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import threading
from typing import TYPE_CHECKING, Any

from portside import Message, PublishError
from portside.kit import DROP, HAND_BACK, DestinationBinding, PublisherBase, TooLarge

from .settings import project_from

if TYPE_CHECKING:
    from portside import App

MAX_MESSAGE_BYTES = 10 * 1000 * 1000
MAX_ATTRIBUTES = 100
MAX_ATTRIBUTE_VALUE_BYTES = 1024
GROUP_HEADER = "message-group-id"
PUBLISH_TIMEOUT_SECONDS = 60.0
_TOPIC = r"[A-Za-z][A-Za-z0-9._~+%-]{2,254}"
_TOPIC_PATH = re.compile(rf"^projects/([a-z][a-z0-9.:-]{{1,62}})/topics/({_TOPIC})$")
_TOPIC_NAME = re.compile(rf"^{_TOPIC}$")
_RESERVED = ("ordering_key", "retry", "timeout")  # PublisherClient.publish keywords, not attributes


def is_topic_path(target: str) -> bool:
    """`projects/<project>/topics/<topic>`: a Pub/Sub topic's full resource name."""
    return _TOPIC_PATH.match(target) is not None


def target_problems(app: App) -> list[str]:
    """Topic names Pub/Sub would refuse, found before the first publish."""
    targets = [(f"destination({b.topic!r}, {b.target!r})", b.target) for b in app.bindings
               if isinstance(b, DestinationBinding)]
    targets += [(f"{b.kind.value}({b.name!r}) dead_letter", t) for b in app.bindings
                if isinstance(t := getattr(b, "dead_letter", None), str) and t not in (DROP, HAND_BACK)]
    if app.dead_letter_target and app.dead_letter_target not in (DROP, HAND_BACK):
        targets.append(("App(dead_letter=...)", app.dead_letter_target))
    found = []
    for where, target in targets:
        name = target.rsplit("/", 1)[-1] if is_topic_path(target) else target
        if "/" in target and not is_topic_path(target):
            continue  # not ours: the core's native-target check reports it
        if not _TOPIC_NAME.match(name) or name.lower().startswith("goog"):
            found.append(
                f"{where}: {name!r} cannot be a Pub/Sub topic name (3-255 characters, starting with a "
                "letter, not with 'goog'; letters, digits, '-', '_', '.', '~', '+', '%')"
            )
    return found


class PubSubPublisher(PublisherBase):
    """`publish(message, target)` -> one Pub/Sub message, waited for (at-least-once)."""

    def __init__(self, app: App, *, project: str | None = None, client: Any = None) -> None:
        super().__init__(app)
        self.project = project
        self._client = client
        self._client_lock = threading.Lock()

    # ------------------------------------------------------------------ PublisherBase
    def resolve(self, target: str, channel: str) -> str:
        if is_topic_path(target):
            return target
        project = self.project or project_from(os.environ) or _default_project()
        if not project:
            raise PublishError(
                f"cannot resolve Pub/Sub topic {target!r}: no project is known; set GOOGLE_CLOUD_PROJECT "
                "(or PORTSIDE_GCP_PROJECT) on the function, or name the topic as projects/<p>/topics/<t>"
            )
        return f"projects/{project}/topics/{target}"

    def send(self, address: Any, message: Message) -> None:
        data, attributes = self.payload(message)
        ordering_key = message.headers.get_lowercase(GROUP_HEADER) or ""
        client = self.client()
        try:
            future = client.publish(address, data, ordering_key=ordering_key, **attributes)
            future.result(timeout=PUBLISH_TIMEOUT_SECONDS)
        except Exception as exc:
            if ordering_key:
                # the client pauses a key after a failure; later messages must still go out
                with contextlib.suppress(Exception):
                    client.resume_publish(address, ordering_key)
            reason = f"{type(exc).__name__}: {_first_line(exc)}"
            raise PublishError(f"publishing to {address} failed: {reason}") from None

    # ------------------------------------------------------------------ building
    def payload(self, message: Message) -> tuple[bytes, dict[str, str]]:
        """(data, attributes) of one message; TooLarge when Pub/Sub cannot hold it."""
        text, encoding = self.body_text(message)
        data = base64.b64decode(text) if encoding == "base64" else text.encode("utf-8")
        attributes: dict[str, str] = {}
        for name, value in self.attributes(message):
            if name in _RESERVED:
                continue
            if len(value.encode("utf-8")) > MAX_ATTRIBUTE_VALUE_BYTES:
                value = value.encode("utf-8")[:MAX_ATTRIBUTE_VALUE_BYTES].decode("utf-8", "ignore")
            attributes.setdefault(name, value)
            if len(attributes) == MAX_ATTRIBUTES:
                break
        size = len(data) + sum(len(k) + len(v) for k, v in attributes.items())
        if size > MAX_MESSAGE_BYTES:
            raise TooLarge(f"the message is {size} bytes; a Pub/Sub message holds at most {MAX_MESSAGE_BYTES}")
        return data, attributes

    def client(self) -> Any:
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    try:
                        from google.cloud import pubsub_v1  # type: ignore[import-untyped,unused-ignore]
                    except ImportError as exc:
                        raise PublishError(
                            "publishing on gcp needs google-cloud-pubsub: pip install 'portside[gcp-publish]'"
                        ) from exc
                    options = pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
                    self._client = pubsub_v1.PublisherClient(publisher_options=options)
        return self._client


def _default_project() -> str | None:
    try:
        import google.auth

        _, project = google.auth.default()
    except Exception:
        return None
    return project if isinstance(project, str) and project else None


def _first_line(exc: Exception) -> str:
    return str(exc).split("\n", 1)[0][:300]
