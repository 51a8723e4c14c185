"""How each Lambda event shape is recognised: cheap predicates, in one small module.

The entry point tries them in order and imports a shape's module only when an event of that
shape arrives, so a function that only serves HTTP never loads the Kafka reader. Each shape
module exposes its predicate as `matches`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KAFKA_SOURCES = frozenset({"aws:kafka", "aws:SelfManagedKafka", "SelfManagedKafka"})
# requestContext keys of other event kinds that carry `httpMethod` too (ALB, WebSocket, ...).
_NOT_REST = ("elb", "connectionId", "eventType")


def first_record_source(event: Mapping[str, Any], key: str = "eventSource") -> object:
    """`Records[0][key]`, the field Lambda's record events are told apart by, or None."""
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        return records[0].get(key)
    return None


def apigw_v2(event: Any) -> bool:
    """`rawPath` is 2.0-only; a `routeArn` marks an HTTP API *authorizer* request instead."""
    return (
        isinstance(event, dict)
        and "rawPath" in event
        and "routeArn" not in event
        and isinstance(event.get("requestContext"), dict)
    )


def apigw_rest(event: Any) -> bool:
    """`methodArn` marks an authorizer request; no `requestContext`, a Bedrock agent event."""
    if not isinstance(event, dict):
        return False
    context = event.get("requestContext")
    return (
        "httpMethod" in event
        and "methodArn" not in event
        and isinstance(context, dict)
        and not any(key in context for key in _NOT_REST)
    )


def alb(event: Any) -> bool:
    if not isinstance(event, dict):
        return False
    context = event.get("requestContext")
    return isinstance(context, dict) and "elb" in context


def sqs(event: Any) -> bool:
    return isinstance(event, dict) and first_record_source(event) == "aws:sqs"


def sns(event: Any) -> bool:
    return isinstance(event, dict) and first_record_source(event, "EventSource") == "aws:sns"


def eventbridge(event: Any) -> bool:
    return (
        isinstance(event, dict)
        and isinstance(event.get("detail-type"), str)
        and isinstance(event.get("source"), str)
        and "Records" not in event
    )


def s3(event: Any) -> bool:
    return isinstance(event, dict) and first_record_source(event) == "aws:s3"


def kinesis(event: Any) -> bool:
    return isinstance(event, dict) and first_record_source(event) == "aws:kinesis"


def dynamodb(event: Any) -> bool:
    return isinstance(event, dict) and first_record_source(event) == "aws:dynamodb"


def kafka(event: Any) -> bool:
    source = event.get("eventSource") if isinstance(event, dict) else None
    return isinstance(source, str) and source in KAFKA_SOURCES and "records" in event


def direct(event: Any) -> bool:
    return isinstance(event, dict) and isinstance(event.get("topic"), str) and "Records" not in event


# Ordered: the cheap, most common checks first. (predicate, shape module)
SHAPES = (
    (apigw_v2, "portside_aws.apigw_v2"),
    (apigw_rest, "portside_aws.apigw_rest"),
    (alb, "portside_aws.alb"),
    (sqs, "portside_aws.sqs"),
    (sns, "portside_aws.sns"),
    (eventbridge, "portside_aws.eventbridge"),
    (s3, "portside_aws.s3"),
    (kinesis, "portside_aws.kinesis"),
    (dynamodb, "portside_aws.dynamodb"),
    (kafka, "portside_aws.kafka"),
    (direct, "portside_aws.direct"),
)
