"""DynamoDB Streams: table bindings from the stream ARN, unmarshalled images, ordered failures."""

from __future__ import annotations

from typing import Any

import pytest

from portside import DROP, HAND_BACK
from portside.kit import Malformed
from portside.settlement import ERROR_HEADER
from portside_aws.dynamodb import unmarshal
from tests.aws.records_kit import (
    DLQ_ARN,
    Event,
    Recorder,
    dynamodb_batch,
    failures,
    fields,
    load,
    portside_logs,
    stream,
)

TABLE_ARN = "arn:aws:dynamodb:us-west-2:123456789012:table/Messages/stream/2023-09-06T10:45:55.123"


def with_arn(event: Event, arn: str = TABLE_ARN) -> Event:
    for record in event["Records"]:
        record["eventSourceARN"] = arn
    return event


def test_aws_lambda_go_sample_every_attribute_type() -> None:
    rec = Recorder([stream("Example-Table", "dynamodb")])
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
    rec = Recorder([stream("Messages", "dynamodb")])
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
    # Their eventSourceARN is "eventsource_arn" / "source_arn" / "stream-ARN": no table name, so
    # no binding: handed back, the first and every later record (a shard is ordered).
    rec = Recorder([stream("Messages", "dynamodb")])
    with portside_logs(caplog) as logged:
        reported = failures(rec(load(name)))
    assert reported == [r["dynamodb"]["SequenceNumber"] for r in load(name)["Records"]]
    assert rec.got == []
    unrouted = [fields(r) for r in logged if r.getMessage() == "(unrouted) -> not_found"]
    assert len(unrouted) == 1  # the later records were never dispatched
    assert "is not a DynamoDB stream ARN" in unrouted[0]["errors"][0]["message"]


def test_time_window_sample_remove_event() -> None:
    rec = Recorder([stream("Messages", "dynamodb")])
    rec(with_arn(load("aws/aws-lambda-go/dynamodb-time-window-event.json")))
    assert [m.body["eventName"] for m in rec.got] == ["INSERT", "MODIFY", "REMOVE"]
    assert rec.got[2].body["new_image"] is None
    assert rec.got[2].body["old_image"] == {"Message": "This item has changed", "Id": 101}


def test_ordered_failures_name_the_first_retry_and_the_rest() -> None:
    rec = Recorder([stream("Example-Table", "dynamodb")])
    response = rec(dynamodb_batch(["ok", "not_found", "error", "ok", "ok"]))
    assert failures(response) == ["140540002", "140540003", "140540004"]
    assert [m.body["new_image"]["do"] for m in rec.got] == ["ok", "not_found", "error"]
    [(parked, _)] = rec.dead_lettered
    assert parked.body["new_image"] == {"do": "not_found"}  # the record's own JSON, unmarshalled once


@pytest.mark.parametrize(("choice", "reported", "dispatched"), [
    (DROP, ["140540002"], 3),
    (HAND_BACK, ["140540001", "140540002"], 2),
])
def test_drop_and_hand_back_on_a_table(choice: str, reported: list[str], dispatched: int) -> None:
    rec = Recorder([stream("Example-Table", "dynamodb", choice)])
    assert failures(rec(dynamodb_batch(["ok", "invalid", "retry"]))) == reported
    assert len(rec.got) == dispatched and rec.dead_lettered == []


def test_invalid_typed_values_make_the_record_poison() -> None:
    rec = Recorder([stream("Example-Table", "dynamodb")])
    event = dynamodb_batch(["ok", "ok", "ok", "ok"])
    event["Records"][0]["dynamodb"]["NewImage"]["blob"] = {"B": "***"}
    event["Records"][1]["dynamodb"]["Keys"] = {"id": {"N": "twelve"}}
    del event["Records"][2]["dynamodb"]
    assert failures(rec(event)) == []
    assert len(rec.got) == 1
    assert [(m.headers[ERROR_HEADER], target) for m, target in rec.dead_lettered] == [
        ("invalid: malformed_record: NewImage.blob: binary value is not base64", DLQ_ARN),
        ("invalid: malformed_record: Keys.id: 'twelve' is not a DynamoDB number", DLQ_ARN),
        ("invalid: malformed_record: DynamoDB record has no 'dynamodb' object", DLQ_ARN),
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
