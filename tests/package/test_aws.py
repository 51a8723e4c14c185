"""`portside package --cloud aws` through the command line: the SAM template lints, and it cannot
drift from what the adapter does at run time.

The consistency tests read the same objects the adapter reads (the App's binding table, the
outcome table, the adapter's capabilities) and check the generated template against them:
every source with partial batches reports them, every path that gives a message back to AWS
has the setting that keeps it, and the role may publish to exactly the declared targets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portside import OUTCOMES, App, Delivery
from portside.bindings import EventBinding, QueueBinding, ScheduleBinding, SubscriptionBinding
from portside.startup import load_app
from portside_aws.schedules import to_eventbridge
from tests.package.conftest import ORDERS, PIPELINE, Run, load_yaml, write_service

Portside = Callable[..., Run]
PUBLISH_ACTIONS = {"sns:Publish", "sqs:SendMessage", "sqs:GetQueueUrl", "events:PutEvents"}
STREAM_EVENTS = {"Kinesis", "DynamoDB", "MSK"}
ASYNC_EVENTS = {"SNS", "Schedule", "EventBridgeRule", "S3"}
# cfn-lint dates Lambda runtimes: python3.10 (portside's minimum, the default) is past its
# deprecation date in cfn-lint's data. Only that finding is tolerated, and only for the default.
RUNTIME_DEPRECATED = "W2531"


def lint(path: Path) -> list[str]:
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(path, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    return [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches]


class Template:
    """A generated template, with names resolved the way CloudFormation would."""

    def __init__(self, folder: Path) -> None:
        self.document = load_yaml(folder / "template.yaml")
        self.resources: dict[str, Any] = self.document["Resources"]
        self.parameters: dict[str, Any] = self.document.get("Parameters", {})
        [self.function] = [r["Properties"] for r in self.resources.values()
                           if r["Type"] == "AWS::Serverless::Function"]
        self.events: dict[str, Any] = self.function.get("Events", {})
        role = self.resources[self.function["Role"]["Fn::GetAtt"][0]]["Properties"]
        self.role = role
        self.statements = [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]

    def name(self, reference: Any) -> str:
        """The name of what an ARN expression points at: a created resource's name, a
        parameter's name (`param:X`) or a literal ARN."""
        if isinstance(reference, str):
            return reference
        logical = reference["Fn::GetAtt"][0] if "Fn::GetAtt" in reference else reference.get("Ref")
        if logical in self.parameters:
            return f"param:{logical}"
        properties = self.resources[logical]["Properties"]
        return str(properties.get("QueueName") or properties.get("TopicName") or properties.get("Name"))

    def created(self, reference: Any, kind: str) -> bool:
        if not isinstance(reference, dict):
            return False
        logical = reference.get("Fn::GetAtt", [reference.get("Ref")])[0]
        return logical in self.resources and self.resources[logical]["Type"] == kind

    def resource_named(self, kind: str, name: str) -> dict[str, Any]:
        [found] = [r["Properties"] for r in self.resources.values() if r["Type"] == kind and
                   name in (r["Properties"].get("QueueName"), r["Properties"].get("TopicName"),
                            r["Properties"].get("Name"))]
        return found

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [e["Properties"] for e in self.events.values() if e["Type"] == kind]

    def permissions(self, actions: set[str]) -> set[tuple[str, str]]:
        return {
            (action, self.name(statement["Resource"]))
            for statement in self.statements
            for action in statement["Action"] if action in actions
        }


@pytest.fixture(params=["orders", "pipeline", "rich"])
def packaged(request: pytest.FixtureRequest, portside: Portside, tmp_path: Path) -> tuple[App, Template, Run]:
    """Each example (and the rich service) packaged for aws, with the App the adapter builds."""
    main = {"orders": ORDERS, "pipeline": PIPELINE}.get(request.param) or request.getfixturevalue("rich_main")
    out = tmp_path / "out"
    run = portside("package", main, "--cloud", "aws", "--out", out)
    assert run.code == 0, run.err
    return load_app(main, adapter="aws"), Template(out), run


# ---------------------------------------------------------------------------- cfn-lint
@pytest.mark.parametrize("main", [ORDERS, PIPELINE], ids=["orders", "pipeline"])
def test_the_examples_templates_pass_cfn_lint(portside: Portside, tmp_path: Path, main: Path) -> None:
    default = portside("package", main, "--cloud", "aws", "--out", tmp_path / "default")
    current = portside("package", main, "--cloud", "aws", "--out", tmp_path / "current",
                       "--option", "runtime=python3.13")

    assert default.code == current.code == 0, default.err + current.err
    findings = lint(tmp_path / "default" / "template.yaml")
    assert [f for f in findings if not f.startswith(RUNTIME_DEPRECATED)] == []
    assert lint(tmp_path / "current" / "template.yaml") == []


def test_every_binding_kind_and_target_passes_cfn_lint(
    portside: Portside, tmp_path: Path, rich_main: Path
) -> None:
    run = portside("package", rich_main, "--cloud", "aws", "--out", tmp_path / "out",
                   "--option", "runtime=python3.13", "--option", "memory=1024", "--option", "timeout=120")

    assert run.code == 0, run.err
    assert lint(tmp_path / "out" / "template.yaml") == []
    template = Template(tmp_path / "out")
    assert (template.function["MemorySize"], template.function["Timeout"]) == (1024, 120)
    assert template.resource_named("AWS::SQS::Queue", "orders-inbox")["VisibilityTimeout"] == 720


def test_existing_resources_are_parameters_and_still_lint(portside: Portside, tmp_path: Path) -> None:
    run = portside("package", ORDERS, "--cloud", "aws", "--out", tmp_path / "out",
                   "--option", "runtime=python3.13", "--option", "existing=orders-events,orders-inbox")

    assert run.code == 0, run.err
    assert lint(tmp_path / "out" / "template.yaml") == []
    template = Template(tmp_path / "out")
    names = {r["Properties"].get("QueueName") or r["Properties"].get("TopicName")
             for r in template.resources.values()}
    assert "orders-events" not in names and "orders-inbox" not in names
    import re

    pattern = template.parameters["OrdersEventsTopicArn"]["AllowedPattern"]
    assert re.match(pattern, "arn:aws:sns:eu-west-1:111122223333:orders-events")
    assert not re.match(pattern, "arn:aws:sns:eu-west-1:111122223333:other-events")
    [sns] = template.events_of("SNS")
    assert sns["Topic"] == {"Ref": "OrdersEventsTopicArn"}
    assert ("sns:Publish", "param:OrdersEventsTopicArn") in template.permissions(PUBLISH_ACTIONS)
    [line] = [line for line in run.lines if line.startswith("queue orders-inbox")]
    assert "existing queue: give it a redrive policy" in line


def test_storage_events_from_an_existing_bucket_become_eventbridge_rules(
    portside: Portside, tmp_path: Path
) -> None:
    options = ["--option", "runtime=python3.13", "--option", "bucket=uploads", "--option", "existing=uploads"]
    run = portside("package", PIPELINE, "--cloud", "aws", "--out", tmp_path / "out", *options)

    assert run.code == 0, run.err
    assert lint(tmp_path / "out" / "template.yaml") == []
    template = Template(tmp_path / "out")
    assert template.events_of("S3") == []
    [rule] = [r["Pattern"] for r in template.events_of("EventBridgeRule")]
    assert rule == {"source": ["aws.s3"], "detail-type": ["Object Created"],
                    "detail": {"bucket": {"name": ["uploads"]}}}
    assert not any(r["Type"] == "AWS::S3::Bucket" for r in template.resources.values())


# ---------------------------------------------------------------------------- consistency
def test_every_source_with_partial_batches_reports_them(packaged: tuple[App, Template, Run]) -> None:
    app, template, _ = packaged
    assert app.adapter.capabilities.partial_batch_failure  # what the adapter answers at run time
    for binding in app.bindings.of_kind("queue"):
        assert isinstance(binding, QueueBinding)
        source = binding.options_for("aws").get("source", "sqs")
        if source == "sqs":
            [event] = [e for e in template.events_of("SQS") if template.name(e["Queue"]) == binding.name]
        else:
            [event] = [e for t in STREAM_EVENTS for e in template.events_of(t)
                       if binding.name in (e.get("Topics") or [template.name(e["Stream"]).rsplit(":", 1)[-1]])
                       or template.name(e["Stream"]).startswith("param:" + _camel(binding.name))]
        assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"], binding
    for kind in ("SQS", *STREAM_EVENTS):
        for event in template.events_of(kind):
            assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_every_path_that_gives_messages_back_has_a_setting_that_keeps_them(
    packaged: tuple[App, Template, Run],
) -> None:
    app, template, _ = packaged
    # The outcome table has a retry decision, so every source can give a message back to AWS.
    assert any(row.delivery is Delivery.RETRY for row in OUTCOMES.values())
    for binding in app.bindings.inbound():
        source = binding.options_for("aws").get("source", "sqs") if isinstance(binding, QueueBinding) else None
        if source == "sqs":
            queue = template.resource_named("AWS::SQS::Queue", binding.name)
            redrive = queue["RedrivePolicy"]
            assert template.created(redrive["deadLetterTargetArn"], "AWS::SQS::Queue"), binding
            assert 1 <= redrive["maxReceiveCount"] <= 1000
            assert queue["VisibilityTimeout"] >= template.function["Timeout"]
        elif source is not None:
            [event] = [e for t in STREAM_EVENTS for e in template.events_of(t)
                       if binding.name in (e.get("Topics") or [])
                       or template.name(e["Stream"]) in (binding.name, f"param:{_camel(binding.name)}StreamArn")
                       ]
            assert event["BisectBatchOnFunctionError"] is True
            assert 0 <= event["MaximumRetryAttempts"] <= 10000  # never -1, which retries until expiry
            assert template.created(event["DestinationConfig"]["OnFailure"]["Destination"], "AWS::SQS::Queue")
        else:
            _assert_async_source(template, binding)
            config = template.function["EventInvokeConfig"]
            assert 0 <= config["MaximumRetryAttempts"] <= 2
            assert config["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
            assert template.created(config["DestinationConfig"]["OnFailure"]["Destination"], "AWS::SQS::Queue")


def _assert_async_source(template: Template, binding: Any) -> None:
    """The binding's asynchronous event source is there, named as the adapter reads it."""
    if isinstance(binding, SubscriptionBinding):
        assert binding.name in [template.name(e["Topic"]) for e in template.events_of("SNS")]
    elif isinstance(binding, ScheduleBinding):
        rule = {"Name": binding.name, "Schedule": to_eventbridge(binding.expression)}
        assert rule in template.events_of("Schedule")
    else:
        assert isinstance(binding, EventBinding)
        assert template.events_of("S3") or template.events_of("EventBridgeRule")


def test_the_role_may_publish_to_exactly_the_declared_targets(packaged: tuple[App, Template, Run]) -> None:
    app, template, _ = packaged
    expected: set[tuple[str, str]] = set()
    actions = {"topic": ["sns:Publish"], "queue": ["sqs:SendMessage", "sqs:GetQueueUrl"],
               "events": ["events:PutEvents"]}
    native = {
        "https://sqs.eu-west-1.amazonaws.com/111122223333/legacy": "arn:aws:sqs:eu-west-1:111122223333:legacy",
    }
    targets: dict[str, str] = {}
    for binding in app.bindings.of_kind("destination"):
        target = getattr(binding, "target", "")
        targets[target] = getattr(binding, "channel", "topic")
        if target.startswith("arn:aws:sqs") or target.startswith("https://"):
            targets[target] = "queue"
    for binding in app.bindings.inbound():
        dead_letter = getattr(binding, "dead_letter", None)
        if dead_letter not in (None, "drop", "hand-back"):
            targets.setdefault(dead_letter, "queue")
    for target, channel in targets.items():
        expected |= {(action, native.get(target, target)) for action in actions[channel]}
    # Lambda itself sends to the on-failure queues with the function's role
    on_failure = [e["DestinationConfig"]["OnFailure"]["Destination"] for t in STREAM_EVENTS
                  for e in template.events_of(t)]
    if "EventInvokeConfig" in template.function:
        on_failure.append(template.function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"])
    expected |= {("sqs:SendMessage", template.name(arn)) for arn in on_failure}

    assert template.permissions(PUBLISH_ACTIONS) == expected
    read = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"}
    for statement in template.statements:
        assert statement["Effect"] == "Allow" and statement["Resource"] != "*"
        assert all(a in PUBLISH_ACTIONS or a in read or a.split(":")[0] in ("kinesis", "dynamodb")
                   for a in statement["Action"]), statement


def _camel(name: str) -> str:
    import re

    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", name) if p)


# ---------------------------------------------------------------------------- the report and the code
def test_the_report_names_what_each_binding_became(portside: Portside, tmp_path: Path) -> None:
    run = portside("package", ORDERS, "--cloud", "aws", "--out", tmp_path / "out")

    assert run.code == 0 and run.err == ""
    assert run.out.splitlines()[-1] == f"next: cd {tmp_path / 'out'} && sam build && sam deploy --guided"
    lines = run.lines
    assert lines[0].startswith("function OrdersFunction: main.handler on python3.10, 512 MB, 30 s")
    assert [line.split(" ->")[0] for line in lines[1:4]] == [
        "http POST /orders", "http GET /orders/{id}", "http POST /orders/{id}/cancel"]
    assert ("queue orders-inbox -> SQS queue orders-inbox (created), batches with ReportBatchItemFailures; may "
            "end acknowledged, retried or handed back; redrive to orders-inbox-dlq after 5 receives") in lines
    assert any(line.startswith("destination orders.created, destination orders.cancelled -> SNS topic "
                               "orders-events (created): may sns:Publish") for line in lines)
    assert any(line.startswith("asynchronous sources (subscription orders-events) -> EventInvokeConfig")
               for line in lines)


def test_the_folder_is_the_code_lambda_runs(portside: Portside, tmp_path: Path) -> None:
    """requirements.txt names what pip installs (portside itself is vendored, never fetched),
    and the handler runs from the folder alone, as Lambda imports it."""
    out = tmp_path / "out"
    assert portside("package", ORDERS, "--cloud", "aws", "--out", out).code == 0
    requirements = (out / "requirements.txt").read_text().split()
    assert [r.split("<")[0].split(">")[0] for r in requirements] == ["pydantic", "pluggy"]
    assert not (out / "test_orders.py").exists() and not (out / "conftest.py").exists()
    # developer tooling is not deployed: the handler below runs without it
    for tooling in ("portside/local", "portside/testing", "portside/cli.py", "portside/kit/packaging.py",
                    "portside_aws/testing_kit.py", "portside_aws/package.py"):
        assert not (out / tooling).exists(), tooling
    assert (out / "portside" / "lanes.py").exists() and (out / "portside_aws" / "sqs.py").exists()
    event = {
        "version": "2.0", "routeKey": "$default", "rawPath": "/orders/nope", "rawQueryString": "",
        "headers": {"x-correlation-id": "c-1"}, "isBase64Encoded": False,
        "requestContext": {"http": {"method": "GET", "path": "/orders/nope", "sourceIp": "192.0.2.1"},
                           "requestId": "r-1", "stage": "$default"},
    }
    script = (
        "import json, sys, main, portside\n"
        "answer = main.handler(json.loads(sys.argv[1]), None)\n"
        "print(json.dumps({'from': portside.__file__, 'status': answer['statusCode'], "
        "'body': json.loads(answer['body'])}))\n"
    )
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PORTSIDE_ADAPTER")}
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(event)], cwd=out, capture_output=True, text=True,
        env={**environment, "PORTSIDE_ADAPTER": "aws"}, timeout=60, check=False,
    )

    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.splitlines()[-1])
    assert Path(answer["from"]).resolve().is_relative_to(out.resolve())
    assert answer["status"] == 404
    assert answer["body"]["error"]["correlation_id"] == "c-1"


# ---------------------------------------------------------------------------- what AWS cannot express
@pytest.mark.parametrize(("bindings", "options", "says"), [
    ("queue('jobs', 't.run', ordered=True)", [],
     "queue('jobs', ordered=True): SQS keeps order only in FIFO queues; name the binding 'jobs.fifo'"),
    ("subscription('alerts.fifo', 't.run')", [],
     "subscription('alerts.fifo'): an SNS FIFO topic delivers only to SQS FIFO queues"),
    ("queue('orders.inbox', 't.run')", [], "queue('orders.inbox'): 'orders.inbox' is not an SQS queue name"),
    ("event('order.?', 't.run')", [],
     "event('order.?'): EventBridge matches exact values and '*' wildcards only"),
    ("event('ObjectCreated:P*', 't.run')", [],
     "event('ObjectCreated:P*'): S3 notifications take an event name"),
    ("schedule('a' * 65, 't.run', 'rate(1 hour)')", [], "becomes an EventBridge rule name"),
    ("queue('jobs', 't.run')", ["memroy=1"], "unknown package option 'memroy'; known: async_retries"),
    ("queue('jobs', 't.run')", ["timeout=0"], "--option timeout=0: use a whole number from 1 to 900"),
    ("queue('jobs', 't.run')", ["existing=job"],
     "--option existing=job names no resource of this service; it may name: jobs\n"),
    ("queue('jobs', 't.run')", ["memory"], "--option 'memory': write it as KEY=VALUE"),
])
def test_what_aws_cannot_express_is_refused_in_one_line(
    portside: Portside, tmp_path: Path, bindings: str, options: list[str], says: str
) -> None:
    main = write_service(tmp_path / "svc", bindings)
    flags = [flag for option in options for flag in ("--option", option)]
    run = portside("package", main, "--cloud", "aws", "--out", tmp_path / "out", *flags)

    assert run.code == 2
    assert run.out == ""
    assert run.err.count("\n") == 1 and run.err.startswith("portside: ")
    assert says in run.err
    assert not (tmp_path / "out").exists()


def test_the_output_folder_is_fresh_and_never_someone_elses(portside: Portside, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    refused = portside("package", ORDERS, "--cloud", "aws", "--out", mine)
    assert refused.code == 2 and "is not empty and was not written by `portside package`" in refused.err
    assert (mine / "notes.txt").read_text() == "keep me"

    out = tmp_path / "out"
    assert portside("package", ORDERS, "--cloud", "aws", "--out", out).code == 0
    (out / "stale.py").write_text("")
    assert portside("package", ORDERS, "--cloud", "aws", "--out", out).code == 0
    assert not (out / "stale.py").exists() and (out / "template.yaml").is_file()

    into_source = portside("package", ORDERS, "--cloud", "aws", "--out", ORDERS.parent)
    assert into_source.code == 2 and "holds the service's own files" in into_source.err
