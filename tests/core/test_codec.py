from __future__ import annotations

import pytest

from portside import Limits, Status
from portside.codec import BodyError, decode_body, encode_json

DEFAULT = Limits()


def fails(data: bytes | str, content_type: str | None = None, limits: Limits = DEFAULT) -> BodyError:
    with pytest.raises(BodyError) as info:
        decode_body(data, content_type, limits)
    return info.value


@pytest.mark.parametrize(
    "content_type",
    [None, "application/json", "application/json; charset=utf-8", "application/vnd.api+json", "text/json"],
)
def test_json_types(content_type: str | None) -> None:
    assert decode_body(b'{"a": [1, 2]}', content_type, Limits()) == {"a": [1, 2]}


def test_curl_default_form_type_with_json_document() -> None:
    assert decode_body('{"sku": "A1"}', "application/x-www-form-urlencoded", Limits()) == {"sku": "A1"}
    assert decode_body("a=1&b=2&b=3", "application/x-www-form-urlencoded", Limits()) == {
        "a": "1",
        "b": ["2", "3"],
    }


def test_text_plain_is_the_text() -> None:
    assert decode_body(b"hello", "text/plain", Limits()) == "hello"


def test_malformed_json() -> None:
    error = fails(b'{"a": ')
    assert error.result.status is Status.INVALID
    assert error.result.errors[0].code == "malformed_json"


def test_wrong_content_type() -> None:
    error = fails(b"<xml/>", "application/xml")
    assert error.result.status is Status.UNSUPPORTED_MEDIA_TYPE
    assert "application/json" in error.result.errors[0].message


def test_size_limit() -> None:
    error = fails(b"[" + b"1," * 100 + b"1]", None, Limits(max_body_bytes=50))
    assert error.result.status is Status.TOO_LARGE
    assert decode_body(b"[1]", None, Limits(max_body_bytes=3)) == [1]


@pytest.mark.parametrize("depth", [33, 200, 100_000])
def test_depth_limit(depth: int) -> None:
    error = fails("[" * depth + "]" * depth)
    assert error.result.errors[0].code == "too_deep"


def test_depth_at_limit_is_fine_and_wide_documents_are_not_deep() -> None:
    assert decode_body("[" * 32 + "]" * 32, None, Limits()) is not None
    wide = "[" + ",".join(["{}"] * 500) + "]"
    assert len(decode_body(wide, None, Limits())) == 500


def test_empty_body_is_none() -> None:
    assert decode_body(b"", "application/json", Limits()) is None


def test_encode_failure_is_an_error_result() -> None:
    with pytest.raises(BodyError) as info:
        encode_json({"x": object()})
    assert info.value.result.errors[0].code == "invalid_response"
