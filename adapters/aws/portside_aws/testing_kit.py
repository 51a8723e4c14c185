"""The aws adapter's testing kit: real Lambda events built from neutral input, run through the
app's real entry point, and the native answer read back the way Lambda reads it.

HTTP shapes: apigw_rest (REST API, payload 1.0), apigw_v2 (HTTP API, payload 2.0), function_url,
alb (single-value headers) and alb_multivalue. Each request is built as the service sends it:
REST APIs, function URLs and ALB keep the path percent-encoded, an HTTP API decodes `rawPath`;
ALB forwards the query string still encoded and, in single-value mode, only the last value of a
repeated parameter; a body that is not UTF-8 text arrives base64-encoded (for REST APIs: as with
`binaryMediaTypes` set to `*/*`).

Message shapes: sqs, sqs_fifo (queue names end in `.fifo`), kinesis, dynamodb (the sent JSON
object is the item written, under the key `pk`), kafka (a message's `group` is its partition) for
queue bindings; sns for subscriptions; eventbridge and s3 for events (OBJECT_CREATED and
OBJECT_DELETED become the S3 event names); schedule (an EventBridge scheduled event) for schedules.
Batch sources get every message in one invocation; SNS, EventBridge, S3 and schedules get one
invocation per message, as those services invoke.

Reading the answer as Lambda does: `batchItemFailures` names what SQS redelivers; a stream
(Kinesis, DynamoDB) resumes from the lowest sequence number named and Kafka from the lowest
offset named per partition; a raised `kit.Redeliver` redelivers the whole invocation; an unknown
identifier fails the whole batch. A message that is not redelivered is dead-lettered when its id
reached a dead-letter target, else acknowledged; Lambda cannot tell a retried message from a
handed-back one, so both read as retried.

Templates: the real AWS samples in `../shared/events/aws/powertools` (or PORTSIDE_SHARED_DIR) when
present, else built-in ones following AWS's documented shapes. Publishing is recorded, not sent:
`app.publisher` becomes a recorder that still resolves each target through the real publisher.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, unquote, urlencode

from portside import OBJECT_CREATED, OBJECT_DELETED, App, HttpRequest, HttpResponse, Message, PublishError
from portside.kit import Delivered, Outgoing, Redeliver, State, split_set_cookie

REGION = "us-east-1"
ACCOUNT = "123456789012"
FUNCTION = "portside-contract"
HTTP_SHAPES = ("apigw_rest", "apigw_v2", "function_url", "alb", "alb_multivalue")
MESSAGE_SHAPES: Mapping[str, Sequence[str]] = {
    "queue": ("sqs", "sqs_fifo", "kinesis", "dynamodb", "kafka"),
    "subscription": ("sns",),
    "event": ("eventbridge", "s3"),
    "schedule": ("schedule",),
}
_BATCHES = frozenset({"sqs", "sqs_fifo", "kinesis", "dynamodb", "kafka"})
_STREAMS = frozenset({"kinesis", "dynamodb"})
_SEQUENCE_BASE = 49590338271490256608559692538361571095921575989136588898
_STREAM_LABEL = "2026-01-01T00:00:00.000"
_CLUSTER_ID = "0123abcd-0123-abcd-0123-0123456789ab-1"
_DROP: Any = object()  # a template field this event does not have
# Per Outgoing id: (the identifier a batchItemFailures answer names it by, the id the adapter gives
# its Message, None when the record carries none).
Ids = dict[str, tuple[Any, "str | None"]]


class LambdaContext:
    """The context object Lambda passes to a handler (what portside reads of it)."""

    def __init__(self, remaining_ms: int = 30_000) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = FUNCTION
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"
        self.memory_limit_in_mb = "512"
        self.log_group_name = f"/aws/lambda/{FUNCTION}"
        self.log_stream_name = "2026/01/01/[$LATEST]contract"
        self._ends = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._ends - time.monotonic()) * 1000))


class RecordingPublisher:
    """Records what is published (and dead-lettered) instead of sending it; each target is still
    resolved by the real publisher, so a target it could not use fails as it would on AWS."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.sent: list[tuple[Message, str | None, Any]] = []
        self._lock = threading.Lock()

    def publish(self, message: Message, target: str | None) -> None:
        if target is None:
            raise PublishError(f"nowhere to publish topic {message.topic!r}: add a destination binding")
        resolve = getattr(self.real, "address_of", None)
        address = resolve(target, message) if resolve is not None else target
        with self._lock:
            self.sent.append((message, target, address))


class AwsTestingKit:
    """Drive one App's Lambda entry point with native AWS events (see the module docstring).

    `samples`: a directory of AWS event samples used as templates; "auto" finds ../shared's,
    None uses the built-in templates only."""

    adapter = "aws"

    def __init__(self, app: App, *, samples: str | Path | None = "auto") -> None:
        self.app = app
        self.recorder = RecordingPublisher(app.publisher)
        app.publisher = self.recorder
        folder = _samples_dir() if samples == "auto" else (Path(samples) if samples else None)
        self.templates = Templates(folder)
        self.last_native: Any = None
        self._numbers: dict[tuple[str, str], int] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- TestingKit
    def http_shapes(self) -> Sequence[str]:
        return HTTP_SHAPES

    def message_shapes(self) -> Mapping[str, Sequence[str]]:
        return MESSAGE_SHAPES

    def invoke(self, event: Any) -> Any:
        """Call the entry point as Lambda does; a raised `kit.Redeliver` is returned, not raised."""
        try:
            return self.app.entry_point(event, LambdaContext())
        except Redeliver as exc:
            return exc

    def http(self, shape: str, request: HttpRequest) -> HttpResponse:
        build = _HTTP_BUILDERS.get(shape)
        if build is None:
            raise ValueError(f"unknown aws HTTP shape {shape!r}; use one of {', '.join(HTTP_SHAPES)}")
        event = self.templates.merge(shape, build(request))
        native = self.invoke(event)
        self.last_native = native
        if isinstance(native, Exception):
            raise AssertionError(f"the {shape} entry point raised {native!r} instead of answering")
        return http_answer(native)

    def deliver(self, shape: str, binding: Any, messages: Sequence[Outgoing]) -> Delivered:
        if shape not in _MESSAGE_BUILDERS:
            shapes = ", ".join(s for kind in MESSAGE_SHAPES.values() for s in kind)
            raise ValueError(f"unknown aws message shape {shape!r}; use one of {shapes}")
        start = len(self.recorder.sent)
        groups = [list(messages)] if shape in _BATCHES else [[m] for m in messages]
        redelivered: set[str] = set()
        parked: set[str] = set()
        natives: list[Any] = []
        for group in groups:
            event, ids = _MESSAGE_BUILDERS[shape](self, binding, group)
            before = len(self.recorder.sent)
            native = self.invoke(event)
            natives.append(native)
            redelivered |= self._redelivered(shape, ids, native, group)
            parked |= self._parked(self.recorder.sent[before:], ids, group)
        states = [
            State.RETRIED if m.id in redelivered
            else State.DEAD_LETTERED if m.id in parked
            else State.ACKNOWLEDGED
            for m in messages
        ]
        sent = self.recorder.sent[start:]
        return Delivered(
            states,
            natives[0] if len(natives) == 1 else natives,
            [m.id for m in messages if m.id in redelivered],
            [(m, t) for m, t, _ in sent if m.transport != "dead-letter"],
            [(m, t) for m, t, _ in sent if m.transport == "dead-letter"],
        )

    # ---------------------------------------------------------------- building events
    def number(self, scope: str, outgoing: Outgoing) -> int:
        """A stable sequence number / offset per message: a redelivery carries the same one."""
        with self._lock:
            key = (scope, outgoing.id)
            if key not in self._numbers:
                self._numbers[key] = next(self._counter)
            return self._numbers[key]

    def _redelivered(self, shape: str, ids: Ids, native: Any, messages: list[Outgoing]) -> set[str]:
        """What Lambda redelivers after this answer (see the module docstring)."""
        everything = {m.id for m in messages}
        if isinstance(native, Exception):
            return everything
        if shape not in _BATCHES:
            return set()
        failures = native.get("batchItemFailures") if isinstance(native, dict) else None
        if not failures:
            return set()
        named = [f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures]
        chosen: set[str] = set()
        for identifier in named:
            matches = [outgoing_id for outgoing_id, (known, _) in ids.items() if known == identifier]
            if not matches:
                return everything  # Lambda fails the whole batch on an identifier it does not know
            chosen.update(matches)
        if shape in _STREAMS or shape == "kafka":
            return _resume_from_lowest(ids, chosen, messages)
        return chosen

    def _parked(self, sent: Sequence[tuple[Message, str | None, Any]], ids: Ids,
                messages: list[Outgoing]) -> set[str]:
        """Outgoing ids whose message reached a dead-letter target in this invocation."""
        natives = {message_id: outgoing_id for outgoing_id, (_, message_id) in ids.items() if message_id}
        parked: set[str] = set()
        for message, _, _ in sent:
            if message.transport != "dead-letter":
                continue
            if message.id in natives:
                parked.add(natives[message.id])
            elif len(messages) == 1:  # a source whose records carry no id (S3)
                parked.add(messages[0].id)
        return parked


def _resume_from_lowest(ids: Ids, chosen: set[str], messages: list[Outgoing]) -> set[str]:
    """Streams resume from the lowest record named (per shard; per partition for Kafka)."""
    def lane(outgoing_id: str) -> Any:
        identifier = ids[outgoing_id][0]
        return identifier["partition"] if isinstance(identifier, dict) else "shard"

    def position(outgoing_id: str) -> int:
        identifier = ids[outgoing_id][0]
        return int(identifier["offset"]) if isinstance(identifier, dict) else int(identifier)

    lowest: dict[Any, int] = {}
    for message_id in chosen:
        key = lane(message_id)
        lowest[key] = min(lowest.get(key, position(message_id)), position(message_id))
    return {m.id for m in messages if lane(m.id) in lowest and position(m.id) >= lowest[lane(m.id)]}


# -------------------------------------------------------------------- reading HTTP answers
def http_answer(native: Any) -> HttpResponse:
    """An API Gateway / function URL / ALB response dict as the neutral response a client gets."""
    if not isinstance(native, dict) or not isinstance(native.get("statusCode"), int):
        raise AssertionError(f"not an HTTP response of API Gateway, a function URL or ALB: {native!r:.300}")
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in (native.get("headers") or {}).items():
        if name.lower() == "set-cookie":  # ALB single-value mode: one cookie per name casing
            cookies.extend(split_set_cookie(str(value)))
        else:
            headers[name.lower()] = str(value)
    for name, values in (native.get("multiValueHeaders") or {}).items():
        if name.lower() == "set-cookie":
            cookies.extend(str(v) for v in values)
        else:
            headers[name.lower()] = ", ".join(str(v) for v in values)
    cookies.extend(str(c) for c in native.get("cookies") or [])
    body = native.get("body") or ""
    data = base64.b64decode(body) if native.get("isBase64Encoded") else str(body).encode("utf-8")
    return HttpResponse(native["statusCode"], headers, data, cookies)


# -------------------------------------------------------------------- HTTP events
_TEXT_TYPES = (
    "application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded"
)


def _body(request: HttpRequest) -> tuple[str | None, bool]:
    """(body, isBase64Encoded) as API Gateway, function URLs and ALB pass it: text when the
    content type is textual and the bytes are UTF-8, else base64."""
    if not request.body:
        return None, False
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    textual = (not media or media.startswith("text/") or media in _TEXT_TYPES
               or media.endswith("+json") or media.endswith("+xml"))
    if textual:
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode("ascii"), True


def _plain_headers(request: HttpRequest, host: str) -> dict[str, str]:
    headers = {name: value for name, value in request.headers.items()}
    headers.setdefault("host", host)
    return headers


def _query_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    return [(name, value) for name, values in request.query.items() for value in values]


def _now() -> tuple[str, int]:
    epoch_ms = int(time.time() * 1000)
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_ms / 1000)), epoch_ms


def rest_event(request: HttpRequest) -> dict[str, Any]:
    host = "abc123.execute-api.us-east-1.amazonaws.com"
    headers = _plain_headers(request, host)
    query = request.query
    body, encoded = _body(request)
    stamp, epoch = _now()
    return {
        "resource": "/{proxy+}",
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": {k: list(v) for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": request.path.lstrip("/")} if request.path.strip("/") else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT, "apiId": "abc123", "domainName": host, "domainPrefix": "abc123",
            "httpMethod": request.method, "path": "/prod" + request.path, "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()), "requestTime": stamp, "requestTimeEpoch": epoch,
            "resourceId": "abcdef", "resourcePath": "/{proxy+}", "stage": "prod",
            "identity": {"sourceIp": "192.0.2.1", "userAgent": headers.get("user-agent", "contract")},
            "authorizer": _DROP,
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def _v2_event(request: HttpRequest, host: str, path: str, account: str) -> dict[str, Any]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in _plain_headers(request, host).items():
        if name == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        else:
            headers[name] = value
    query = request.query
    body, encoded = _body(request)
    stamp, epoch = _now()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(_query_pairs(request)),
        "cookies": cookies or _DROP,
        "headers": headers,
        "queryStringParameters": {k: ",".join(v) for k, v in query.items()} if query else _DROP,
        "requestContext": {
            "accountId": account, "apiId": host.split(".", 1)[0], "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "http": {"method": request.method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1",
                     "userAgent": headers.get("user-agent", "contract")},
            "requestId": str(uuid.uuid4()), "routeKey": "$default", "stage": "$default", "time": stamp,
            "timeEpoch": epoch, "authorizer": _DROP, "authentication": _DROP,
        },
        "pathParameters": _DROP,
        "stageVariables": _DROP,
        "isBase64Encoded": encoded,
    }
    event["body"] = body if body is not None else _DROP
    return event


def v2_event(request: HttpRequest) -> dict[str, Any]:
    """HTTP APIs decode the path before invoking (an encoded `/` cannot survive)."""
    return _v2_event(request, "abc123.execute-api.us-east-1.amazonaws.com", unquote(request.path), ACCOUNT)


def function_url_event(request: HttpRequest) -> dict[str, Any]:
    """Function URLs pass the path as the client sent it, percent-encoded."""
    return _v2_event(request, "abcdefghij.lambda-url.us-east-1.on.aws", request.path, "anonymous")


def _alb_event(request: HttpRequest, multivalue: bool) -> dict[str, Any]:
    headers = _plain_headers(request, "contract-alb-123.us-east-1.elb.amazonaws.com")
    body, encoded = _body(request)
    event: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:"
                                                      "targetgroup/contract/0123456789abcdef"}},
        "httpMethod": request.method,
        "path": request.path,
        "body": body or "",
        "isBase64Encoded": encoded,
    }
    # ALB forwards query keys and values still encoded, as the client wrote them.
    encoded_query = {quote_plus(k): [quote_plus(v) for v in values] for k, values in request.query.items()}
    if multivalue:
        event["multiValueQueryStringParameters"] = encoded_query
        event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
        event["queryStringParameters"] = event["headers"] = _DROP
    else:  # single-value mode: the last value of a repeated parameter
        event["queryStringParameters"] = {k: v[-1] for k, v in encoded_query.items()}
        event["headers"] = headers
        event["multiValueQueryStringParameters"] = event["multiValueHeaders"] = _DROP
    return event


_HTTP_BUILDERS: dict[str, Callable[[HttpRequest], dict[str, Any]]] = {
    "apigw_rest": rest_event,
    "apigw_v2": v2_event,
    "function_url": function_url_event,
    "alb": lambda request: _alb_event(request, False),
    "alb_multivalue": lambda request: _alb_event(request, True),
}


# -------------------------------------------------------------------- message events
def _text(outgoing: Outgoing, shape: str) -> str:
    if isinstance(outgoing.data, str):
        return outgoing.data
    try:
        return outgoing.data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{shape} message bodies are text; {outgoing!r} is not UTF-8") from None


def _bytes(outgoing: Outgoing) -> bytes:
    return outgoing.data.encode("utf-8") if isinstance(outgoing.data, str) else outgoing.data


def _json_object(outgoing: Outgoing, shape: str) -> dict[str, Any]:
    try:
        value = json.loads(outgoing.data)
    except (ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict):
        raise ValueError(f"{shape} carries a JSON object; {outgoing!r} is not one")
    return value


def _iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _digest(text: str, size: int = 16) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:size]


def _sqs(kit: AwsTestingKit, binding: Any, messages: list[Outgoing], fifo: bool) -> tuple[Any, Ids]:
    name = binding.name
    if fifo and not name.endswith(".fifo"):
        raise ValueError(f"an SQS FIFO queue's name ends in .fifo; binding {name!r} cannot be one")
    millis = str(int(time.time() * 1000))
    records = []
    for outgoing in messages:
        body = _text(outgoing, "SQS")
        attributes = {"ApproximateReceiveCount": str(outgoing.attempt), "SentTimestamp": millis,
                      "SenderId": "AIDAEXAMPLECONTRACT", "ApproximateFirstReceiveTimestamp": millis}
        if fifo:
            attributes.update({"SequenceNumber": str(_SEQUENCE_BASE + kit.number(name, outgoing)),
                               "MessageGroupId": outgoing.group or "default",
                               "MessageDeduplicationId": outgoing.id})
        record = {
            "messageId": outgoing.id,
            "receiptHandle": "AQEB" + base64.b64encode(f"{outgoing.id}/{outgoing.attempt}".encode()).decode(),
            "body": body,
            "attributes": attributes,
            "messageAttributes": {k: {"stringValue": v, "stringListValues": [], "binaryListValues": [],
                                      "dataType": "String"} for k, v in outgoing.headers.items()},
            "md5OfBody": _digest(body, 32),
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
            "awsRegion": REGION,
        }
        records.append(kit.templates.merge("sqs_fifo" if fifo else "sqs", record))
    return {"Records": records}, {m.id: (m.id, m.id) for m in messages}


def _sns(kit: AwsTestingKit, binding: Any, messages: list[Outgoing]) -> tuple[Any, Ids]:
    outgoing = messages[0]
    topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:{binding.name}"
    record = {
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid5(uuid.NAMESPACE_URL, topic_arn)}",
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1", "Timestamp": _iso(), "Signature": "EXAMPLE",
            "SigningCertUrl": f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-example.pem",
            "MessageId": outgoing.id, "Message": _text(outgoing, "SNS"),
            "MessageAttributes": {k: {"Type": "String", "Value": v} for k, v in outgoing.headers.items()},
            "Type": "Notification",
            "UnsubscribeUrl": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe",
            "TopicArn": topic_arn, "Subject": None,
        },
    }
    return {"Records": [kit.templates.merge("sns", record)]}, {outgoing.id: (outgoing.id, outgoing.id)}


def _s3_name(pattern: str) -> str:
    if pattern == OBJECT_CREATED:
        return "ObjectCreated:Put"
    if pattern == OBJECT_DELETED:
        return "ObjectRemoved:Delete"
    bare = pattern.removeprefix("s3:")
    if not bare.startswith(("ObjectCreated:", "ObjectRemoved:", "ObjectRestore:", "LifecycleExpiration:")):
        raise ValueError(f"S3 sends object events; event binding {pattern!r} names none")
    return bare.replace("*", "Delete" if bare.startswith("ObjectRemoved") else "Put")


def _object(outgoing: Outgoing, shape: str) -> tuple[str, str, int]:
    data = _json_object(outgoing, shape)
    bucket, key, size = data.get("bucket"), data.get("key"), data.get("size", 0)
    if not isinstance(bucket, str) or not isinstance(key, str) or not isinstance(size, int):
        raise ValueError(f'send an object event as {{"bucket": ..., "key": ..., "size": N}}, not {outgoing!r}')
    return bucket, key, size


def _s3(kit: AwsTestingKit, binding: Any, messages: list[Outgoing]) -> tuple[Any, Ids]:
    outgoing = messages[0]
    name = _s3_name(binding.pattern)
    bucket, key, size = _object(outgoing, "S3")
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/"), "sequencer": _digest(outgoing.id, 18).upper()}
    if name.startswith("ObjectCreated"):
        obj.update({"size": size, "eTag": _digest(outgoing.id, 32)})
    record = {
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION, "eventTime": _iso(),
        "eventName": name, "userIdentity": {"principalId": "AWS:AIDAEXAMPLECONTRACT"},
        "requestParameters": {"sourceIPAddress": "192.0.2.1"},
        "responseElements": {"x-amz-request-id": _digest(outgoing.id).upper(),
                             "x-amz-id-2": base64.b64encode(outgoing.id.encode()).decode()},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "portside-contract",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3EXAMPLE"},
                          "arn": f"arn:aws:s3:::{bucket}"},
               "object": obj},
    }
    return {"Records": [kit.templates.merge("s3", record)]}, {outgoing.id: (None, None)}


def _eventbridge(kit: AwsTestingKit, binding: Any, messages: list[Outgoing]) -> tuple[Any, Ids]:
    outgoing = messages[0]
    pattern = binding.pattern
    template = "eventbridge"
    if pattern in (OBJECT_CREATED, OBJECT_DELETED):
        bucket, key, size = _object(outgoing, "EventBridge")
        detail_type, source, template = (
            "Object Created" if pattern == OBJECT_CREATED else "Object Deleted"), "aws.s3", "eventbridge_s3"
        detail: dict[str, Any] = {
            "version": "0", "bucket": {"name": bucket},
            "object": {"key": key, "size": size, "etag": _digest(outgoing.id, 32),
                       "sequencer": _digest(outgoing.id, 18).upper()},
            "request-id": _digest(outgoing.id).upper(), "requester": ACCOUNT, "reason": "PutObject",
        }
        resources = [f"arn:aws:s3:::{bucket}"]
    else:
        detail_type, source = pattern.replace("*", "x"), "com.example.contract"
        detail, resources = _json_object(outgoing, "EventBridge"), []
    event = {"version": "0", "id": outgoing.id, "detail-type": detail_type, "source": source,
             "account": ACCOUNT, "time": _iso(), "region": REGION, "resources": resources, "detail": detail}
    return kit.templates.merge(template, event), {outgoing.id: (None, outgoing.id)}


def _schedule(kit: AwsTestingKit, binding: Any, messages: list[Outgoing]) -> tuple[Any, Ids]:
    outgoing = messages[0]
    event = {"version": "0", "id": outgoing.id, "detail-type": "Scheduled Event", "source": "aws.events",
             "account": ACCOUNT, "time": _iso(), "region": REGION,
             "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{binding.name}"], "detail": {}}
    return event, {outgoing.id: (None, outgoing.id)}


def _kinesis(kit: AwsTestingKit, binding: Any, messages: list[Outgoing]) -> tuple[Any, Ids]:
    records: list[Any] = []
    ids: Ids = {}
    for outgoing in messages:
        sequence = str(_SEQUENCE_BASE + kit.number(binding.name, outgoing))
        event_id = f"shardId-000000000000:{sequence}"
        ids[outgoing.id] = (sequence, event_id)
        records.append(kit.templates.merge("kinesis", {
            "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": outgoing.group or "contract",
                        "sequenceNumber": sequence, "data": base64.b64encode(_bytes(outgoing)).decode("ascii"),
                        "approximateArrivalTimestamp": round(time.time(), 3)},
            "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": event_id,
            "eventName": "aws:kinesis:record", "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/contract",
            "awsRegion": REGION, "eventSourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{binding.name}",
        }))
    return {"Records": records}, ids


def marshal(value: Any) -> dict[str, Any]:
    """A JSON value as a DynamoDB typed value (`{"S": "text"}`)."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, (int, float)):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [marshal(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: marshal(v) for k, v in value.items()}}
    raise ValueError(f"{value!r} is not a JSON value")


def _dynamodb(kit: AwsTestingKit, binding: Any, messages: list[Outgoing]) -> tuple[Any, Ids]:
    records: list[Any] = []
    ids: Ids = {}
    stream_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{binding.name}/stream/{_STREAM_LABEL}"
    for outgoing in messages:
        item = {"pk": outgoing.id, **_json_object(outgoing, "DynamoDB")}
        sequence = str(kit.number(binding.name, outgoing) * 100)
        ids[outgoing.id] = (sequence, outgoing.id)
        records.append(kit.templates.merge("dynamodb", {
            "eventID": outgoing.id, "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
            "awsRegion": REGION,
            "dynamodb": {"ApproximateCreationDateTime": int(time.time()), "Keys": {"pk": {"S": outgoing.id}},
                         "NewImage": {k: marshal(v) for k, v in item.items()}, "SequenceNumber": sequence,
                         "SizeBytes": len(json.dumps(item)), "StreamViewType": "NEW_AND_OLD_IMAGES"},
            "eventSourceARN": stream_arn,
        }))
    return {"Records": records}, ids


def _kafka(kit: AwsTestingKit, binding: Any, messages: list[Outgoing]) -> tuple[Any, Ids]:
    partitions: dict[str | None, int] = {}
    records: dict[str, list[Any]] = {}
    ids: Ids = {}
    for outgoing in messages:
        partition = partitions.setdefault(outgoing.group, len(partitions))
        key = f"{binding.name}-{partition}"
        offset = kit.number(key, outgoing)
        ids[outgoing.id] = ({"partition": key, "offset": offset}, f"{key}@{offset}")
        records.setdefault(key, []).append(kit.templates.merge("kafka_record", {
            "topic": binding.name, "partition": partition, "offset": offset,
            "timestamp": int(time.time() * 1000), "timestampType": "CREATE_TIME",
            "key": base64.b64encode(outgoing.group.encode()).decode() if outgoing.group else None,
            "value": base64.b64encode(_bytes(outgoing)).decode("ascii"),
            "headers": [{k: list(v.encode("utf-8"))} for k, v in outgoing.headers.items()],
        }))
    event = {"eventSource": "aws:kafka",
             "eventSourceArn": f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/contract/{_CLUSTER_ID}",
             "bootstrapServers": "b-1.contract.kafka.us-east-1.amazonaws.com:9092", "records": records}
    return kit.templates.merge("kafka", event), ids


_Builder = Callable[[AwsTestingKit, Any, list[Outgoing]], tuple[Any, Ids]]
_MESSAGE_BUILDERS: dict[str, _Builder] = {
    "sqs": lambda kit, binding, messages: _sqs(kit, binding, messages, False),
    "sqs_fifo": lambda kit, binding, messages: _sqs(kit, binding, messages, True),
    "sns": _sns,
    "eventbridge": _eventbridge,
    "s3": _s3,
    "schedule": _schedule,
    "kinesis": _kinesis,
    "dynamodb": _dynamodb,
    "kafka": _kafka,
}


# -------------------------------------------------------------------- templates
# name -> (sample file, how to take the template from it); records are merged into Records[0].
_SAMPLES: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "apigw_rest": ("apiGatewayProxyEvent.json", lambda e: e),
    "apigw_v2": ("apiGatewayProxyV2Event.json", lambda e: e),
    "function_url": ("lambdaFunctionUrlEvent.json", lambda e: e),
    "alb": ("albEvent.json", lambda e: e),
    "alb_multivalue": ("albMultiValueHeadersEvent.json", lambda e: e),
    "sqs": ("sqsEvent.json", lambda e: e["Records"][0]),
    "sqs_fifo": ("snsSqsFifoEvent.json", lambda e: e["Records"][0]),
    "sns": ("snsEvent.json", lambda e: e["Records"][0]),
    "s3": ("s3Event.json", lambda e: e["Records"][0]),
    "eventbridge": ("eventBridgeEvent.json", lambda e: e),
    "eventbridge_s3": ("s3EventBridgeNotificationObjectCreatedEvent.json", lambda e: e),
    "kinesis": ("kinesisStreamEvent.json", lambda e: e["Records"][0]),
    "dynamodb": ("dynamoStreamEvent.json", lambda e: e["Records"][0]),
    "kafka": ("kafkaEventMsk.json", lambda e: {k: v for k, v in e.items() if k != "records"}),
    "kafka_record": ("kafkaEventMsk.json", lambda e: next(iter(e["records"].values()))[0]),
}
# Nested objects whose fields the sample may complete; every other field is taken as built.
_COMPLETED = frozenset({"requestContext"})


def _samples_dir() -> Path | None:
    shared = os.environ.get("PORTSIDE_SHARED_DIR")
    root = Path(shared) if shared else Path(__file__).resolve().parents[3].parent / "shared"
    folder = root / "events" / "aws" / "powertools"
    return folder if folder.is_dir() else None


class Templates:
    """Real samples under the built events: fields the kit builds win; the sample only adds the
    fields a real event also has (signatures, versions, request context details)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._cache: dict[str, Any] = {}

    def sample(self, name: str) -> Any:
        if self.folder is None or name not in _SAMPLES:
            return None
        if name not in self._cache:
            file, pick = _SAMPLES[name]
            try:
                self._cache[name] = pick(json.loads((self.folder / file).read_text()))
            except (OSError, ValueError, KeyError, IndexError, StopIteration):
                self._cache[name] = None
        return self._cache[name]

    def merge(self, name: str, built: dict[str, Any]) -> dict[str, Any]:
        sample = self.sample(name)
        merged: dict[str, Any] = copy.deepcopy(sample) if isinstance(sample, dict) else {}
        for key, value in built.items():
            if key in _COMPLETED and isinstance(value, dict) and isinstance(merged.get(key), dict):
                inner = {**merged[key], **value}
                merged[key] = {k: v for k, v in inner.items() if v is not _DROP}
            elif value is _DROP:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged


__all__ = ["AwsTestingKit", "LambdaContext", "RecordingPublisher", "Templates", "http_answer", "marshal"]
