"""API Gateway REST API events (Lambda proxy integration, payload format 1.0).

`path` is relative to the stage (`requestContext.path` is not), and the multi-value maps keep
repeated headers and query values. API Gateway answers 502 when a response carries keys it does
not know, so the response has exactly the five keys of the format, cookies in
`multiValueHeaders["Set-Cookie"]`. Binary responses reach clients decoded only when the API
lists their media type in `binaryMediaTypes`.
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

# Not a proxied request, though it has `httpMethod`: WebSocket routes, ALB targets.
# Authorizer fields API Gateway adds itself; the rest is a Lambda authorizer's context.
_AUTHORIZER_OWN = frozenset({"principalId", "integrationLatency", "claims", "scopes"})
_IAM_FIELDS = (
    "accessKey",
    "accountId",
    "caller",
    "user",
    "userArn",
    "principalOrgId",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "cognitoAuthenticationType",
    "cognitoAuthenticationProvider",
)


matches = detect.apigw_rest


def to_request(event: dict[str, Any], context: Any, settings: AwsSettings | None) -> HttpRequest:
    ctx = common.mapping(event.get("requestContext"))
    return common.v1_request(
        event,
        context,
        transport="aws-rest-api",
        request_id=common.text(ctx.get("requestId")) or lambda_request_id(context),
        identity=lambda: _identity(ctx),  # built on first use: few handlers read it
    )


def to_response(response: HttpResponse, event: dict[str, Any]) -> dict[str, Any]:
    headers, cookies = split_cookies(response)
    body, is_base64 = common.response_body(response)
    return {
        "statusCode": response.status,
        "headers": headers,
        "multiValueHeaders": {"Set-Cookie": cookies} if cookies else {},
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _identity(ctx: dict[str, Any]) -> dict[str, Any] | None:
    """Cognito claims, else a Lambda authorizer's context, else the IAM (SigV4) caller."""
    authorizer = common.mapping(ctx.get("authorizer"))
    claims = authorizer.get("claims")
    if isinstance(claims, dict):
        return common.identity("jwt", claims.get("sub"), claims, authorizer.get("scopes"))
    principal = authorizer.get("principalId")
    context = {k: v for k, v in authorizer.items() if k not in _AUTHORIZER_OWN}
    if principal is not None or any(v is not None for v in context.values()):
        return common.identity("lambda", principal, context)
    caller = common.mapping(ctx.get("identity"))
    iam = {name: caller.get(name) for name in _IAM_FIELDS}
    if iam["userArn"] or iam["accessKey"] or iam["caller"]:
        return common.identity("iam", iam["userArn"] or iam["caller"], iam)
    return None
