"""DynamoDB Streams: table bindings from the stream ARN, unmarshalled images, ordered failures."""

from __future__ import annotations

from typing import Any

import pytest

from portside import queue
from portside.app import ERROR_HEADER
from portside_aws.dynamodb import unmarshal
from portside_aws.records import Malformed
from tests.aws.records_kit import Event, Recorder, dynamodb_batch, failures, fields, load, portside_logs

TABLE_ARN = "arn:aws:dynamodb:us-west-2:123456789012:table/Messages/stream/2023-09-06T10:45:55.123"


def with_arn(event: Event, arn: str = TABLE_ARN) -> Event:
    for record in event["Records"]:
        record["eventSourceARN"] = arn
    return event


def test_aws_lambda_go_sample_every_attribute_type() -> None:
    rec = Recorder([queue("Example-Table", "t.main")])
    sample = load("aws/aws-lambda-go/dynamodb-event.json")
    assert failures(rec(sample)) == []
    first, second = rec.got
    assert first.body == {
        "eventName": "INSERT",
        "keys": {"val": "data", "key": "binary"},
        "new_image": {"val": "data", "asdf1": "AAEqQQ==", "asdf2": ["AAEqQQ==", "QSoBAA=="], "key": "binary"},
        "old_image": None,
        "sequence_number": "1405400000000002063282832",
    }
    assert second.body["new_image"] == {
        "val": "data",
        "asdf1": "AAEqQQ==",
        "b2": "test",  # "test" happens to be valid base64 (3 bytes)
        "asdf2": ["AAEqQQ==", "QSoBAA==", "AAEqQQ=="],
        "key": "binary",
        "Binary": "AAEqQQ==",
        "Boolean": True,
        "BinarySet": ["AAEqQQ==", "AAEqQQ=="],
        "List": ["Cookies", "Coffee", 3.14159],
        "Map": {"Name": "Joe", "Age": 35},
        "FloatNumber": 123.45,
        "IntegerNumber": 123,
        "NumberSet": [1234, 567.8],
        "Null": None,
        "String": "Hello",
        "StringSet": ["Giraffe", "Zebra"],
        "EmptyStringSet": [],
    }
    assert type(second.body["new_image"]["IntegerNumber"]) is int
    assert first.id == first.correlation_id == "f07f8ca4b0b26cb9c4e5e77e69f274ee"
    assert first.transport == "aws:dynamodb" and dict(first.headers) == {}


def test_powertools_sample_with_a_real_stream_arn() -> None:
    rec = Recorder([queue("Messages", "t.main")])
    assert failures(rec(with_arn(load("aws/powertools/dynamoStreamEvent.json")))) == []
    assert [m.body for m in rec.got] == [
        {
            "eventName": "INSERT",
            "keys": {"Id": 101},
            "new_image": {"Message": "New item!", "Id": 101},
            "old_image": None,
            "sequence_number": "111",
        },
        {
            "eventName": "MODIFY",
            "keys": {"Id": 101},
            "new_image": {"Message": "This item has changed", "Id": 101},
            "old_image": {"Message": "New item!", "Id": 101},
            "sequence_number": "222",
        },
    ]


@pytest.mark.parametrize(
    "name", ["aws/powertools/dynamoStreamEvent.json", "aws/aws-lambda-go/dynamodb-time-window-event.json"]
)
def test_samples_with_placeholder_arns_are_unroutable(name: str, caplog: pytest.LogCaptureFixture) -> None:
    # Their eventSourceARN is "eventsource_arn" / "source_arn" / "stream-ARN": no table name.
    rec = Recorder([queue("Messages", "t.main")])
    with portside_logs(caplog) as logged:
        assert failures(rec(load(name))) == []
    assert rec.got == []
    unrouted = [fields(r) for r in logged if r.getMessage() == "(unrouted) -> not_found"]
    assert len(unrouted) == len(load(name)["Records"])
    assert "is not a DynamoDB stream ARN" in unrouted[0]["errors"][0]["message"]


def test_time_window_sample_remove_event() -> None:
    rec = Recorder([queue("Messages", "t.main")])
    rec(with_arn(load("aws/aws-lambda-go/dynamodb-time-window-event.json")))
    assert [m.body["eventName"] for m in rec.got] == ["INSERT", "MODIFY", "REMOVE"]
    assert rec.got[2].body["new_image"] is None
    assert rec.got[2].body["old_image"] == {"Message": "This item has changed", "Id": 101}


def test_ordered_failures_name_the_first_retry_and_the_rest() -> None:
    rec = Recorder([queue("Example-Table", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    response = rec(dynamodb_batch(["ok", "not_found", "error", "ok", "ok"]))
    assert failures(response) == ["140540002", "140540003", "140540004"]
    assert [m.body["new_image"]["do"] for m in rec.got] == ["ok", "not_found", "error"]


def test_invalid_typed_values_make_the_record_poison() -> None:
    rec = Recorder([queue("Example-Table", "t.main", dead_letter="arn:aws:sqs:us-east-1:123456789012:dlq")])
    event = dynamodb_batch(["ok", "ok", "ok"])
    event["Records"][0]["dynamodb"]["NewImage"]["blob"] = {"B": "***"}
    event["Records"][1]["dynamodb"]["Keys"] = {"id": {"N": "twelve"}}
    assert failures(rec(event)) == []
    assert len(rec.got) == 1
    assert [m.headers[ERROR_HEADER] for m, _ in rec.dead_lettered] == [
        "invalid: NewImage.blob: binary value is not base64",
        "invalid: Keys.id: 'twelve' is not a DynamoDB number",
    ]
    assert rec.dead_lettered[0][0].body == event["Records"][0]


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ({"N": "-17"}, -17),
        ({"N": "12345678901234567890123456789012345678"}, 12345678901234567890123456789012345678),
        ({"N": "1.5E+3"}, 1500.0),
        ({"N": "-.25"}, -0.25),
        ({"NS": ["1", "2.5"]}, [1, 2.5]),
        ({"NULL": True}, None),
        ({"BOOL": False}, False),
        ({"M": {"a": {"L": [{"M": {}}, {"SS": []}]}}}, {"a": [{}, []]}),
        ({"BS": []}, []),
    ],
)
def test_unmarshal(typed: dict[str, Any], plain: Any) -> None:
    assert unmarshal(typed) == plain


@pytest.mark.parametrize(
    "typed",
    [
        {"N": "NaN"},
        {"N": "Infinity"},
        {"N": "1e999"},
        {"N": "1_000"},
        {"N": 5},
        {"N": "9" * 5000},
        {"S": 1},
        {"BOOL": "true"},
        {"NULL": False},
        {"X": "?"},
        {},
        {"S": "a", "N": "1"},
        {"M": []},
        {"L": {}},
        {"SS": "a"},
        {"NS": ["x"]},
        {"BS": ["%%"]},
        "S",
        None,
    ],
)
def test_unmarshal_rejects(typed: Any) -> None:
    with pytest.raises(Malformed):
        unmarshal(typed)


def test_unmarshal_depth_is_bounded() -> None:
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(5000):
        value = {"L": [value]}
    with pytest.raises(Malformed, match="nested deeper"):
        unmarshal(value)
