"""`portside package main.py --cloud aws --out DIR`: an AWS SAM template for the whole service.

One function (`main.handler`, the runtime of portside's minimum Python) receives every source,
exactly as the adapter reads them at run time, and the template sets what makes each of the
four states safe (the README's outcome table, last column):

- HTTP bindings: HTTP API catch-all routes; the service's router answers every path;
- SQS queues: an event source with `ReportBatchItemFailures` (the adapter answers
  `batchItemFailures`), and a redrive policy to a created dead-letter queue that keeps what is
  handed back or retried too often;
- Kinesis, DynamoDB Streams, Kafka (MSK): `ReportBatchItemFailures`, `BisectBatchOnFunctionError`,
  a bounded `MaximumRetryAttempts` and an on-failure destination queue;
- SNS subscriptions, EventBridge rules, schedules (`to_eventbridge`), S3 notifications: Lambda
  invokes asynchronously, so an `EventInvokeConfig` sends what still fails to an on-failure queue;
- the resources bindings name are created, or, listed in `--option existing=a,b`, referenced
  through parameters; DynamoDB tables and Kafka clusters always are (a template cannot know
  their keys or brokers);
- an execution role that may write logs, read the sources and publish to the declared
  destinations, dead-letter targets and on-failure queues: nothing else.

The code goes beside the template (CodeUri `.`): the startup file's folder, portside and
portside_aws vendored, and requirements.txt, so `sam build` works as it is.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from portside import OBJECT_CREATED, OBJECT_DELETED, App, State
from portside.kit import (
    EventBinding,
    PackageError,
    PackageReport,
    QueueBinding,
    ScheduleBinding,
    SubscriptionBinding,
    is_logical_name,
    packaging,
)

from .checks import STREAMS
from .schedules import to_eventbridge
from .targets import parse_target

OPTIONS = {
    "memory": "MB of memory, 128-10240 (default 512)",
    "timeout": "seconds per invocation, 1-900 (default 30)",
    "runtime": "the Lambda runtime (default: python of portside's minimum version)",
    "existing": "comma-separated names of resources that exist already: referenced through parameters",
    "bucket": "the S3 bucket storage events come from (default: a new bucket)",
    "max_receive_count": "SQS receives before the redrive policy parks a message, 1-1000 (default 5)",
    "stream_retries": "retries of a failing stream batch before its on-failure queue, 0-10000 (default 3)",
    "async_retries": "Lambda's retries of a failed asynchronous event, 0-2 (default 2)",
}
RETENTION = 1209600  # 14 days, the most SQS keeps a message: dead-letter and failure queues
_SQS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_SNS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_KINESIS_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_BUS_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
_RULE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_S3_EVENTS = ("ObjectCreated:", "ObjectRemoved:", "ObjectRestore:", "ObjectTagging:", "ObjectAcl:",
              "LifecycleExpiration:", "Replication:", "LifecycleTransition", "IntelligentTiering",
              "ReducedRedundancyLostObject")
_NEUTRAL_S3 = {OBJECT_CREATED: ("s3:ObjectCreated:*", "Object Created"),
               OBJECT_DELETED: ("s3:ObjectRemoved:*", "Object Deleted")}
_READ = {
    "sqs": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
    "kinesis": ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
                "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:ListStreams",
                "kinesis:SubscribeToShard"],
    "dynamodb": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                 "dynamodb:ListStreams"],
}
# What publishing needs per target service: the adapter's publisher looks SQS queue URLs up.
PUBLISH = {
    "sns": ["sns:Publish"], "sqs": ["sqs:SendMessage", "sqs:GetQueueUrl"], "events": ["events:PutEvents"],
}
ON_FAILURE = ["sqs:SendMessage"]  # Lambda itself sends to an on-failure queue, with the role
MSK_POLICY = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole"
LOGS_POLICY = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def package(app: App, out: Path, options: Mapping[str, str]) -> PackageReport:
    """Write DIR/template.yaml, DIR/requirements.txt and the code; report what each binding became."""
    settings = packaging.Options(options, OPTIONS)
    template = _Template(app, settings)
    document = template.build()
    folder = packaging.prepare_out(out, app)
    files = packaging.write_source(app, folder, adapter_package="portside_aws", extras=("aws",))
    (folder / "template.yaml").write_text(
        f"# Generated by `portside package {packaging.startup_file(app).name} --cloud aws`: regenerate it "
        "rather than edit it.\n" + packaging.to_yaml(document)
    )
    return PackageReport(
        [Path("template.yaml"), *files],
        template.lines,
        f"cd {shlex.quote(str(out))} && sam build && sam deploy --guided",
    )


class _Resource:
    """One AWS resource the service uses: created here, a parameter, or a native ARN."""

    __slots__ = ("arn", "created", "fifo", "logical_id", "name", "service")

    def __init__(
        self, service: str, name: str, logical_id: str, arn: Any, *, created: bool, fifo: bool
    ) -> None:
        self.service = service
        self.name = name
        self.logical_id = logical_id
        self.arn = arn
        self.created = created
        self.fifo = fifo

    @property
    def shown(self) -> str:
        how = "created" if self.created else (f"parameter {self.logical_id}" if self.logical_id else "native")
        return f"{self.name} ({how})"


class _Template:
    def __init__(self, app: App, options: packaging.Options) -> None:
        self.app = app
        self.options = options
        self.function = f"{_camel(app.service.name) or 'Service'}Function"
        self.memory = options.integer("memory", 512, 128, 10240)
        self.timeout = options.integer("timeout", 30, 1, 900)
        self.runtime = options.text("runtime", f"python{packaging.minimum_python()}")
        self.max_receives = options.integer("max_receive_count", 5, 1, 1000)
        self.stream_retries = options.integer("stream_retries", 3, 0, 10000)
        self.async_retries = options.integer("async_retries", 2, 0, 2)
        self.existing = set(options.names("existing"))
        self.used_existing: set[str] = set()
        self.resources: dict[str, dict[str, Any]] = {}
        self.parameters: dict[str, dict[str, Any]] = {}
        self.named: dict[tuple[str, str], _Resource] = {}
        self.redriven: dict[str, str] = {}  # source queue logical id -> its dead-letter queue's name
        self.events: dict[str, dict[str, Any]] = {}
        self.reads: list[tuple[list[str], Any]] = []
        self.publishes: list[tuple[list[str], Any]] = []
        self.managed = [LOGS_POLICY]
        self.lines: list[str] = []
        self.asynchronous: list[str] = []

    # ------------------------------------------------------------------ the document
    def build(self) -> dict[str, Any]:
        http = [b for b in self.app.bindings if b.kind == "http"]
        if http:
            self._http(http)
        for binding in self.app.bindings.inbound():
            if isinstance(binding, QueueBinding):
                self._queue(binding)
            elif isinstance(binding, SubscriptionBinding):
                self._subscription(binding)
            elif isinstance(binding, ScheduleBinding):
                self._schedule(binding)
        self._events([b for b in self.app.bindings.inbound() if isinstance(b, EventBinding)])
        for target in packaging.publish_targets(self.app):
            self._publish(target)
        invoke_config = self._async_failures()
        unknown = sorted(self.existing - self.used_existing)
        if unknown:
            raise PackageError(
                f"--option existing={','.join(unknown)} names no resource of this service; it may name: "
                + (", ".join(sorted({r.name for r in self.named.values() if r.logical_id})) or "nothing")
            )
        self._finish_queues()
        function: dict[str, Any] = {
            "CodeUri": ".",
            "Handler": f"{packaging.startup_file(self.app).stem}.{packaging.entry_name(self.app)}",
            "Runtime": self.runtime,
            "MemorySize": self.memory,
            "Timeout": self.timeout,
            "Role": {"Fn::GetAtt": [f"{self.function}Role", "Arn"]},
            "Environment": {"Variables": {"PORTSIDE_ADAPTER": "aws"}},
        }
        if invoke_config:
            function["EventInvokeConfig"] = invoke_config
        if self.events:
            function["Events"] = self.events
        resources = {
            self.function: {"Type": "AWS::Serverless::Function", "Properties": function},
            f"{self.function}Role": self._role(),
            **self.resources,
        }
        self.lines.insert(0, (
            f"function {self.function}: {function['Handler']} on {self.runtime}, {self.memory} MB, "
            f"{self.timeout} s; role {self.function}Role: logs, reads {len(self.reads)} source(s), "
            f"publishes to {len(self.publishes)} target(s), nothing else"
        ))
        document: dict[str, Any] = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Transform": "AWS::Serverless-2016-10-31",
            "Description": f"{self.app.service.name}: one function for the whole service (portside)",
        }
        if self.parameters:
            document["Parameters"] = self.parameters
        document["Resources"] = resources
        outputs: dict[str, Any] = {"FunctionArn": {"Value": {"Fn::GetAtt": [self.function, "Arn"]}}}
        if http:
            outputs["ApiUrl"] = {"Value": {"Fn::Sub": "https://${ServerlessHttpApi}.execute-api.${AWS::Region}."
                                                      "${AWS::URLSuffix}/"}}
        document["Outputs"] = outputs
        return document

    def _role(self) -> dict[str, Any]:
        statements = [
            {"Effect": "Allow", "Action": actions, "Resource": resource}
            for actions, resource in self.reads + self.publishes
        ]
        properties: dict[str, Any] = {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                               "Action": "sts:AssumeRole"}],
            },
            "ManagedPolicyArns": [{"Fn::Sub": arn} for arn in self.managed],
        }
        if statements:
            properties["Policies"] = [{
                "PolicyName": "portside",
                "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
            }]
        return {"Type": "AWS::IAM::Role", "Properties": properties}

    # ------------------------------------------------------------------ inbound
    def _http(self, bindings: list[Any]) -> None:
        self.events["Http"] = {"Type": "HttpApi", "Properties": {"Path": "/{proxy+}", "Method": "ANY"}}
        routes = "ANY /{proxy+}"
        if any(b.path.rstrip("/") == "" for b in bindings):
            self.events["HttpRoot"] = {"Type": "HttpApi", "Properties": {"Path": "/", "Method": "ANY"}}
            routes += " and ANY /"
        cut = "; HTTP APIs answer 503 after 30 s" if self.timeout > 30 else ""
        for binding in bindings:
            self.lines.append(f"http {binding.name} -> HTTP API route {routes} (the service's router "
                              f"matches it){cut}")

    def _queue(self, binding: QueueBinding) -> None:
        source = binding.options_for("aws").get("source", "sqs")
        if source == "sqs":
            self._sqs_source(binding)
        elif source in STREAMS:
            self._stream_source(binding, source)

    def _sqs_source(self, binding: QueueBinding) -> None:
        queue = self._sqs(binding.name, f"queue({binding.name!r})")
        if binding.ordered and not queue.fifo:
            raise PackageError(
                f"queue({binding.name!r}, ordered=True): SQS keeps order only in FIFO queues; name the "
                f"binding {binding.name + '.fifo'!r} (the queue is created as FIFO)"
            )
        self.reads.append((_READ["sqs"], queue.arn))
        self.events[self._event_id(binding.name, "Queue")] = {"Type": "SQS", "Properties": {
            "Queue": queue.arn, "BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"],
        }}
        if queue.created:
            keep = self.redriven[queue.logical_id] = _derived(binding.name, "-dlq", queue.fifo)
            kept = f"redrive to {keep} after {self.max_receives} receives"
        else:
            kept = "existing queue: give it a redrive policy (maxReceiveCount + a dead-letter queue)"
        self.lines.append(
            f"queue {binding.name} -> SQS queue {queue.shown}, batches with ReportBatchItemFailures; "
            f"{self._ends(binding)}; {kept}"
        )

    def _stream_source(self, binding: QueueBinding, source: str) -> None:
        where = f"queue({binding.name!r})"
        properties: dict[str, Any] = {"StartingPosition": "TRIM_HORIZON", "BatchSize": 100}
        if source == "kinesis":
            stream = self._named("kinesis", binding.name, where)
            self.reads.append((_READ["kinesis"], stream.arn))
            event_type, what = "Kinesis", f"Kinesis stream {stream.shown}"
            properties["Stream"] = stream.arn
        elif source == "dynamodb":
            stream = self._parameter("dynamodb", binding.name, "StreamArn",
                                     f"the stream ARN of the existing DynamoDB table {binding.name}",
                                     rf"^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{{12}}:table/"
                                     rf"{re.escape(binding.name)}/stream/.+$")
            self.reads.append((_READ["dynamodb"], stream.arn))
            event_type, what = "DynamoDB", f"DynamoDB stream of table {binding.name} (parameter)"
            properties["Stream"] = stream.arn
        else:
            cluster = self._parameter(
                "kafka", "kafka-cluster", "Arn", "the ARN of the MSK cluster Kafka topics are read from",
                r"^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster/.+$",
            )
            if MSK_POLICY not in self.managed:
                self.managed.append(MSK_POLICY)
            event_type, what = "MSK", f"MSK topic {binding.name} (cluster: parameter {cluster.logical_id})"
            properties.update(Stream=cluster.arn, Topics=[binding.name],
                              ProvisionedPollerConfig={"MinimumPollers": 1, "MaximumPollers": 10})
        position = "partition and offsets" if source == "kafka" else "shard and sequence numbers"
        failures = self._sqs(_derived(binding.name, "-failures", False), where)
        self.publishes.append((ON_FAILURE, failures.arn))
        properties.update(
            FunctionResponseTypes=["ReportBatchItemFailures"],
            BisectBatchOnFunctionError=True,
            MaximumRetryAttempts=self.stream_retries,
            DestinationConfig={"OnFailure": {"Destination": failures.arn}},
        )
        self.events[self._event_id(binding.name, "Stream")] = {"Type": event_type, "Properties": properties}
        self.lines.append(
            f"queue {binding.name} -> {what} read from the oldest record, ReportBatchItemFailures, "
            f"bisect on error, {self.stream_retries} retries, then where the failed batch lies ({position}) "
            f"goes to SQS queue {failures.shown}; {self._ends(binding)}"
        )

    def _subscription(self, binding: SubscriptionBinding) -> None:
        where = f"subscription({binding.name!r})"
        topic = self._named("sns", binding.name, where)
        if topic.fifo:
            raise PackageError(
                f"{where}: an SNS FIFO topic delivers only to SQS FIFO queues, never to a function; "
                "subscribe a FIFO queue to it and bind that queue with queue(...) instead"
            )
        self.events[self._event_id(binding.name, "Topic")] = {"Type": "SNS", "Properties": {"Topic": topic.arn}}
        self.asynchronous.append(f"subscription {binding.name}")
        self.lines.append(f"subscription {binding.name} -> SNS subscription to topic {topic.shown}; "
                          f"{self._ends(binding)}")

    def _schedule(self, binding: ScheduleBinding) -> None:
        if not _RULE_NAME.match(binding.name):
            raise PackageError(
                f"schedule({binding.name!r}): the name becomes an EventBridge rule name, which is 1-64 "
                "letters, digits, '.', '-' or '_'; rename the schedule"
            )
        expression = to_eventbridge(binding.expression)
        self.events[self._event_id(binding.name, "Schedule")] = {"Type": "Schedule", "Properties": {
            "Schedule": expression, "Name": binding.name,
        }}
        self.asynchronous.append(f"schedule {binding.name}")
        self.lines.append(f"schedule {binding.name} -> EventBridge rule {binding.name}: {expression}; "
                          f"{self._ends(binding)}")

    def _events(self, bindings: list[EventBinding]) -> None:
        storage: list[tuple[EventBinding, str, str | None]] = []  # (binding, S3 event, EventBridge type)
        for binding in bindings:
            pattern = binding.pattern
            bare = pattern[3:] if pattern.startswith("s3:") else pattern
            if pattern in _NEUTRAL_S3:
                storage.append((binding, *_NEUTRAL_S3[pattern]))
            elif pattern.startswith("s3:") or bare.startswith(_S3_EVENTS):
                if any(ch in bare.replace(":*", "") for ch in "*?["):
                    raise PackageError(
                        f"event({pattern!r}): S3 notifications take an event name or one ending in ':*' "
                        "(e.g. 'ObjectCreated:*'); write it that way"
                    )
                storage.append((binding, "s3:" + bare, None))
            else:
                self._rule(binding)
            self.asynchronous.append(f"event {pattern}")
        if storage:
            self._storage(storage)

    def _rule(self, binding: EventBinding) -> None:
        pattern = binding.pattern
        if any(ch in pattern for ch in "?["):
            raise PackageError(
                f"event({pattern!r}): EventBridge matches exact values and '*' wildcards only; write the "
                "pattern with '*' (e.g. 'order.*')"
            )
        match: Any = [{"wildcard": pattern}] if "*" in pattern else [pattern]
        # The adapter matches an event binding against detail-type, then source: so does the rule.
        properties: dict[str, Any] = {"Pattern": {"$or": [{"detail-type": match}, {"source": match}]}}
        bus = self._bus_of(pattern)
        if bus is not None:  # by reference, so the rule waits for the bus when it is created here
            resource = self._named("events", bus, f"event({pattern!r})")
            properties["EventBusName"] = {"Ref": resource.logical_id} if resource.created else bus
        self.events[self._event_id(pattern, "Rule")] = {"Type": "EventBridgeRule", "Properties": properties}
        self.lines.append(f"event {pattern} -> EventBridge rule on the {bus or 'default'} bus matching "
                          f"detail-type or source {pattern!r}; {self._ends(binding)}")

    def _bus_of(self, pattern: str) -> str | None:
        """The event bus the service itself publishes matching events to, if one of its own."""
        import fnmatch

        for binding in self.app.bindings:
            if (binding.kind == "destination" and getattr(binding, "channel", "") == "events"
                    and fnmatch.fnmatchcase(binding.topic, pattern)):
                target = getattr(binding, "target", "")
                return target if is_logical_name(target) else None
        return None

    def _storage(self, storage: list[tuple[EventBinding, str, str | None]]) -> None:
        name = self.options.text("bucket", "")
        if name and name in self.existing:
            self.used_existing.add(name)
            for binding, _, bridge_type in storage:
                if bridge_type is None:
                    raise PackageError(
                        f"event({binding.pattern!r}): an existing bucket's notifications cannot be changed "
                        "from this template; bind OBJECT_CREATED / OBJECT_DELETED (EventBridge delivers "
                        "them) or let the template create the bucket"
                    )
                rule = {"source": ["aws.s3"], "detail-type": [bridge_type],
                        "detail": {"bucket": {"name": [name]}}}
                self.events[self._event_id(binding.pattern, "Bucket")] = {
                    "Type": "EventBridgeRule", "Properties": {"Pattern": rule},
                }
                self.lines.append(
                    f"event {binding.pattern} -> EventBridge rule for {bridge_type!r} in existing bucket "
                    f"{name} (turn on its EventBridge notifications); {self._ends(binding)}"
                )
            return
        bucket_id = "StorageBucket"
        properties = {"BucketName": name} if name else {}
        self.resources[bucket_id] = {"Type": "AWS::S3::Bucket", "Properties": properties}
        wanted = sorted({event for _, event, _ in storage})
        broad = {event[:-1] for event in wanted if event.endswith(":*")}
        events = [event for event in wanted if event.endswith(":*") or not event.startswith(tuple(broad))]
        self.events["Storage"] = {"Type": "S3", "Properties": {"Bucket": {"Ref": bucket_id}, "Events": events}}
        shown = name or "a new bucket (--option bucket=NAME names it)"
        for binding, event, _ in storage:
            self.lines.append(f"event {binding.pattern} -> S3 notification {event} from {shown}; "
                              f"{self._ends(binding)}")

    # ------------------------------------------------------------------ outbound
    def _publish(self, target: packaging.PublishTarget) -> None:
        why = ", ".join(target.reasons)
        if not is_logical_name(target.name):
            native = parse_target(target.name)
            arn = native.address if native.address.startswith("arn:") else _queue_url_arn(target.name)
            self.publishes.append((PUBLISH[native.service], arn))
            self.lines.append(f"{why} -> {native.service.upper()} {arn} (native): may "
                              f"{', '.join(PUBLISH[native.service])}")
            return
        service = {"topic": "sns", "queue": "sqs", "events": "events"}[target.channel]
        where = f"destination {target.name!r}"
        if service == "sqs":
            resource = self._sqs(target.name, where)
        elif service == "events" and target.name == "default":
            bus = {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"}
            resource = _Resource("events", "default", "", bus, created=False, fifo=False)
        else:
            resource = self._named(service, target.name, where)
        self.publishes.append((PUBLISH[service], resource.arn))
        kind = {"sns": "SNS topic", "sqs": "SQS queue", "events": "EventBridge bus"}[service]
        self.lines.append(f"{why} -> {kind} {resource.shown}: may {', '.join(PUBLISH[service])}")

    def _async_failures(self) -> dict[str, Any] | None:
        if not self.asynchronous:
            return None
        name = _derived(self.app.service.name, "-async-failures", False, clean=True)
        failures = self._sqs(name, "the asynchronous sources")
        self.publishes.append((ON_FAILURE, failures.arn))
        self.lines.append(
            f"asynchronous sources ({', '.join(self.asynchronous)}) -> EventInvokeConfig: "
            f"{self.async_retries} retries, then the event goes to SQS queue {failures.shown}"
        )
        return {
            "MaximumRetryAttempts": self.async_retries,
            "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": failures.arn}},
        }

    # ------------------------------------------------------------------ resources
    def _sqs(self, name: str, where: str) -> _Resource:
        return self._named("sqs", name, where)

    def _named(self, service: str, name: str, where: str) -> _Resource:
        found = self.named.get((service, name))
        if found is not None:
            return found
        _check_name(service, name, where)
        fifo = name.endswith(".fifo") and service in ("sqs", "sns")
        suffix = {"sqs": "Queue", "sns": "Topic", "events": "Bus", "kinesis": "Stream"}[service]
        logical_id = self._unique_id(_camel(name) + suffix)
        if name in self.existing:
            self.used_existing.add(name)
            kind = {"sqs": "SQS queue", "sns": "SNS topic", "events": "EventBridge bus",
                    "kinesis": "Kinesis stream"}[service]
            tail = {"sqs": re.escape(name), "sns": re.escape(name), "events": f"event-bus/{re.escape(name)}",
                    "kinesis": f"stream/{re.escape(name)}"}[service]
            parameter = logical_id + "Arn"
            self.parameters[parameter] = {
                "Type": "String",
                "Description": f"ARN of the existing {kind} {name} (in this stack's region and account: the "
                               "function resolves the name there)",
                "AllowedPattern": rf"^arn:aws[a-z-]*:{service}:[a-z0-9-]+:\d{{12}}:{tail}$",
            }
            resource = _Resource(service, name, parameter, {"Ref": parameter}, created=False, fifo=fifo)
        else:
            self.resources[logical_id] = _create(service, name, fifo)
            arn: Any = {"Ref": logical_id} if service == "sns" else {"Fn::GetAtt": [logical_id, "Arn"]}
            resource = _Resource(service, name, logical_id, arn, created=True, fifo=fifo)
        self.named[(service, name)] = resource
        return resource

    def _parameter(self, service: str, name: str, suffix: str, description: str, pattern: str) -> _Resource:
        found = self.named.get((service, name))
        if found is not None:
            return found
        parameter = self._unique_id(_camel(name) + suffix)
        self.parameters[parameter] = {"Type": "String", "Description": description, "AllowedPattern": pattern}
        self.used_existing.add(name)
        resource = _Resource(service, name, parameter, {"Ref": parameter}, created=False, fifo=False)
        self.named[(service, name)] = resource
        return resource

    def _finish_queues(self) -> None:
        """Source queues get their redrive policy (and dead-letter queue) and a visibility timeout
        of six function timeouts, as Lambda asks of queues it reads."""
        for logical_id, dead_letter in self.redriven.items():
            keeper = self._sqs(dead_letter, "a redrive policy")
            if not keeper.created:
                raise PackageError(f"{dead_letter} keeps a queue's redriven messages, so it must be created "
                                   "here; leave it out of --option existing")
            properties = self.resources[logical_id]["Properties"]
            properties["RedrivePolicy"] = {
                "deadLetterTargetArn": keeper.arn, "maxReceiveCount": self.max_receives,
            }
            properties["VisibilityTimeout"] = min(43200, max(30, 6 * self.timeout))

    def _unique_id(self, wanted: str) -> str:
        taken = set(self.resources) | set(self.parameters) | {r.logical_id for r in self.named.values()}
        taken |= {self.function, f"{self.function}Role", "StorageBucket"}
        candidate, number = wanted[:200], 2
        while candidate in taken:
            candidate, number = f"{wanted[:200]}{number}", number + 1
        return candidate

    def _event_id(self, name: str, suffix: str) -> str:
        wanted, number = (_camel(name) or "Source") + suffix, 2
        candidate = wanted
        while candidate in self.events:
            candidate, number = f"{wanted}{number}", number + 1
        return candidate

    def _ends(self, binding: Any) -> str:
        """The states the binding's messages can end in, from the outcome table (see packaging)."""
        states = packaging.possible_states(self.app, binding)
        target = packaging.dead_letter_target(self.app, binding)
        words = {State.ACKNOWLEDGED: "acknowledged", State.RETRIED: "retried",
                 State.DEAD_LETTERED: f"dead-lettered into {target}", State.HANDED_BACK: "handed back"}
        parts = [words[state] for state in State if state in states]
        return "may end " + (", ".join(parts[:-1]) + " or " + parts[-1] if len(parts) > 1 else parts[0])


def _create(service: str, name: str, fifo: bool) -> dict[str, Any]:
    if service == "sqs":
        properties: dict[str, Any] = {"QueueName": name, "MessageRetentionPeriod": RETENTION}
        if fifo:
            properties["FifoQueue"] = True
        return {"Type": "AWS::SQS::Queue", "Properties": properties}
    if service == "sns":
        topic: dict[str, Any] = {"TopicName": name, **({"FifoTopic": True} if fifo else {})}
        return {"Type": "AWS::SNS::Topic", "Properties": topic}
    if service == "events":
        return {"Type": "AWS::Events::EventBus", "Properties": {"Name": name}}
    stream = {"Name": name, "StreamModeDetails": {"StreamMode": "ON_DEMAND"}}
    return {"Type": "AWS::Kinesis::Stream", "Properties": stream}


def _check_name(service: str, name: str, where: str) -> None:
    bare = name[:-5] if name.endswith(".fifo") and service in ("sqs", "sns") else name
    rule, what = {
        "sqs": (_SQS_NAME, "an SQS queue name: 1-80 letters, digits, '-' or '_' (FIFO: ending in .fifo)"),
        "sns": (_SNS_NAME, "an SNS topic name: letters, digits, '-' or '_' (FIFO: ending in .fifo)"),
        "events": (_BUS_NAME, "an EventBridge bus name: letters, digits, '.', '-' or '_'"),
        "kinesis": (_KINESIS_NAME, "a Kinesis stream name: 1-128 letters, digits, '.', '-' or '_'"),
    }[service]
    if not rule.match(bare) or (service == "sqs" and len(name) > 80):
        raise PackageError(f"{where}: {name!r} is not {what}; rename it in the startup file")


def _derived(name: str, suffix: str, fifo: bool, *, clean: bool = False) -> str:
    """`orders-inbox` -> `orders-inbox-dlq` (FIFO stays FIFO); shortened with a hash to fit 80."""
    base = name[:-5] if name.endswith(".fifo") else name
    if clean:
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-") or "portside"
    tail = suffix + (".fifo" if fifo else "")
    if len(base) + len(tail) > 80:
        digest = hashlib.sha256(base.encode()).hexdigest()[:8]
        base = f"{base[:80 - len(tail) - 9]}-{digest}"
    return base + tail


def _queue_url_arn(url: str) -> str:
    native = parse_target(url)
    account, name = url.split("://", 1)[1].split("/")[1:3]
    if native.region is None:
        raise PackageError(f"cannot tell the region of queue {url}; name it by its ARN instead")
    partition = "aws-cn" if ".amazonaws.com.cn" in url else "aws"
    return f"arn:{partition}:sqs:{native.region}:{account}:{name}"


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


__all__ = ["ON_FAILURE", "OPTIONS", "PUBLISH", "package"]
