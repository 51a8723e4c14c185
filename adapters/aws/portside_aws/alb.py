"""Application Load Balancer events (Lambda target groups).

The target group's multi-value headers setting decides both directions: with it on, the event
carries only `multiValue*` maps and the response must use `multiValueHeaders` (the ALB ignores
`headers`); with it off, only `headers` exist. Query strings arrive still URL-encoded. The ALB
rejects responses with unknown keys or a non-string body (502).
"""

from __future__ import annotations

from typing import Any

from portside import HttpRequest, HttpResponse
from portside.kit import split_cookies

from . import detect
from . import http_common as common
from .records import lambda_request_id
from .settings import AwsSettings

KIND = "http"
_SET_COOKIE = "set-cookie"


matches = detect.alb


def to_request(event: dict[str, Any], context: Any, settings: AwsSettings | None) -> HttpRequest:
    """No identity: an ALB's own authentication arrives as `x-amzn-oidc-*` headers."""
    return common.v1_request(
        event,
        context,
        transport="aws-alb",
        request_id=lambda_request_id(context),  # ALB events carry no request id of their own
        decode_query=True,  # ALB forwards query strings still URL-encoded
    )


def to_response(response: HttpResponse, event: dict[str, Any]) -> dict[str, Any]:
    headers, cookies = split_cookies(response)
    body, is_base64 = common.response_body(response)
    native: dict[str, Any] = {
        "statusCode": response.status,
        "statusDescription": status_description(response.status),
    }
    if "multiValueHeaders" in event:
        multi = {name: [value] for name, value in headers.items()}
        if cookies:
            multi[_SET_COOKIE] = cookies
        native["multiValueHeaders"] = multi
    else:
        native["headers"] = {**headers, **_single_value_cookies(cookies)}
    native["body"] = body
    native["isBase64Encoded"] = is_base64
    return native


def status_description(status: int) -> str:
    """The status line the ALB sends, e.g. "200 OK"."""
    from http import HTTPStatus  # only ALB functions pay for this import

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _single_value_cookies(cookies: list[str]) -> dict[str, str]:
    """Without multi-value headers a name holds one value, so each further cookie goes under a
    differently cased `set-cookie` (the long-standing workaround of WSGI-on-Lambda adapters).
    Enabling multi-value headers on the target group is the reliable fix."""
    return {_case_variant(_SET_COOKIE, index): cookie for index, cookie in enumerate(cookies)}


def _case_variant(name: str, number: int) -> str:
    """`name` with its n-th letter upper-cased where bit n of `number` is set (0: unchanged)."""
    out: list[str] = []
    bit = 0
    for char in name:
        if char.isalpha():
            char = char.upper() if number >> bit & 1 else char
            bit += 1
        out.append(char)
    return "".join(out)
