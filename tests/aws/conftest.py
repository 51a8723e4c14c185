"""Fixtures for the AWS adapter tests: a real moto server on a free loopback port.

`moto_server` (session) starts moto once; `aws` (per test) points boto3 at it through the
environment, the way a user would point at LocalStack: AWS_ENDPOINT_URL plus dummy credentials.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The endpoint URL of a moto server running in a thread for the whole session."""
    server_module = pytest.importorskip("moto.server")
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> AwsEnv:
    """boto3 configured for the moto server (env restored after the test)."""
    pytest.importorskip("boto3")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/portside-test-aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/portside-test-aws-credentials")
    return AwsEnv(moto_server)


class AwsEnv:
    """Helpers creating uniquely named resources on the moto server (it is shared by all tests)."""

    def __init__(self, endpoint: str) -> None:
        import boto3

        self.endpoint = endpoint
        self.region = REGION
        self.account = ACCOUNT
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.sns = boto3.client("sns", region_name=REGION)
        self.events = boto3.client("events", region_name=REGION)

    @staticmethod
    def unique(prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    def queue(self, prefix: str = "q", *, fifo: bool = False) -> Queue:
        name = self.unique(prefix) + (".fifo" if fifo else "")
        attributes = {"FifoQueue": "true"} if fifo else {}
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return Queue(self, name, url, arn)

    def topic(self, prefix: str = "t", *, fifo: bool = False) -> str:
        name = self.unique(prefix) + (".fifo" if fifo else "")
        attributes = {"FifoTopic": "true"} if fifo else {}
        return str(self.sns.create_topic(Name=name, Attributes=attributes)["TopicArn"])

    def subscribe(self, topic_arn: str, queue: Queue, *, raw: bool = False) -> None:
        self.sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue.arn,
            Attributes={"RawMessageDelivery": "true" if raw else "false"},
        )

    def bus(self, prefix: str, queue: Queue, pattern: dict[str, Any]) -> str:
        import json

        name = self.unique(prefix)
        arn = str(self.events.create_event_bus(Name=name)["EventBusArn"])
        rule = self.unique("rule")
        self.events.put_rule(Name=rule, EventBusName=name, EventPattern=json.dumps(pattern))
        self.events.put_targets(Rule=rule, EventBusName=name, Targets=[{"Id": "to-queue", "Arn": queue.arn}])
        return arn


class Queue:
    def __init__(self, env: AwsEnv, name: str, url: str, arn: str) -> None:
        self.env = env
        self.name = name
        self.url = url
        self.arn = arn

    def receive(self, expected: int = 1, *, attempts: int = 5) -> list[dict[str, Any]]:
        """Up to `expected` messages (all attributes), polling briefly."""
        found: list[dict[str, Any]] = []
        for _ in range(attempts):
            response = self.env.sqs.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=10,
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
                WaitTimeSeconds=0,
            )
            found += response.get("Messages", [])
            if len(found) >= expected:
                break
        return found
