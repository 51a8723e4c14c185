"""The one table of legitimate platform differences, read by the contract suite and shown in the README.

Every adapter gives a service the same neutral result; what differs is how each native shape
says it, and what a platform can carry at all (an HTTP API decodes `%2F` before the function
sees it; a Kinesis record has no attributes; only SQS counts receives). Each row says it for one
(adapter, shape); `python -m tests.contract.native_answers` prints the tables in Markdown.

A message's state as the platform understands the answer (`reads`): Lambda cannot tell a retried
record from a handed-back one (both are redelivered, and the source's redrive keeps them); the
local queue redelivers a retried message in place up to 3 attempts, then hands it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from portside import DROP, HAND_BACK, OBJECT_CREATED, HttpResponse
from portside.kit import Delivered, Redeliver, State

ACK, RETRIED, DEAD, BACK = State.ACKNOWLEDGED, State.RETRIED, State.DEAD_LETTERED, State.HANDED_BACK
REDELIVER = frozenset({RETRIED, BACK})
PARKING = "parking"  # the suite's dead-letter target (a logical name every adapter resolves)

# What a native message shape can carry (`MessageRow.carries`).
ATTRIBUTES = "attributes"  # headers beside the body: correlation id, portside-topic, content-type
RAW = "raw"  # any text as the body (so: invalid JSON, oversized and over-deep documents)
BINARY = "binary"  # bytes that are not UTF-8
ATTEMPT = "attempt"  # a receive / delivery count
SENDER_ID = "sender-id"  # the id the message was sent with is the handler's message id
DOCUMENT = "document"  # any JSON document the sender chose (not a platform-made body such as S3's)

# The dead-letter choice of the suite's binding variants (the others make none).
DEAD_LETTER = {"dl": PARKING, "drop": DROP, "back": HAND_BACK}


@dataclass(frozen=True)
class MessageRow:
    """One native message shape. `answer` is the style the native answer has:
    item-failures (`{"batchItemFailures": [...]}`), raise (a kit.Redeliver raised, else None),
    push-status (an HTTP status per message), local-queue (the local queue's settlement)."""

    adapter: str
    shape: str
    answer: str
    cells: Mapping[State, str]
    carries: frozenset[str]
    batch: bool = False  # several messages in one invocation
    # "groups" (per group / partition), "stream" (one shard); "ordered-binding" / "ordered-binding-groups":
    # one lane / per group, only on a binding with ordered=True
    ordering: str | None = None
    reads: Mapping[State, State] = field(default_factory=dict)
    suffix: str = ""  # queue names on this shape end with it
    # binding kind -> the adapter options its bindings get ("{name}" in a value is the binding's name)
    options: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    poison_default: str | None = None  # dead_letter= of variants making no choice (startup requires one)
    refuses: frozenset[str] = frozenset()  # binding variants the platform cannot have (startup refuses)
    event_names: Mapping[str, str] = field(default_factory=dict)  # event binding pattern per variant
    body_view: str | None = None  # the body key holding the sent JSON object (a change record's image)
    note: str = ""
    # A body without a declared content type that is not JSON: poison ("json", every adapter), or
    # handed to the handler as bytes ("json-else-bytes": Pub/Sub data is opaque, and so is a
    # CloudEvent's data of a declared binary type).
    untyped: str = "json"

    lacks: Mapping[str, frozenset[str]] = field(default_factory=dict)  # per binding kind, not carried

    def carries_for(self, kind: str) -> frozenset[str]:
        return self.carries - self.lacks.get(kind, frozenset())

    def read(self, state: State) -> State:
        return self.reads.get(state, state)


@dataclass(frozen=True)
class HttpRow:
    """One native HTTP shape: what reaches the app, and the keys of the native response."""

    adapter: str
    shape: str
    encoded_slash: bool  # `%2F` reaches the router inside its segment
    repeated_query: bool  # every value of a repeated query parameter arrives
    keys: frozenset[str] | None  # the keys the native response may have (None: not a dict)
    required: frozenset[str] = frozenset()
    cookies: str = ""
    note: str = ""


_ITEMS = {ACK: "not named", RETRIED: "named in batchItemFailures", DEAD: "not named; sent to the target",
          BACK: "named in batchItemFailures (the redrive policy keeps it)"}
_RAISE = {ACK: "returns None", RETRIED: "raises DeliveryFailed (a kit.Redeliver)",
          DEAD: "returns None; sent to the target",
          BACK: "raises DeliveryFailed (the on-failure destination keeps it)"}
_AZURE_RAISE = {ACK: "returns", RETRIED: "raises RedeliveryRequested (a kit.Redeliver)",
                DEAD: "returns; sent to the target", BACK: "raises RedeliveryRequested (poison queue / DLQ)"}
_PUSH = {ACK: "200", RETRIED: "503", DEAD: "200; sent to the target", BACK: "500"}
_OPAQUE = "json-else-bytes"  # Pub/Sub: untyped data that is not JSON reaches the handler as bytes
_AWS_READS = {BACK: RETRIED}
_NO_EVENT_ATTEMPT = {"event": frozenset({ATTEMPT})}
_LOCAL_READS = {RETRIED: BACK}
_S3_EVENTS = {"plain": "ObjectRemoved:Delete", "dl": "ObjectCreated:Copy", "drop": "ObjectCreated:Post",
              "back": "ObjectCreated:CompleteMultipartUpload", "object": OBJECT_CREATED}

MESSAGE_ROWS: tuple[MessageRow, ...] = (
    MessageRow("aws", "sqs", "item-failures", _ITEMS,
               frozenset({ATTRIBUTES, RAW, ATTEMPT, SENDER_ID, DOCUMENT}), batch=True,
               ordering="ordered-binding", reads=_AWS_READS,
               note="ordered=True on a standard queue keeps the whole batch in order"),
    MessageRow("aws", "sqs_fifo", "item-failures", _ITEMS,
               frozenset({ATTRIBUTES, RAW, ATTEMPT, SENDER_ID, DOCUMENT}), batch=True, ordering="groups",
               reads=_AWS_READS, suffix=".fifo", note="order kept per MessageGroupId"),
    MessageRow("aws", "kinesis", "item-failures", _ITEMS, frozenset({RAW, BINARY, DOCUMENT}), batch=True,
               ordering="stream", reads=_AWS_READS, options={"queue": {"aws": {"source": "kinesis"}}},
               poison_default=HAND_BACK,
               note="Lambda resumes the shard from the lowest sequence number named"),
    MessageRow("aws", "dynamodb", "item-failures", _ITEMS, frozenset({SENDER_ID, DOCUMENT}), batch=True,
               ordering="stream", reads=_AWS_READS, options={"queue": {"aws": {"source": "dynamodb"}}},
               poison_default=HAND_BACK,
               body_view="new_image", note="the body is a change record; new_image is the item written"),
    MessageRow("aws", "kafka", "item-failures", _ITEMS, frozenset({ATTRIBUTES, RAW, BINARY, DOCUMENT}),
               batch=True, ordering="groups", reads=_AWS_READS, options={"queue": {"aws": {"source": "kafka"}}},
               poison_default=HAND_BACK,
               note="named by {partition, offset}; resumes each partition from the lowest offset named"),
    MessageRow("aws", "sns", "raise", _RAISE, frozenset({ATTRIBUTES, RAW, SENDER_ID, DOCUMENT}),
               reads=_AWS_READS),
    MessageRow("aws", "eventbridge", "raise", _RAISE, frozenset({SENDER_ID, DOCUMENT}), reads=_AWS_READS,
               note="the body is the event's detail (a JSON object)"),
    MessageRow("aws", "s3", "raise", _RAISE, frozenset(), reads=_AWS_READS, event_names=_S3_EVENTS,
               note="object events only; bound by S3 event name or OBJECT_CREATED / OBJECT_DELETED"),
    MessageRow("aws", "schedule", "raise", _RAISE, frozenset({SENDER_ID}), reads=_AWS_READS,
               note="an EventBridge scheduled event; the body is {time, rule}"),
    MessageRow("azure", "storage_queue", "raise", _AZURE_RAISE,
               frozenset({ATTRIBUTES, RAW, BINARY, ATTEMPT, SENDER_ID, DOCUMENT}),
               refuses=frozenset({"ordered"}),
               note="headers travel in a portside CloudEvent envelope (Storage queues have no attributes)"),
    MessageRow("azure", "servicebus_queue", "raise", _AZURE_RAISE,
               frozenset({ATTRIBUTES, RAW, BINARY, ATTEMPT, SENDER_ID, DOCUMENT}),
               options={"queue": {"azure": {"service": "servicebus"}}}),
    MessageRow("azure", "servicebus_topic", "raise", _AZURE_RAISE,
               frozenset({ATTRIBUTES, RAW, BINARY, ATTEMPT, SENDER_ID, DOCUMENT})),
    MessageRow("azure", "eventhub", "raise-batch", {
                   **_AZURE_RAISE, RETRIED: "raises until the retry policy's last try, then dead-lettered",
                   BACK: "refused at startup (the checkpoint moves on)"},
               frozenset({ATTRIBUTES, RAW, BINARY, SENDER_ID, DOCUMENT}), batch=True,
               ordering="ordered-binding-groups", reads={RETRIED: DEAD},
               options={"queue": {"azure": {"service": "eventhubs"}}}, poison_default=PARKING,
               refuses=frozenset({"back"}),
               note="the host retries the whole batch (max_retries), then what still fails is dead-lettered"),
    MessageRow("azure", "eventgrid", "raise", _AZURE_RAISE, frozenset({SENDER_ID, DOCUMENT}),
               note="Event Grid schema"),
    MessageRow("azure", "cloudevent", "raise", _AZURE_RAISE, frozenset({ATTRIBUTES, SENDER_ID, DOCUMENT}),
               note="Event Grid's CloudEvents 1.0 schema"),
    MessageRow("azure", "blob", "raise", _AZURE_RAISE, frozenset(),
               refuses=frozenset({"plain", "dl", "drop", "back"}), note="a blob trigger: OBJECT_CREATED only"),
    MessageRow("azure", "timer", "raise", _AZURE_RAISE, frozenset()),
    MessageRow("gcp", "pubsub_push", "push-status", _PUSH,
               frozenset({ATTRIBUTES, RAW, BINARY, ATTEMPT, SENDER_ID, DOCUMENT}), untyped=_OPAQUE,
               note="Pub/Sub data without a content-type attribute is JSON when it parses, else bytes"),
    MessageRow("gcp", "cloudevent_binary", "push-status", _PUSH,
               frozenset({ATTRIBUTES, RAW, BINARY, ATTEMPT, SENDER_ID, DOCUMENT}), lacks=_NO_EVENT_ATTEMPT,
               untyped=_OPAQUE,
               note="Pub/Sub through Eventarc, or an event's own CloudEvent (no delivery attempt); "
                    "untyped Pub/Sub data and declared binary event data reach the handler as bytes"),
    MessageRow("gcp", "cloudevent_structured", "push-status", _PUSH,
               frozenset({ATTRIBUTES, RAW, BINARY, ATTEMPT, SENDER_ID, DOCUMENT}), lacks=_NO_EVENT_ATTEMPT,
               untyped=_OPAQUE),
    MessageRow("gcp", "legacy_event", "push-status", _PUSH,
               frozenset({ATTRIBUTES, RAW, BINARY, SENDER_ID, DOCUMENT}),
               options={"queue": {"gcp": {"topic": "{name}-topic"}}}, untyped=_OPAQUE,
               note="a queue binding names its topic"),
    MessageRow("gcp", "scheduler_http", "push-status", _PUSH, frozenset()),
    MessageRow("local", "delivery", "push-status",
               {ACK: "200", RETRIED: "500 after 3 attempts in place", DEAD: "200; sent to the target",
                BACK: "500"},
               frozenset({ATTRIBUTES, RAW, BINARY, SENDER_ID, DOCUMENT}), reads=_LOCAL_READS,
               note="POST /_portside/messages/{queue, subscription or event type}?wait=true, "
                    "answered by kit.render_delivery"),
    MessageRow("local", "channel", "local-queue",
               {ACK: "acknowledged", RETRIED: "handed back after 3 attempts in place",
                DEAD: "kept with its target", BACK: "kept in the dead-letter list"},
               frozenset({ATTRIBUTES, RAW, BINARY, SENDER_ID, DOCUMENT}), batch=True, reads=_LOCAL_READS,
               note="published to the channel the binding listens on; settled by the local queue"),
    MessageRow("local", "timer", "local-queue",
               {ACK: "acknowledged", RETRIED: "handed back after 3 attempts in place", DEAD: "-",
                BACK: "kept in the dead-letter list"},
               frozenset(), reads=_LOCAL_READS, note="POST /_portside/schedules/{name}"),
)

_REST_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
_V2_KEYS = frozenset({"statusCode", "headers", "body", "isBase64Encoded", "cookies"})
_ALB_KEYS = frozenset({"statusCode", "statusDescription", "headers", "body", "isBase64Encoded"})
_ALB_MULTI_KEYS = frozenset({"statusCode", "statusDescription", "multiValueHeaders", "body", "isBase64Encoded"})

HTTP_ROWS: tuple[HttpRow, ...] = (
    HttpRow("azure", "http", True, True, None,
            cookies="func.HttpResponse cookies (the worker re-orders attributes, lower-cases their names)"),
    HttpRow("gcp", "http", True, True, None, cookies="one Set-Cookie header each"),
    HttpRow("local", "in-process", True, True, None, cookies="HttpResponse.cookies"),
    HttpRow("local", "server", True, True, None, cookies="one Set-Cookie header each"),
    HttpRow("aws", "apigw_rest", True, True, _REST_KEYS, _REST_KEYS,
            cookies='multiValueHeaders["Set-Cookie"]', note="exactly these keys, or API Gateway answers 502"),
    HttpRow("aws", "apigw_v2", False, True, _V2_KEYS, frozenset({"statusCode", "body"}), cookies="cookies[]",
            note="an HTTP API decodes the path first: an encoded '/' splits the segment (404)"),
    HttpRow("aws", "function_url", True, True, _V2_KEYS, frozenset({"statusCode", "body"}),
            cookies="cookies[]"),
    HttpRow("aws", "alb", True, False, _ALB_KEYS, _ALB_KEYS,
            cookies="one set-cookie per letter casing", note="single-value mode: the last value of a repeated "
            "query parameter; enable multi-value headers for all of them"),
    HttpRow("aws", "alb_multivalue", True, True, _ALB_MULTI_KEYS, _ALB_MULTI_KEYS,
            cookies='multiValueHeaders["set-cookie"]'),
)


def message_row(adapter: str, shape: str) -> MessageRow:
    for row in MESSAGE_ROWS:
        if (row.adapter, row.shape) == (adapter, shape):
            return row
    raise LookupError(f"no row for message shape {adapter}/{shape}: add one to {__name__}")


def http_row(adapter: str, shape: str) -> HttpRow:
    for row in HTTP_ROWS:
        if (row.adapter, row.shape) == (adapter, shape):
            return row
    raise LookupError(f"no row for HTTP shape {adapter}/{shape}: add one to {__name__}")


# ---------------------------------------------------------------------- expectations
def neutral_state(behaviour: str, dead_letter: str | None) -> State:
    """The settlement portside decides for a handler behaviour on a binding with `dead_letter`
    (the suite's app has no App-wide dead_letter=)."""
    if behaviour in ("ok", "publish"):
        return ACK
    if behaviour in ("retry", "crash", "undeclared", "publish-then-retry"):
        return RETRIED
    if dead_letter in (None, HAND_BACK):
        return BACK
    return ACK if dead_letter == DROP else DEAD


def expected_states(row: MessageRow, behaviours: Sequence[str], binding: Any,
                    groups: Sequence[str | None] | None = None) -> list[State]:
    """The states a delivery by `binding` must read as: portside's decision, the source's
    ordering, then how the native answer shows each state."""
    states = [neutral_state(b, getattr(binding, "dead_letter", None)) for b in behaviours]
    ordering = row.ordering
    if ordering == "ordered-binding":
        ordering = "stream" if getattr(binding, "ordered", False) else None
    elif ordering == "ordered-binding-groups":
        ordering = "groups" if getattr(binding, "ordered", False) else None
    if ordering is not None:
        lanes = list(groups or [None] * len(states)) if ordering == "groups" else [None] * len(states)
        blocked: set[str | None] = set()
        for i, state in enumerate(states):
            if lanes[i] in blocked:
                states[i] = RETRIED
            elif state in REDELIVER:
                blocked.add(lanes[i])
    return [row.read(s) for s in states]


_PUSH_STATUS = {ACK: 200, DEAD: 200, RETRIED: 503, BACK: 500}


def check_native(row: MessageRow, expected: Sequence[State], delivered: Delivered) -> None:
    """The native answer is the one this row documents for the expected states."""
    redeliver = [s in REDELIVER for s in expected]
    native = delivered.native
    if row.answer == "item-failures":
        assert isinstance(native, dict) and isinstance(native.get("batchItemFailures"), list), (
            f"expected {{'batchItemFailures': [...]}}, got {native!r:.300}")
        failures = native["batchItemFailures"]
        assert len(failures) == sum(redeliver), (
            f"batchItemFailures should name {sum(redeliver)} record(s), names {len(failures)}: "
            f"{failures!r:.300}")
        named = [f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures]
        assert all(i not in (None, "") for i in named), failures
    elif row.answer == "raise":
        answers = native if isinstance(native, list) else [native]
        assert len(answers) == len(expected), f"one invocation per message expected, got {len(answers)}"
        for answer, again in zip(answers, redeliver, strict=True):
            if again:
                assert isinstance(answer, Redeliver), f"expected a raised kit.Redeliver, got {answer!r}"
            else:
                assert answer is None, f"expected the invocation to return None, got {answer!r:.200}"
    elif row.answer == "raise-batch":
        if any(redeliver):
            assert isinstance(native, Redeliver), f"expected a raised kit.Redeliver, got {native!r:.200}"
        else:
            assert not isinstance(native, Exception), f"expected an answer, got {native!r:.200}"
    elif row.answer == "push-status":
        assert isinstance(native, list) and len(native) == len(expected), native
        for answer, state in zip(native, expected, strict=True):
            assert isinstance(answer, HttpResponse), answer
            assert answer.status == _PUSH_STATUS[state], (
                f"a {state.value} message is answered {_PUSH_STATUS[state]}, got {answer.status} "
                f"{answer.body!r:.200}")
            assert answer.headers.get("x-portside-delivery") == state.value, answer.headers
    elif row.answer == "local-queue":
        assert list(native) == list(expected), f"the local queue settled {native!r}, expected {expected!r}"
    else:
        raise AssertionError(f"unknown answer style {row.answer!r} in row {row.adapter}/{row.shape}")


# ---------------------------------------------------------------------- README
def markdown() -> str:
    """The two tables as the README shows them."""
    lines = ["| adapter | shape | acknowledged | retried | dead-lettered | handed back | carries | notes |",
             "|---|---|---|---|---|---|---|---|"]
    for row in MESSAGE_ROWS:
        cells = [row.cells.get(s, "") for s in (ACK, RETRIED, DEAD, BACK)]
        carries = ", ".join(sorted(row.carries))
        lines.append(f"| {row.adapter} | {row.shape} | " + " | ".join(cells) + f" | {carries} | {row.note} |")
    lines += ["", "| adapter | shape | encoded / in a segment | repeated query values | Set-Cookie | notes |",
              "|---|---|---|---|---|---|"]
    for http_ in HTTP_ROWS:
        slash = "kept" if http_.encoded_slash else "decoded (404)"
        repeated = "all" if http_.repeated_query else "last only"
        cells = [http_.adapter, http_.shape, slash, repeated, http_.cookies, http_.note]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
