"""The AWS HTTP event shapes on the real samples, through the Lambda entry point.

For each HTTP request sample: the handler bound to its method and path (beside a greedy
catch-all) is reached with the right path parameters, query, headers, identity and body, and
the answer has exactly the keys its source accepts (compared with aws-lambda-go's response
samples). Then the edges: detection, base64 both ways, cookies, stages, malformed events.
"""

from __future__ import annotations

import base64
import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from portside import App, HttpRequest, InMemoryPublisher, Message, Result, Service, http
from portside_aws import alb, apigw_rest, apigw_v2
from portside_aws.errors import UnsupportedEvent
from portside_aws.settings import AwsSettings
from tests import samples

GO = "aws/aws-lambda-go/"
PT = "aws/powertools/"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PROBE_COOKIE = "probe=1; Path=/; HttpOnly"



# The response keys each source accepts, from aws-lambda-go's response samples (read when a test
# asks: a fresh clone has no samples, and the tests that need none must still run).
def v2_keys() -> set[str]:
    return set(samples.load(GO + "lambda-urls-response.json"))


def rest_keys() -> set[str]:
    # apigw-response.json leaves out the optional isBase64Encoded; API Gateway accepts it.
    return set(samples.load(GO + "apigw-response.json")) | {"isBase64Encoded"}


def alb_keys() -> set[str]:
    # alb-lambda-target-response.json shows both header maps; a real response carries the one
    # matching the target group's multi-value setting.
    return set(samples.load(GO + "alb-lambda-target-response.json"))


class Probe:
    """An App on the aws adapter whose `probe` topic records what it receives; every other path
    falls to a greedy catch-all, so reaching `probe` proves method and path were read right."""

    def __init__(self, *routes: str, **options: Any) -> None:
        service = Service("probe")
        self.messages: list[Message] = []
        self.requests: list[HttpRequest] = []
        self.reply: Result[Any] = Result.ok({"probed": True}, cookies=(PROBE_COOKIE,))

        @service.handler("probe")
        def probe(message: Message) -> Result[Any]:
            self.messages.append(message)
            return self.reply

        @service.handler("elsewhere")
        def elsewhere(message: Message) -> Result[Any]:
            return Result.ok({"elsewhere": True})

        bindings = [http(route, "probe") for route in routes]
        bindings += [http(f"{method} /{{rest+}}", "elsewhere") for method in METHODS]
        self.app = App(service, bindings, adapter="aws", publisher=InMemoryPublisher(), **options)
        handle_http = self.app.handle_http

        def recording(request: HttpRequest) -> Any:
            self.requests.append(request)
            return handle_http(request)

        self.app.handle_http = recording  # type: ignore[method-assign]

    def __call__(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        response: dict[str, Any] = self.app.entry_point(event, context)
        json.dumps(response)  # what Lambda does with it: must be plain JSON
        return response

    @property
    def message(self) -> Message:
        assert len(self.messages) == 1, f"probe reached {len(self.messages)} times"
        return self.messages[0]


@dataclass
class Case:
    sample: str
    route: str  # what the probe binds
    source: str  # "v2" | "rest" | "alb-multi" | "alb-single"
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # a subset, looked up in other cases
    identity: dict[str, Any] | None = None
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)
    text_body: bool = False  # the sample sends text without a content type (see test below)
    transport: str = ""

    @property
    def id(self) -> str:
        return Path(self.sample).stem


PAIR_QUERY = {"parameter1": ["value1", "value2"], "parameter2": ["value"]}
A1 = b'{\r\n\t"a": 1\r\n}'
HELLO = b'{"message": "hello world", "username": "tom"}'
JWT = {
    "type": "jwt",
    "principal": None,
    "claims": {"claim1": "value1", "claim2": "value2"},
    "scopes": ["scope1", "scope2"],
}
URL_IAM = {
    "type": "iam",
    "principal": "arn:aws:iam::111122223333:user/example-user",
    "claims": {
        "accessKey": "AKIA...",
        "accountId": "111122223333",
        "callerId": "AIDA...",
        "userArn": "arn:aws:iam::111122223333:user/example-user",
        "userId": "AIDA...",
    },
    "scopes": [],
}
V2_IAM = {
    "type": "iam",
    "principal": "arn:aws:iam::1234567890:user/Admin",
    "claims": {
        "accessKey": "ARIA2ZJZYVUEREEIHAKY",
        "accountId": "1234567890",
        "callerId": "AROA7ZJZYVRE7C3DUXHH6:CognitoIdentityCredentials",
        "cognitoIdentity": {
            "amr": ["foo"],
            "identityId": "us-east-1:3f291106-8703-466b-8f2b-3ecee1ca56ce",
            "identityPoolId": "us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce",
        },
        "principalOrgId": "AwsOrgId",
        "userArn": "arn:aws:iam::1234567890:user/Admin",
        "userId": "AROA2ZJZYVRE7Y3TUXHH6",
    },
    "scopes": [],
}
REST_LAMBDA = {
    "type": "lambda",
    "principal": "admin",
    "claims": {"clientId": 1, "clientName": "Exata"},
    "scopes": [],
}
V2_HEADERS = {"HEADER1": "value1", "cookie": "cookie1; cookie2"}
REST_HEADERS = {"header1": "value1", "HEADER2": "value1,value2"}
ALB_MULTI_HEADERS = {"Accept": "*/*", "X-Forwarded-Proto": "http"}

CASES = [
    # --- HTTP API (2.0) ------------------------------------------------------------------
    Case(PT + "apiGatewayProxyV2Event.json", "POST /my/path", "v2", PAIR_QUERY,
         {**V2_HEADERS, "Header2": "value1,value2"}, JWT, HELLO, transport="aws-http-api"),
    Case(PT + "apiGatewayProxyV2EventPathTrailingSlash.json", "POST /my/path", "v2", PAIR_QUERY,
         V2_HEADERS, JWT, HELLO),
    Case(PT + "apiGatewayProxyV2Event_GET.json", "GET /my/path", "v2", PAIR_QUERY, V2_HEADERS, JWT),
    Case(PT + "apiGatewayProxyV2OtherGetEvent.json", "GET /other/path", "v2", PAIR_QUERY,
         V2_HEADERS, JWT),
    Case(PT + "apiGatewayProxyV2SchemaMiddlwareValidEvent.json", "POST /my/path", "v2", PAIR_QUERY,
         V2_HEADERS, JWT, b'{"message": "hello world", "username": "lessa"}'),
    Case(PT + "apiGatewayProxyV2IamEvent.json", "GET /my/path", "v2", PAIR_QUERY, V2_HEADERS,
         V2_IAM, A1),
    # Odd sample: both a JWT and a Lambda authorizer; a route has one, its name says Lambda.
    Case(PT + "apiGatewayProxyV2LambdaAuthorizerEvent.json", "GET /my/path", "v2", PAIR_QUERY,
         V2_HEADERS,
         {"type": "lambda", "principal": None, "claims": {"tenantId": "123-456-789-012"},
          "scopes": []}, A1),
    Case(GO + "apigw-v2-request-jwt-authorizer.json", "GET /my/path", "v2", PAIR_QUERY, V2_HEADERS,
         JWT, A1),
    Case(GO + "apigw-v2-request-iam.json", "GET /my/path", "v2", PAIR_QUERY, V2_HEADERS,
         V2_IAM, A1),
    Case(GO + "apigw-v2-request-lambda-authorizer.json", "GET /my/path", "v2", PAIR_QUERY,
         V2_HEADERS, {"type": "lambda", "principal": None, "claims": {"key": "value"},
                      "scopes": []}, A1),
    Case(GO + "apigw-v2-request-no-authorizer.json", "GET /", "v2", {},
         {"User-Agent": "curl/7.58.0", "content-length": "0"}, None),
    # --- function URLs (2.0) -------------------------------------------------------------
    Case(PT + "lambdaFunctionUrlEvent.json", "GET /", "v2", {},
         {"Host": "<url-id>.lambda-url.us-east-1.on.aws"}, transport="aws-function-url"),
    Case(PT + "lambdaFunctionUrlEventWithHeaders.json", "GET /", "v2", {},
         {"HEADER2": "value1,value2", "Sec-Fetch-Mode": "navigate"}),
    Case(PT + "lambdaFunctionUrlIAMEvent.json", "POST /my/path", "v2", PAIR_QUERY,
         {"header2": "value1,value2", "Cookie": "cookie1; cookie2"}, URL_IAM,
         b"Hello from client!", text_body=True, transport="aws-function-url"),
    Case(PT + "lambdaFunctionUrlEventPathTrailingSlash.json", "POST /my/path", "v2", PAIR_QUERY,
         {"Header1": "value1"}, URL_IAM, b"Hello from client!", text_body=True),
    Case(GO + "lambda-urls-request.json", "POST /my/path", "v2", PAIR_QUERY,
         {"header1": "value1"}, URL_IAM, b"Hello from client!", text_body=True),
    # --- REST (1.0) ----------------------------------------------------------------------
    Case(PT + "apiGatewayProxyEvent.json", "GET /my/path", "rest", PAIR_QUERY,
         {**REST_HEADERS, "origin": "https://aws.amazon.com"}, None, b"Hello from Lambda!",
         text_body=True, transport="aws-rest-api"),
    # Odd samples: flagged base64, yet the body is plain text; passed on as that text.
    Case(PT + "apiGatewayProxyEventPathTrailingSlash.json", "GET /my/path", "rest", PAIR_QUERY,
         REST_HEADERS, None, b"Hello from Lambda!", text_body=True),
    Case(PT + "apiGatewayProxyEventAnotherPath.json", "GET /my/anotherPath", "rest", PAIR_QUERY,
         REST_HEADERS, None, b"Hello from Lambda!", text_body=True),
    Case(PT + "apiGatewayProxyEvent_noVersionAuth.json", "GET /my/path", "rest", PAIR_QUERY,
         REST_HEADERS, None, b"Hello from Lambda!", text_body=True),
    Case(PT + "apiGatewayProxyEventNoOrigin.json", "GET /my/path", "rest", PAIR_QUERY,
         REST_HEADERS, None, b"Hello from Lambda!", text_body=True),
    Case(PT + "apiGatewayProxyOtherEvent.json", "GET /other/path", "rest", PAIR_QUERY,
         REST_HEADERS, None, b"Hello from Lambda!", text_body=True),
    Case(PT + "apigatewayeSchemaMiddlwareValidEvent.json", "POST /my/path", "rest", PAIR_QUERY,
         REST_HEADERS, None, b'{"message": "hello world", "username": "lessa"}'),
    Case(PT + "apiGatewayProxyEventPrincipalId.json", "POST /trip", "rest", {}, {},
         {"type": "lambda", "principal": "fake", "claims": {"user_id": "fake_username"},
          "scopes": []}),
    Case(GO + "apigw-request.json", "POST /hello/{who}", "rest", {"name": ["me"]},
         {"content-type": "application/json", "X-FORWARDED-FOR": "54.240.196.186, 54.182.214.83"},
         REST_LAMBDA, A1, {"who": "world"}),
    Case(GO + "apigw-restapi-openapi-request.json", "POST /hello/{who}", "rest", {"name": ["me"]},
         {"Postman-Token": "9f583ef0-ed83-4a38-aef3-eb9ce3f7a57f"}, REST_LAMBDA, A1,
         {"who": "world"}),
    # --- ALB -----------------------------------------------------------------------------
    Case(PT + "albEvent.json", "GET /lambda", "alb-single", {"query": ["1234ABCD"]},
         {"X-IMFORWARDS": "20", "Host": "lambda-alb-123578498.us-east-2.elb.amazonaws.com"}, None,
         b"Test", text_body=True, transport="aws-alb"),
    Case(PT + "albEventPathTrailingSlash.json", "GET /lambda", "alb-single",
         {"query": ["1234ABCD"]}, {"x-forwarded-port": "80"}, None, b"Test", text_body=True),
    Case(PT + "albMultiValueHeadersEvent.json", "GET /todos", "alb-multi", {},
         {**ALB_MULTI_HEADERS, "User-Agent": "curl/7.79.1"}),
    Case(PT + "albMultiValueQueryStringEvent.json", "GET /todos", "alb-multi", PAIR_QUERY,
         {**ALB_MULTI_HEADERS, "HEADER2": "value1,value2"}),
    Case(GO + "alb-lambda-target-request-headers-only.json", "GET /", "alb-single",
         {"key": ["hello"]}, {"X-MyHeader": "123"}),
    Case(GO + "alb-lambda-target-request-multivalue-headers.json", "GET /", "alb-multi",
         {"key": ["hello"]}, {"x-myheader": "123", "Connection": "keep-alive"}),
]


def _with_text_content_type(event: dict[str, Any]) -> dict[str, Any]:
    """A copy declaring its text body, as a real client would (in whichever header map it has)."""
    event = copy.deepcopy(event)
    if isinstance(event.get("multiValueHeaders"), dict) and event["multiValueHeaders"]:
        event["multiValueHeaders"]["content-type"] = ["text/plain"]
    if isinstance(event.get("headers"), dict):
        event["headers"]["content-type"] = "text/plain"
    elif "multiValueHeaders" not in event:
        event["headers"] = {"content-type": "text/plain"}
    return event


def check_keys(response: dict[str, Any], source: str, *, cookies: bool = True) -> None:
    """Exactly the keys the source accepts; HTTP API responses name `cookies` only when set."""
    keys: dict[str, Callable[[], set[str]]] = {
        "v2": v2_keys,
        "rest": rest_keys,
        "alb-multi": lambda: alb_keys() - {"headers"},
        "alb-single": lambda: alb_keys() - {"multiValueHeaders"},
    }
    expected = keys[source]()
    assert set(response) == (expected if cookies else expected - {"cookies"})


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_sample_reaches_its_handler(case: Case) -> None:
    event = samples.load(case.sample)
    if case.text_body:
        event = _with_text_content_type(event)
    probe = Probe(case.route)

    response = probe(event)

    assert response["statusCode"] == 200, response["body"]
    request, message = probe.requests[0], probe.message
    assert message.topic == "probe"
    assert dict(message.params) == case.params
    assert {k: list(v) for k, v in request.query.items()} == case.query
    for name, value in case.headers.items():
        assert message.headers[name] == value
        assert message.headers.get(name.swapcase()) == value
    assert message.identity == case.identity
    assert request.body == case.body
    assert message.raw is event
    if case.transport:
        assert message.transport == case.transport
    if case.body and not case.text_body:  # JSON: the body's fields reach the handler
        assert json.loads(case.body).items() <= message.body.items()
    if case.text_body:
        assert message.body == case.body.decode()

    check_keys(response, case.source)
    assert json.loads(response["body"]) == {"probed": True}
    assert response["isBase64Encoded"] is False
    assert response[_headers_key(case.source)] != {}
    assert _set_cookies(response, case.source) == [PROBE_COOKIE]


def _headers_key(source: str) -> str:
    return "multiValueHeaders" if source == "alb-multi" else "headers"


def _set_cookies(response: dict[str, Any], source: str) -> list[str]:
    if source == "v2":
        assert not any(k.lower() == "set-cookie" for k in response["headers"])
        return list(response["cookies"])
    if source == "rest":
        return list(response["multiValueHeaders"]["Set-Cookie"])
    if source == "alb-multi":
        return list(response["multiValueHeaders"]["set-cookie"])
    return [v for k, v in response["headers"].items() if k.lower() == "set-cookie"]


@pytest.mark.parametrize(
    "sample",
    [PT + "apiGatewayProxyEvent.json", PT + "albEvent.json", GO + "lambda-urls-request.json"],
)
def test_text_body_without_content_type_is_a_structured_400(sample: str) -> None:
    """The samples' text bodies name no content type, so the core reads them as JSON: a clean
    400 with the structured error, no handler call, no traceback."""
    probe = Probe("GET /my/path", "POST /my/path", "GET /lambda")
    response = probe(samples.load(sample))
    assert response["statusCode"] == 400
    error = json.loads(response["body"])["error"]
    assert error["errors"][0]["code"] == "malformed_json"
    assert "Traceback" not in response["body"]
    assert probe.messages == []


# --------------------------------------------------------------------------- detection
HTTP_SAMPLES = {
    **{case.sample: {"v2": apigw_v2, "rest": apigw_rest}.get(case.source, alb) for case in CASES},
    PT + "apiGatewayProxyV2SchemaMiddlwareInvalidEvent.json": apigw_v2,
    PT + "apigatewayeSchemaMiddlwareInvalidEvent.json": apigw_rest,
}
NOT_HTTP = [
    GO + "apigw-websocket-request.json",  # has httpMethod, but requestContext.connectionId
    GO + "apigw-websocket-request-disconnect.json",
    GO + "apigw-websocket-request-send-message.json",
    GO + "apigw-custom-auth-request.json",  # TOKEN authorizer
    GO + "apigw-custom-auth-request-type-request.json",  # REQUEST authorizer, has httpMethod
    GO + "apigw-v2-custom-authorizer-v1-request.json",
    GO + "apigw-v2-custom-authorizer-v2-request.json",  # rawPath, but routeArn
    PT + "apiGatewayAuthorizerRequestEvent.json",
    PT + "apiGatewayAuthorizerTokenEvent.json",
    PT + "apiGatewayAuthorizerV2Event.json",
    PT + "bedrockAgentEvent.json",  # has httpMethod, no requestContext
]
# VPC Lattice has no sample in shared/events; these follow the shapes AWS documents.
LATTICE_V1 = {
    "raw_path": "/path/to/resource?key=value",
    "method": "GET",
    "headers": {"user_agent": "curl/7.64.1", "x-forwarded-for": "10.213.229.10"},
    "query_string_parameters": {"key": "value"},
    "body": "",
    "is_base64_encoded": False,
}
LATTICE_V2 = {
    "version": "2.0",
    "path": "/path/to/resource",
    "method": "GET",
    "headers": {"user-agent": ["curl/7.64.1"]},
    "queryStringParameters": {"key": "value"},
    "body": "",
    "isBase64Encoded": False,
    "requestContext": {
        "serviceNetworkArn": "arn:aws:vpc-lattice:us-east-1:123456789012:servicenetwork/sn-0bf3f2882e9cc805a",
        "serviceArn": "arn:aws:vpc-lattice:us-east-1:123456789012:service/svc-0a40eebed65f8d69c",
        "targetGroupArn": "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-6d0ecf831eec9f09",
        "identity": {"sourceVpcArn": "arn:aws:ec2:region:123456789012:vpc/vpc-0b8276c84697e7339"},
        "region": "us-east-1",
        "timeEpoch": "1690497599177430",
    },
}


def _every_aws_sample() -> list[tuple[str, Any]]:
    found = []
    for folder in ("aws/powertools", "aws/aws-lambda-go"):
        for file in samples.files(folder):
            try:
                found.append((f"{folder}/{file.name}", json.loads(file.read_text())))
            except ValueError:
                continue  # dynamodb-event-malformed.2.json is deliberately invalid JSON
    return found


def test_exactly_the_http_request_samples_match_one_http_shape() -> None:
    shapes = (apigw_v2, apigw_rest, alb)
    seen = set()
    for name, event in _every_aws_sample():
        matched = [s for s in shapes if isinstance(event, dict) and s.matches(event)]
        if name in HTTP_SAMPLES:
            assert matched == [HTTP_SAMPLES[name]], name
            seen.add(name)
        else:
            assert matched == [], name
    assert seen == set(HTTP_SAMPLES)


@pytest.mark.parametrize("event", [*NOT_HTTP, LATTICE_V1, LATTICE_V2], ids=str)
def test_websocket_authorizer_lattice_and_agent_events_are_not_http(event: Any) -> None:
    loaded = samples.load(event) if isinstance(event, str) else event
    assert not any(shape.matches(loaded) for shape in (apigw_v2, apigw_rest, alb))


@pytest.mark.parametrize("event", [*NOT_HTTP, LATTICE_V1, LATTICE_V2], ids=str)
def test_entry_point_rejects_them_as_unsupported(event: Any) -> None:
    """Not served by any shape of the adapter: Lambda gets a clear error, no handler runs."""
    loaded = samples.load(event) if isinstance(event, str) else event
    probe = Probe("POST /hello/world", "GET /request", "POST /my/path")
    with pytest.raises(UnsupportedEvent):
        probe.app.entry_point(loaded, None)
    assert probe.requests == []


def test_function_url_is_told_apart_from_http_api() -> None:
    assert apigw_v2.is_function_url(samples.load(GO + "lambda-urls-request.json"))
    assert not apigw_v2.is_function_url(samples.load(PT + "apiGatewayProxyV2Event.json"))


# --------------------------------------------------------------------------- bodies
def _v2(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(samples.load(PT + "apiGatewayProxyV2Event.json"))
    event.update(changes)
    return event


def _rest(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(samples.load(GO + "apigw-request.json"))
    event.update(changes)
    return event


def _alb(multi: bool = False, **changes: Any) -> dict[str, Any]:
    name = "alb-lambda-target-request-multivalue-headers" if multi else "alb-lambda-target-request-headers-only"
    event: dict[str, Any] = copy.deepcopy(samples.load(f"{GO}{name}.json"))
    event.update(changes)
    return event


def _alb_multi(**changes: Any) -> dict[str, Any]:
    return _alb(True, **changes)


BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "v2": _v2, "rest": _rest, "alb-single": _alb, "alb-multi": _alb_multi,
}
ROUTES = {"v2": "POST /my/path", "rest": "POST /hello/world", "alb-single": "GET /",
          "alb-multi": "GET /"}


@pytest.mark.parametrize("source", BUILDERS)
def test_base64_request_body_is_decoded_before_json(source: str) -> None:
    payload = {"sku": "ab", "qty": 2, "note": "ünïcode"}
    event = BUILDERS[source](
        body=base64.b64encode(json.dumps(payload).encode()).decode(), isBase64Encoded=True
    )
    probe = Probe(ROUTES[source])
    response = probe(event)
    assert response["statusCode"] == 200, response["body"]
    assert payload.items() <= probe.message.body.items()


@pytest.mark.parametrize("source", BUILDERS)
def test_binary_request_body_keeps_its_bytes(source: str) -> None:
    blob = bytes(range(256))
    event = BUILDERS[source](body=base64.b64encode(blob).decode(), isBase64Encoded=True)
    shape = {"v2": apigw_v2, "rest": apigw_rest}.get(source, alb)
    assert shape.to_request(event, None, AwsSettings()).body == blob


@pytest.mark.parametrize("source", BUILDERS)
def test_binary_response_is_base64(source: str) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
    probe = Probe(ROUTES[source])
    probe.reply = Result.ok(png, content_type="image/png")
    response = probe(BUILDERS[source]())
    check_keys(response, source, cookies=False)
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == png
    headers = response[_headers_key(source)]
    assert headers["content-type"] in ("image/png", ["image/png"])


def test_alb_body_is_always_a_string() -> None:
    probe = Probe("GET /")
    probe.reply = Result.no_content()
    for multi in (False, True):
        response = probe(_alb(multi))
        assert response["statusCode"] == 204
        assert response["statusDescription"] == "204 No Content"
        assert response["body"] == ""
        assert response["isBase64Encoded"] is False


# --------------------------------------------------------------------------- cookies
def test_v2_cookies_never_travel_as_headers() -> None:
    probe = Probe("POST /my/path")
    probe.reply = Result.ok({}, headers={"Set-Cookie": "a=1"}, cookies=("b=2; Secure",))
    response = probe(_v2())
    assert response["cookies"] == ["a=1", "b=2; Secure"]
    assert not any(name.lower() == "set-cookie" for name in response["headers"])


def test_no_cookies_key_without_cookies() -> None:
    probe = Probe("POST /my/path")
    probe.reply = Result.ok({"x": 1})
    response = probe(_v2())
    assert set(response) == v2_keys() - {"cookies"}


def test_rest_cookies_go_in_multi_value_headers() -> None:
    probe = Probe("POST /hello/world")
    probe.reply = Result.ok({}, cookies=("a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT", "b=2"))
    response = probe(_rest())
    check_keys(response, "rest")
    assert response["multiValueHeaders"] == {
        "Set-Cookie": ["a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT", "b=2"]
    }
    assert "set-cookie" not in {k.lower() for k in response["headers"]}


def test_alb_cookies_in_both_modes() -> None:
    cookies = ("a=1", "b=2", "c=3")
    probe = Probe("GET /")
    probe.reply = Result.ok({}, cookies=cookies)
    multi = probe(_alb(True))
    assert multi["multiValueHeaders"]["set-cookie"] == list(cookies)
    assert all(isinstance(v, list) for v in multi["multiValueHeaders"].values())
    single = probe(_alb(False))
    names = [k for k in single["headers"] if k.lower() == "set-cookie"]
    assert len(set(names)) == 3  # distinct spellings of one header name
    assert sorted(single["headers"][k] for k in names) == list(cookies)


def test_request_cookies_become_one_cookie_header() -> None:
    request = apigw_v2.to_request(_v2(cookies=["a=1", "b=2"]), None, AwsSettings())
    assert request.headers["Cookie"] == "a=1; b=2"
    rest = _rest(multiValueHeaders={"Cookie": ["a=1", "b=2"], "Accept": ["x", "y"]})
    request = apigw_rest.to_request(rest, None, AwsSettings())
    assert request.headers["cookie"] == "a=1; b=2"
    assert request.headers["accept"] == "x,y"


# --------------------------------------------------------------------------- query, path
def test_v2_query_comes_from_raw_query_string() -> None:
    event = _v2(rawQueryString="a=1&a=2,3&b=&c&d=x%20y+z", queryStringParameters={"a": "1,2,3"})
    query = apigw_v2.to_request(event, None, AwsSettings()).query
    assert query == {"a": ["1", "2,3"], "b": [""], "c": [""], "d": ["x y z"]}


def test_alb_query_is_url_decoded_in_both_modes() -> None:
    single = _alb(queryStringParameters={"q": "a%20b+c", "x%5B%5D": "%E2%9C%93"})
    assert alb.to_request(single, None, AwsSettings()).query == {"q": ["a b c"], "x[]": ["✓"]}
    multi = _alb(True, multiValueQueryStringParameters={"q": ["a%2Bb", "c+d"]})
    assert alb.to_request(multi, None, AwsSettings()).query == {"q": ["a+b", "c d"]}


def test_rest_query_values_are_used_as_delivered() -> None:
    """REST APIs decode the query themselves; decoding again would corrupt a literal `%`."""
    event = _rest(multiValueQueryStringParameters={"q": ["100%25 sure", "a+b"]})
    assert apigw_rest.to_request(event, None, AwsSettings()).query == {"q": ["100%25 sure", "a+b"]}


def test_rest_falls_back_to_single_value_maps() -> None:
    event = _rest(multiValueHeaders=None, multiValueQueryStringParameters=None)
    request = apigw_rest.to_request(event, None, AwsSettings())
    assert request.query == {"name": ["me"]}
    assert request.headers["headername"] == "headerValue"


def _url(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(samples.load(GO + "lambda-urls-request.json"))
    event.update(body=None, isBase64Encoded=False)  # the sample's text body names no content type
    event.update(changes)
    return event


# One rule for every shape: the core gets the path percent-encoded and its router decodes each
# segment once, so an encoded "/" stays inside its segment. REST APIs, ALB and function URLs send
# the path encoded; HTTP APIs send it decoded, and the adapter escapes what must be escaped.
@pytest.mark.parametrize(
    ("event", "path", "name"),
    [
        (lambda: _rest(path="/files/a%20b"), "/files/a%20b", "a b"),
        (lambda: _alb(path="/files/a%20b"), "/files/a%20b", "a b"),
        (lambda: _url(rawPath="/files/a%20b"), "/files/a%20b", "a b"),
        (lambda: _v2(rawPath="/files/a b"), "/files/a%20b", "a b"),
        (lambda: _rest(path="/files/reports%2F2024.pdf"), "/files/reports%2F2024.pdf", "reports/2024.pdf"),
        (lambda: _alb(path="/files/reports%2F2024.pdf"), "/files/reports%2F2024.pdf", "reports/2024.pdf"),
        (lambda: _url(rawPath="/files/reports%2F2024.pdf"), "/files/reports%2F2024.pdf", "reports/2024.pdf"),
        (lambda: _v2(rawPath="/files/caf\u00e9 #1?"), "/files/caf%C3%A9%20%231%3F", "caf\u00e9 #1?"),
        (lambda: _rest(path="/files/100%25"), "/files/100%25", "100%"),
    ],
    ids=["rest", "alb", "function-url", "http-api", "rest-slash", "alb-slash", "url-slash", "http-api-escaped",
         "rest-percent"],
)
def test_paths_reach_the_core_encoded_and_are_decoded_once_per_segment(
    event: Callable[[], dict[str, Any]], path: str, name: str
) -> None:
    probe = Probe("POST /files/{name}", "GET /files/{name}")
    response = probe(event())  # built here: a sample read at collection would fail a fresh clone
    assert response["statusCode"] == 200, response["body"]
    assert probe.message.params == {"name": name}
    assert probe.requests[0].path == path


def test_http_api_paths_arrive_decoded_so_an_encoded_slash_splits_segments() -> None:
    """API Gateway decodes %2F before Lambda sees the path: the documented HTTP API limitation."""
    probe = Probe("POST /files/{name}")
    response = probe(_v2(rawPath="/files/reports/2024.pdf"))  # what a client's %2F arrives as
    assert response["statusCode"] == 200 and probe.messages == []  # the catch-all got it
    assert json.loads(response["body"]) == {"elsewhere": True}


# --------------------------------------------------------------------------- stages
def _staged(stage: str, raw_path: str) -> dict[str, Any]:
    event = _v2(rawPath=raw_path)
    event["requestContext"]["stage"] = stage
    return event


def test_named_http_api_stage_is_stripped() -> None:
    probe = Probe("POST /my/path")
    assert probe(_staged("prod", "/prod/my/path"))["statusCode"] == 200
    assert probe.requests[0].path == "/my/path"
    assert apigw_v2.to_request(_staged("prod", "/prod"), None, AwsSettings()).path == "/"


def test_stage_strip_only_on_a_whole_segment_and_when_enabled() -> None:
    settings = AwsSettings()
    assert apigw_v2.to_request(_staged("prod", "/production/x"), None, settings).path == "/production/x"
    assert apigw_v2.to_request(_staged("$default", "/$default/x"), None, settings).path == "/$default/x"
    off = AwsSettings(strip_stage=False)
    assert apigw_v2.to_request(_staged("prod", "/prod/my/path"), None, off).path == "/prod/my/path"


def test_strip_stage_setting_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTSIDE_AWS_STRIP_STAGE", "0")
    assert AwsSettings.from_env().strip_stage is False


# --------------------------------------------------------------------------- identity
def resolved_identity(request: Any) -> Any:
    """Adapters pass identity lazily (a callable); a Message resolves it on first access."""
    return Message("t", identity=request.identity).identity


def test_rest_iam_identity_without_an_authorizer() -> None:
    event = _rest()
    del event["requestContext"]["authorizer"]
    identity = resolved_identity(apigw_rest.to_request(event, None, AwsSettings()))
    assert identity is not None
    assert identity["type"] == "iam"
    assert identity["principal"] == "theUserArn"
    assert identity["claims"]["accessKey"] == "ANEXAMPLEOFACCESSKEY"
    assert identity["claims"]["caller"] == "theCaller"
    assert "sourceIp" not in identity["claims"]


def test_rest_cognito_claims() -> None:
    event = _rest()
    event["requestContext"]["authorizer"] = {
        "claims": {"sub": "u-1", "email": "a@example.com"},
        "scopes": ["orders/read"],
    }
    identity = resolved_identity(apigw_rest.to_request(event, None, AwsSettings()))
    assert identity == {
        "type": "jwt",
        "principal": "u-1",
        "claims": {"sub": "u-1", "email": "a@example.com"},
        "scopes": ["orders/read"],
    }


def test_jwt_principal_is_the_subject() -> None:
    event = _v2()
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = "user-42"
    identity = resolved_identity(apigw_v2.to_request(event, None, AwsSettings()))
    assert identity is not None and identity["principal"] == "user-42"


# --------------------------------------------------------------------------- ids, deadline
class LambdaContext:
    aws_request_id = "lambda-req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 5000


@pytest.mark.parametrize("source", BUILDERS)
def test_deadline_and_ids(source: str) -> None:
    probe = Probe(ROUTES[source])
    before = time.monotonic()
    response = probe(BUILDERS[source](), LambdaContext())
    message = probe.message
    assert message.deadline is not None
    assert before + 4.5 < message.deadline < time.monotonic() + 5.5
    expected_id = {
        "v2": "id",
        "rest": "deef4878-7910-11e6-8f14-25afc3e9ae33",
    }.get(source, "lambda-req-1")  # ALB events carry no request id of their own
    assert message.id == expected_id
    assert message.correlation_id == expected_id
    echoed = response[_headers_key(source)]["x-correlation-id"]
    assert echoed in (expected_id, [expected_id])


def test_incoming_correlation_id_wins() -> None:
    event = _v2()
    event["headers"]["X-Correlation-Id"] = "from-caller"
    probe = Probe("POST /my/path")
    response = probe(event)
    assert probe.message.correlation_id == "from-caller"
    assert response["headers"]["x-correlation-id"] == "from-caller"


# --------------------------------------------------------------------------- malformed
MALFORMED = [
    ("v2", {"rawPath": None, "requestContext": {}}),
    ("v2", {"rawPath": "/x", "requestContext": {"http": None, "authorizer": {"jwt": None}},
            "headers": None, "cookies": "nope", "rawQueryString": None,
            "queryStringParameters": {"a": None}, "body": 5, "isBase64Encoded": "yes"}),
    ("v2", {"rawPath": "/my/path", "requestContext": {"http": {"method": "POST"}},
            "body": "%%% not base64", "isBase64Encoded": True}),
    ("rest", {"httpMethod": None, "requestContext": {"authorizer": "x", "identity": None}}),
    ("rest", {"httpMethod": "GET", "path": 7, "requestContext": {},
              "headers": ["a"], "multiValueHeaders": {"a": None, "b": "c"},
              "multiValueQueryStringParameters": {"q": None}}),
    ("alb-single", {"requestContext": {"elb": None}}),
    ("alb-multi", {"requestContext": {"elb": {}}, "httpMethod": "GET", "path": "",
                   "multiValueHeaders": None, "queryStringParameters": {"x": ["%41"]}}),
]


@pytest.mark.parametrize(("source", "event"), MALFORMED, ids=lambda v: v if isinstance(v, str) else "")
def test_malformed_events_get_an_answer_not_an_exception(source: str, event: dict[str, Any]) -> None:
    probe = Probe("POST /my/path")
    response = probe(copy.deepcopy(event))
    check_keys(response, source, cookies=False)
    assert response["statusCode"] in (200, 400, 404, 405)
    assert isinstance(response["body"], str)
    assert "Traceback" not in response["body"]
