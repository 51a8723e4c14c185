"""Outbound publishing on AWS: SNS topics, SQS queues and EventBridge buses.

    destination("orders.created", "orders-events")                    # SNS topic of that name
    destination("orders.audit", "orders-audit", channel="queue")      # SQS queue of that name
    destination("orders.shipped", "orders", channel="events")         # EventBridge bus
    destination("orders.created", "arn:aws:sns:eu-west-1:123456789012:orders-events")  # native

A logical name resolves in the running function's own region and account, read from the
invocation's function ARN (`context.invoked_function_arn`), never from a constant. Native
identifiers (topic/queue/bus ARNs, queue URLs) are accepted as they are, on this adapter only.

boto3 is imported on the first publish, never before: a cold start that publishes nothing does
not pay for it. Clients are created once per (AWS service, region) and reused. The endpoint and
credentials follow boto3's normal resolution (so `AWS_ENDPOINT_URL` points it at moto).

Every SNS/SQS message carries the topic (`portside-topic`) and the correlation id
(`x-correlation-id`) as String message attributes, then portside's own headers, then the rest,
within the 10-attribute limit; a binary body travels as base64 text with `x-portside-encoding:
base64`. EventBridge has no attributes: the event's `detail-type` is the topic and its `detail`
a CloudEvents envelope (`type`, `correlationid`, `data`), which the EventBridge reader unwraps.
A message larger than its target accepts raises TooLarge (a dead-lettered one is handed back).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from pydantic_core import to_json

from portside import Message, PublishError, logs
from portside.kit import PublisherBase, TooLarge, invocation, is_logical_name

from .targets import TARGET_MAX_BYTES, Target, parse_target, target_problems

if TYPE_CHECKING:
    from portside import App

GROUP_HEADER = "message-group-id"
MAX_ATTRIBUTES = 10  # SQS (and SNS when delivering to SQS) refuse more per message
# Patterns are compiled on first use (re caches them): importing this module is on every cold start.
_ATTRIBUTE_NAME = r"^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$"
_RESERVED_ATTRIBUTE = r"^(?i:aws|amazon)\."
_FIFO_ID = r"^[\x21-\x7e]{1,128}$"  # SQS/SNS MessageGroupId & MessageDeduplicationId


class _Sdk:
    """boto3 and botocore, imported on first use."""

    def __init__(self) -> None:
        import boto3.session
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        self.Session = boto3.session.Session
        self.Config = Config
        self.ClientError = ClientError
        self.BotoCoreError = BotoCoreError


class AwsPublisher(PublisherBase):
    """The `Publisher` of the aws adapter. Thread-safe; one instance per app.

    `session` (a boto3 Session) and `config` (a botocore Config) override how clients are built,
    e.g. for a named profile. Published EventBridge events have source `portside.<service>`.
    """

    def __init__(self, app: App, *, session: Any = None, config: Any = None) -> None:
        super().__init__(app)
        self.source = f"portside.{app.service.name}"
        self._session = session
        self._config = config
        self._sdk: _Sdk | None = None
        self._clients: dict[tuple[str, str | None], Any] = {}
        self._queue_urls: dict[str, str] = {}

    @classmethod
    def for_app(cls, app: App) -> AwsPublisher:
        """The app's publisher (its targets were checked at startup: plugin.portside_check)."""
        return cls(app)

    # ------------------------------------------------------------------ PublisherBase
    def resolve(self, target: str, channel: str) -> Target:
        if not is_logical_name(target):
            try:
                return parse_target(target)
            except ValueError as exc:
                raise PublishError(str(exc)) from None
        region, account = _function_home()
        if channel == "queue":
            return Target("sqs", f"arn:aws:sqs:{region}:{account}:{target}", region, target.endswith(".fifo"))
        if channel == "events":
            return Target("events", f"arn:aws:events:{region}:{account}:event-bus/{target}", region)
        return Target("sns", f"arn:aws:sns:{region}:{account}:{target}", region, target.endswith(".fifo"))

    def send(self, address: Any, message: Message) -> None:
        target: Target = address
        sdk = self._sdk or self._load_sdk()
        try:
            if target.service == "events":
                self._publish_events(target, message)
            else:
                body, pairs = self.text_and_attributes(message)
                attributes = _attributes(message, pairs, target.address)
                _check_size(target, message, body, attributes)
                if target.service == "sns":
                    self._publish_sns(target, message, body, attributes)
                else:
                    self._publish_sqs(target, message, body, attributes)
        except sdk.ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code") or "Unknown"
            detail = error.get("Message") or ""
            raise PublishError(
                f"publishing {message.topic!r} to {target.address} failed: AWS error {code}"
                + (f": {detail}" if detail else "")
            ) from None
        except sdk.BotoCoreError as exc:
            raise PublishError(
                f"publishing {message.topic!r} to {target.address} failed: {type(exc).__name__}: {exc}"
            ) from None
        except (PublishError, TooLarge):
            raise
        except Exception as exc:  # a body that cannot be serialised: still the publisher's one error type
            raise PublishError(
                f"publishing {message.topic!r} to {target.address} failed: the message could not be "
                f"serialised ({type(exc).__name__}: {exc})"
            ) from None

    # ------------------------------------------------------------------ services
    def _publish_sns(self, target: Target, message: Message, body: str, attributes: dict[str, Any]) -> None:
        params: dict[str, Any] = {"TopicArn": target.address, "Message": body, "MessageAttributes": attributes}
        if target.fifo:
            params.update(_fifo_ids(message))
        self._client("sns", target.region).publish(**params)

    def _publish_sqs(self, target: Target, message: Message, body: str, attributes: dict[str, Any]) -> None:
        params: dict[str, Any] = {
            "QueueUrl": self._queue_url(target), "MessageBody": body, "MessageAttributes": attributes,
        }
        if target.fifo:
            params.update(_fifo_ids(message))
        self._client("sqs", target.region).send_message(**params)

    def _publish_events(self, target: Target, message: Message) -> None:
        detail = to_json(self.envelope(message, self.source)).decode()
        if len(detail.encode()) > TARGET_MAX_BYTES["events"]:
            raise TooLarge(f"{message.topic!r} is larger than EventBridge accepts (256 KiB)")
        response = self._client("events", target.region).put_events(
            Entries=[{
                "EventBusName": target.address,
                "Source": self.source,
                "DetailType": message.topic or "portside.message",
                "Detail": detail,
            }]
        )
        if response.get("FailedEntryCount"):
            entry = (response.get("Entries") or [{}])[0]
            raise PublishError(
                f"publishing {message.topic!r} to {target.address} failed: AWS error "
                f"{entry.get('ErrorCode') or 'Unknown'}: {entry.get('ErrorMessage') or ''}".rstrip(": ")
            )

    # ------------------------------------------------------------------ plumbing
    def _load_sdk(self) -> _Sdk:
        with self._lock:
            if self._sdk is None:
                try:
                    self._sdk = _Sdk()
                except ImportError:
                    raise PublishError(
                        "publishing on AWS needs boto3 (present on Lambda's Python runtimes); "
                        "install it with: pip install 'portside[aws-publish]'"
                    ) from None
            return self._sdk

    def _client(self, service: str, region: str | None) -> Any:
        key = (service, region)
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    client = self._new_client(service, region)
                    self._clients[key] = client
        return client

    def _new_client(self, service: str, region: str | None) -> Any:
        sdk = self._sdk or self._load_sdk()
        if self._session is None:
            self._session = sdk.Session()
        config = self._config or sdk.Config(
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=5,
            read_timeout=10,
            user_agent_extra="portside",
        )
        region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        return self._session.client(service, region_name=region, config=config)

    def _queue_url(self, target: Target) -> str:
        if target.is_queue_url:
            return target.address
        url = self._queue_urls.get(target.address)
        if url is None:
            _, _, _, _, account, name = target.address.split(":", 5)
            response = self._client("sqs", target.region).get_queue_url(
                QueueName=name, QueueOwnerAWSAccountId=account
            )
            url = self._queue_urls[target.address] = response["QueueUrl"]
        return url


def _function_home() -> tuple[str, str]:
    """(region, account) of the running function, from the invocation's function ARN."""
    arn = getattr(invocation.native_context(), "invoked_function_arn", None)
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) >= 5 and parts[0] == "arn" and parts[3] and parts[4]:
        return parts[3], parts[4]
    raise PublishError(
        "a logical destination resolves in the region and account of the running Lambda function "
        "(from context.invoked_function_arn), and this publish happened outside an invocation; "
        "publish from a handler, or name the target by its ARN"
    )


def _check_size(target: Target, message: Message, body: str, attributes: dict[str, Any]) -> None:
    size = len(body.encode()) + sum(
        len(name) + len(value["StringValue"].encode()) + len(value["DataType"])
        for name, value in attributes.items()
    )
    limit = TARGET_MAX_BYTES[target.service]
    if size > limit:
        raise TooLarge(
            f"{message.topic!r} ({size} bytes with its attributes) is larger than {target.service.upper()} "
            f"accepts ({limit} bytes)"
        )


def _attributes(message: Message, pairs: list[tuple[str, str]], target: str) -> dict[str, dict[str, str]]:
    """The attribute pairs AWS accepts (legal names, non-empty values), at most 10."""
    usable: list[tuple[str, str]] = []
    unusable: list[str] = []
    for name, value in pairs:
        if not value or not re.match(_ATTRIBUTE_NAME, name) or re.match(_RESERVED_ATTRIBUTE, name):
            unusable.append(name)
        else:
            usable.append((name, value))
    dropped = unusable + [name for name, _ in usable[MAX_ATTRIBUTES:]]
    if dropped:
        logs.log(
            "warning",
            "headers not sent as message attributes (AWS allows 10 per message, named with "
            "letters, digits, '-', '_' and '.', with a non-empty value)",
            correlation_id=message.correlation_id,
            topic=message.topic,
            target=target,
            dropped=dropped,
        )
    return {name: {"DataType": "String", "StringValue": value} for name, value in usable[:MAX_ATTRIBUTES]}


def _fifo_ids(message: Message) -> dict[str, str]:
    group = message.headers.get(GROUP_HEADER) or message.topic or "portside"
    return {"MessageGroupId": _fifo_id(group), "MessageDeduplicationId": _fifo_id(message.id)}


def _fifo_id(value: str) -> str:
    """Ids AWS accepts (1-128 printable ASCII characters); others become their SHA-256."""
    if re.match(_FIFO_ID, value):
        return value
    import hashlib

    return hashlib.sha256(value.encode()).hexdigest()


__all__ = [
    "GROUP_HEADER",
    "MAX_ATTRIBUTES",
    "AwsPublisher",
    "PublishError",
    "Target",
    "parse_target",
    "target_problems",
]
