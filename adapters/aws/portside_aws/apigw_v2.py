"""API Gateway HTTP API events (payload format 2.0) and Lambda function URL events (same format).

Repeated query values arrive comma-joined in `queryStringParameters`, so the query is parsed
from `rawQueryString`. Cookies travel apart from headers both ways (`cookies[]`): a Set-Cookie
header in a 2.0 response would be folded into one comma-joined header and break.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portside import HttpRequest, HttpResponse
from portside.kit import split_cookies, strip_prefix

from . import detect
from . import http_common as common
from .records import lambda_deadline, lambda_request_id
from .settings import AwsSettings

KIND = "http"


matches = detect.apigw_v2


def is_function_url(event: dict[str, Any]) -> bool:
    """Function URLs are served from `<url-id>.lambda-url.<region>.on.aws`."""
    return _is_function_url_domain(common.mapping(event.get("requestContext")).get("domainName"))


def _is_function_url_domain(domain: Any) -> bool:
    return type(domain) is str and ".lambda-url." in domain and domain.endswith(".on.aws")


def to_request(event: dict[str, Any], context: Any, settings: AwsSettings | None) -> HttpRequest:
    ctx = event.get("requestContext")
    if type(ctx) is not dict:
        ctx = {}
    http = ctx.get("http")
    if type(http) is not dict:
        http = {}
    raw_path = event.get("rawPath") or http.get("path")
    path = common.encoded_path(raw_path)
    stage = ctx.get("stage")
    if (settings is None or settings.strip_stage) and stage and stage != "$default" and type(stage) is str:
        path = _strip_stage(path, stage)
    raw_query = event.get("rawQueryString")
    # The raw string is parsed only if something reads HttpRequest.query.
    query = raw_query if type(raw_query) is str else common.query(event.get("queryStringParameters"))
    method = http.get("method")
    request_id = ctx.get("requestId")
    return HttpRequest(
        method.upper() if type(method) is str else "",
        path,
        common.headers(event.get("headers"), cookies=event.get("cookies")),
        query,
        common.request_body(event),
        request_id if type(request_id) is str and request_id else lambda_request_id(context),
        _lazy_identity(ctx.get("authorizer")),
        lambda_deadline(context),
        "aws-function-url" if _is_function_url_domain(ctx.get("domainName")) else "aws-http-api",
        event,
    )


def to_response(response: HttpResponse, event: dict[str, Any]) -> dict[str, Any]:
    headers, cookies = split_cookies(response)
    body, is_base64 = common.response_body(response)
    native: dict[str, Any] = {
        "statusCode": response.status,
        "headers": headers,
        "body": body,
        "isBase64Encoded": is_base64,
    }
    if cookies:
        native["cookies"] = cookies
    return native


def _strip_stage(path: str, stage: Any) -> str:
    """A named stage is invoked as `/{stage}/...` on the execute-api domain; routes don't know it."""
    if not isinstance(stage, str) or not stage or stage == "$default":
        return path
    stripped = strip_prefix(path, "/" + stage)
    return path if stripped is None else stripped


def _lazy_identity(authorizer: Any) -> Callable[[], dict[str, Any] | None] | None:
    """Identity is read by few handlers: build it on first use, not on every request."""
    if not isinstance(authorizer, dict) or not authorizer:
        return None
    return lambda: _identity(authorizer)


def _identity(authorizer: dict[str, Any]) -> dict[str, Any] | None:
    """One authorizer runs per route; should several appear, Lambda, then JWT, then IAM wins."""
    context = authorizer.get("lambda")
    if isinstance(context, dict):
        return common.identity("lambda", context.get("principalId"), context)
    jwt = authorizer.get("jwt")
    if isinstance(jwt, dict):
        claims = common.mapping(jwt.get("claims"))
        return common.identity("jwt", claims.get("sub"), claims, jwt.get("scopes"))
    iam = authorizer.get("iam")
    if isinstance(iam, dict):
        return common.identity("iam", iam.get("userArn"), iam)
    return None
