"""A settlement as an HTTP answer, for push platforms and HTTP delivery endpoints.

Push platforms (Pub/Sub push, Event Grid, Cloud Tasks, the local runtime's delivery endpoint)
count a 2xx as an acknowledgement and redeliver on anything else, so:

| state          | status | why                                                        |
|----------------|--------|------------------------------------------------------------|
| acknowledged   | 200    | done                                                       |
| dead_lettered  | 200    | kept in its dead-letter target; must not be pushed again   |
| retried        | 503    | transient; `Retry-After` when the Result gives one         |
| handed_back    | 500    | no target: the platform's own retry/dead-letter keeps it   |
"""

from __future__ import annotations

from ..codec import encode_json
from ..http_types import HttpResponse
from ..message import CORRELATION_HEADER
from ..settlement import Settlement, State

DELIVERY_HEADER = "x-portside-delivery"  # the settlement's state, on every delivery answer
DELIVERY_STATUS = {
    State.ACKNOWLEDGED: 200,
    State.DEAD_LETTERED: 200,
    State.RETRIED: 503,
    State.HANDED_BACK: 500,
}


def render_delivery(settlement: Settlement) -> HttpResponse:
    """`{"state": ..., "status": ..., "message_id": ..., "errors": [...]}` with the code above."""
    result, message = settlement.result, settlement.message
    headers = {"content-type": "application/json", DELIVERY_HEADER: settlement.state.value}
    payload: dict[str, object] = {"state": settlement.state.value, "status": result.status.value}
    if message is not None:
        payload["message_id"] = message.id
        payload["correlation_id"] = headers[CORRELATION_HEADER] = message.correlation_id
    if result.errors:
        payload["errors"] = [e.to_dict() for e in result.errors]
    if settlement.reason:
        payload["reason"] = settlement.reason
    if settlement.state is State.RETRIED and result.retry_after is not None:
        headers["retry-after"] = str(result.retry_after)
    return HttpResponse(DELIVERY_STATUS[settlement.state], headers, encode_json(payload))
