"""`portside package main.py --cloud gcp --out DIR`: the source folder and a deploy script.

DIR/source is what `gcloud functions deploy --source` uploads (main.py, requirements.txt, the
service, portside and portside_gcp vendored). DIR/deploy.sh deploys it with `gcloud`, following
the adapter's own rules (README: "What each binding becomes", "Security", "Outcomes"):

- HTTP bindings: one public function serving HTTP only (`PORTSIDE_GCP_SERVE=http`); events
  share the code but never a public URL, so they are separate, private deployments;
- `subscription(name)`: a function per topic (`--trigger-topic`), deployed with `--retry`;
- storage and other events: a function per type (`--trigger-event-filters`, Eventarc), `--retry`;
- `queue(name)`: the Pub/Sub push subscription `name` on its topic (gcp `topic`, default the
  queue's name), pushing to a private events function with an invoker service account;
- `schedule(name)`: a Cloud Scheduler job publishing to the schedule's topic with the
  `portside-schedule` attribute, pushed to the events function like a queue;
- what is handed back or retried stays with Pub/Sub, so every subscription above (the push
  subscriptions and the triggers' own) gets a dead-letter topic, `--max-delivery-attempts` and
  the Pub/Sub service agent's rights to use them, and each dead-letter topic a subscription
  that keeps its messages;
- the functions run as a service account of their own that may publish only to the topics the
  service declares (destinations and dead-letter targets).

The script is idempotent: it creates what is missing and updates what exists.
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
    packaging,
)

from . import options as gcp_options
from .publisher import is_topic_path
from .schedules import to_unix_cron

OPTIONS = {
    "region": "the default region of the deployments (default us-central1; REGION overrides it)",
    "memory": "memory of each function, e.g. 512Mi (default 256Mi)",
    "timeout": "seconds per request, 1-3600 (default 60)",
    "runtime": "the Cloud Functions runtime (default: python of portside's minimum version)",
    "bucket": "the Cloud Storage bucket storage events come from (else BUCKET when deploying)",
    "max_delivery_attempts": "deliveries before Pub/Sub dead-letters a message, 5-100 (default 5)",
}
STORAGE_TYPES = {OBJECT_CREATED: "google.cloud.storage.object.v1.finalized",
                 OBJECT_DELETED: "google.cloud.storage.object.v1.deleted"}
_STORAGE_PREFIX = "google.cloud.storage.object.v1."
_PUBSUB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$")
_JOB_NAME = re.compile(r"^[A-Za-z0-9_-]{1,500}$")
_MEMORY = re.compile(r"^\d+(Mi|Gi|M|G)$")


def package(app: App, out: Path, options: Mapping[str, str]) -> PackageReport:
    """Write DIR/source and DIR/deploy.sh; report what each binding became."""
    settings = packaging.Options(options, OPTIONS)
    script = _Script(app, settings)
    text = script.render()
    folder = packaging.prepare_out(out, app)
    files = packaging.write_source(
        app, folder, adapter_package="portside_gcp", into="source",
        extras=("gcp", "gcp-publish") if packaging.publish_targets(app) else ("gcp",),
    )
    files += _main_py(app, folder / "source")
    deploy = folder / "deploy.sh"
    deploy.write_text(text)
    deploy.chmod(0o755)
    needs = "".join(f"{name}=<{what}> " for name, what in script.required)
    next_command = f"cd {shlex.quote(str(out))} && {needs}./deploy.sh"
    return PackageReport([Path("deploy.sh"), *files], script.lines, next_command)


def _main_py(app: App, source: Path) -> list[Path]:
    """Cloud Functions imports main.py: a startup file named otherwise gets a main.py importing it."""
    startup = packaging.startup_file(app)
    if startup.name == "main.py":
        return []
    if (startup.parent / "main.py").exists():
        raise PackageError(
            f"Cloud Functions imports main.py, and {startup.parent / 'main.py'} is not the startup file "
            f"{startup.name}; rename one of them"
        )
    entry = packaging.entry_name(app)
    shim = f"from {startup.stem} import {entry}  # noqa: F401  (Cloud Functions imports main.py)\n"
    (source / "main.py").write_text(shim)
    return [Path("source/main.py")]


def _q(value: str) -> str:
    return shlex.quote(value)


class _Script:
    """Builds deploy.sh: a preamble of settings and helpers, then one block per resource."""

    def __init__(self, app: App, options: packaging.Options) -> None:
        self.app = app
        self.service = _slug(app.service.name) or "service"
        self.runner = _account(self.service, "run")
        self.invoker = _account(self.service, "invoker")
        self.region = options.text("region", "us-central1")
        self.memory = options.text("memory", "256Mi")
        if not _MEMORY.match(self.memory):
            raise PackageError(f"--option memory={self.memory}: write the memory as e.g. 256Mi or 1Gi")
        self.timeout = options.integer("timeout", 60, 1, 3600)
        self.runtime = options.text("runtime", "python" + packaging.minimum_python().replace(".", ""))
        self.bucket = options.text("bucket", "")
        self.attempts = options.integer("max_delivery_attempts", 5, 5, 100)
        self.entry = packaging.entry_name(app)
        self.blocks: list[str] = []
        self.lines: list[str] = []
        self.required: list[tuple[str, str]] = [("PROJECT", "your project id")]
        self.functions: set[str] = set()
        self.events_function = ""

    # ------------------------------------------------------------------ the script
    def render(self) -> str:
        http = [b for b in self.app.bindings if b.kind == "http"]
        inbound = self.app.bindings.inbound()
        if http:
            self._http(http)
        if any(isinstance(b, (QueueBinding, ScheduleBinding)) for b in inbound) or any(
            isinstance(b, EventBinding) and _storage_type(b.pattern) is None for b in inbound
        ):
            self._events_function()
        for binding in inbound:
            if isinstance(binding, QueueBinding):
                self._queue(binding)
            elif isinstance(binding, SubscriptionBinding):
                self._subscription(binding)
            elif isinstance(binding, ScheduleBinding):
                self._schedule(binding)
            elif isinstance(binding, EventBinding):
                self._event(binding)
        publish = self._publishing()
        self.lines.insert(0, (
            f"functions {', '.join(sorted(self.functions))}: {self.runtime}, entry point {self.entry}, "
            f"{self.memory}, {self.timeout} s, running as {self.runner}, which may publish only to "
            f"{publish} topic(s)"
        ))
        return _PREAMBLE.format(
            service=self.service, name=packaging.startup_file(self.app).name, region=_q(self.region),
            runtime=_q(self.runtime), memory=_q(self.memory), timeout=self.timeout, attempts=self.attempts,
            entry=_q(self.entry), bucket=self._bucket_line(), runner=self.runner, invoker=self.invoker,
        ) + (_STORAGE if self._storage() else "") + "".join(self.blocks)

    def _storage(self) -> bool:
        inbound = self.app.bindings.inbound()
        return any(isinstance(b, EventBinding) and _storage_type(b.pattern) for b in inbound)

    def _bucket_line(self) -> str:
        if not self._storage():
            return ""
        if self.bucket:
            line = f'BUCKET="${{BUCKET:-{self.bucket}}}"\n'
        else:
            self.required.append(("BUCKET", "the bucket storage events come from"))
            line = 'BUCKET="${BUCKET:?set BUCKET to the bucket whose objects trigger storage events}"\n'
        return line

    def _function(self, suffix: str) -> str:
        name = _function_name(self.service, suffix)
        if name in self.functions:
            name = _function_name(self.service, f"{suffix}-{len(self.functions)}")
        self.functions.add(name)
        return name

    def _deploy(self, function: str, serve: str, trigger: list[str], *, retry: bool) -> str:
        """One `gcloud functions deploy`; an event trigger delivers as the invoker account."""
        event = not trigger[0].startswith("--trigger-http")
        flags = [*trigger, *(['--trigger-service-account="$INVOKER"'] if event else []),
                 *(["--retry"] if retry else [])]
        return f"deploy_function {function} {serve} {' '.join(flags)}\n" + (
            f"allow_invoker {function}\n" if event else "")

    # ------------------------------------------------------------------ HTTP and the events function
    def _http(self, bindings: list[Any]) -> None:
        function = self._function("http")
        self.blocks.append(
            "\n# HTTP: public, serving HTTP only (a forged event is an unbound path there: 404)\n"
            + self._deploy(function, "http", ["--trigger-http", "--allow-unauthenticated"], retry=False)
        )
        for binding in bindings:
            self.lines.append(f"http {binding.name} -> function {function} (public, PORTSIDE_GCP_SERVE=http)")

    def _events_function(self) -> None:
        self.events_function = function = self._function("events")
        self.blocks.append(
            "\n# Events pushed by Pub/Sub, Cloud Scheduler and Eventarc: private, events only; the invoker\n"
            "# service account is the only caller\n"
            + self._deploy(function, "events", ["--trigger-http", "--no-allow-unauthenticated"], retry=False)
            + f"allow_invoker {function}\n"
            + f'EVENTS_URL="$(function_url {function})"\n'
        )

    # ------------------------------------------------------------------ inbound
    def _queue(self, binding: QueueBinding) -> None:
        where = f"queue({binding.name!r})"
        topic = gcp_options.queue_topic(binding) or binding.name
        _check_pubsub(binding.name, where, "subscription")
        _check_pubsub(topic, where, "topic")
        dead = _derived(binding.name, "-dead-letter")
        ordered = " --enable-message-ordering" if binding.ordered else ""
        self.blocks.append(
            f"\n# queue {binding.name}: the push subscription {binding.name} on topic {topic}\n"
            f"ensure_topic {_q(topic)}\n"
            f'push_subscription {_q(binding.name)} {_q(topic)} "$EVENTS_URL/"{ordered}\n'
            + self._keep(_q(binding.name), dead, binding)
        )
        self.lines.append(
            f"queue {binding.name} -> Pub/Sub push subscription {binding.name} on topic {topic}"
            f"{' (ordered)' if binding.ordered else ''} to function {self.events_function}; "
            f"{self._kept(dead, binding)}; {self._ends(binding)}"
        )

    def _subscription(self, binding: SubscriptionBinding) -> None:
        where = f"subscription({binding.name!r})"
        _check_pubsub(binding.name, where, "topic")
        function = self._function(binding.name)
        retry = packaging.gives_back(self.app, binding)
        dead = _derived(f"{binding.name}-{self.service}", "-dead-letter")
        self.blocks.append(
            f"\n# subscription {binding.name}: a function triggered by the topic (an Eventarc trigger and its\n"
            "# push subscription)\n"
            f"ensure_topic {_q(binding.name)}\n"
            + self._deploy(function, "events", [f"--trigger-topic={_q(binding.name)}"], retry=retry)
            + self._keep(f'"$(trigger_subscription {function})"', dead, binding)
        )
        self.lines.append(
            f"subscription {binding.name} -> function {function} (--trigger-topic={binding.name}"
            f"{', --retry' if retry else ''}); {self._kept(dead, binding)}; {self._ends(binding)}"
        )

    def _schedule(self, binding: ScheduleBinding) -> None:
        where = f"schedule({binding.name!r})"
        if not _JOB_NAME.match(binding.name):
            raise PackageError(f"{where}: Cloud Scheduler job names are letters, digits, '-', '_'; rename it")
        topic = gcp_options.schedule_topic(binding)
        _check_pubsub(topic, where, "topic")
        cron = to_unix_cron(binding.expression)
        subscription = _derived(topic, "-push")
        dead = _derived(topic, "-dead-letter")
        self.blocks.append(
            f"\n# schedule {binding.name}: a Cloud Scheduler job publishing its ticks to topic {topic}\n"
            f"ensure_topic {_q(topic)}\n"
            f"scheduler_job {_q(binding.name)} {_q(cron)} {_q(topic)}\n"
            f'push_subscription {_q(subscription)} {_q(topic)} "$EVENTS_URL/"\n'
            + self._keep(_q(subscription), dead, binding)
        )
        self.lines.append(
            f"schedule {binding.name} -> Cloud Scheduler job {binding.name} ({cron}, Etc/UTC) publishing to "
            f"topic {topic}, pushed to function {self.events_function} by subscription {subscription}; "
            f"{self._kept(dead, binding)}; {self._ends(binding)}"
        )

    def _event(self, binding: EventBinding) -> None:
        pattern = binding.pattern
        where = f"event({pattern!r})"
        if any(ch in pattern for ch in "*?["):
            raise PackageError(
                f"{where}: an Eventarc trigger matches one event type exactly; bind each type, e.g. "
                "event('google.cloud.storage.object.v1.finalized', ...)"
            )
        kind = _storage_type(pattern)
        retry = packaging.gives_back(self.app, binding)
        if kind is not None:
            function = self._function(pattern.rsplit(".", 1)[-1] if pattern.startswith("google.") else
                                      pattern.replace("storage.object.", "objects-"))
            dead = _derived(f"{function}", "-dead-letter")
            trigger = [f"--trigger-event-filters=type={kind}", '--trigger-event-filters=bucket="$BUCKET"',
                       '--trigger-location="$BUCKET_LOCATION"']
            self.blocks.append(
                f"\n# event {pattern}: a function triggered by {kind} in the bucket (Eventarc)\n"
                + self._deploy(function, "events", trigger, retry=retry)
                + self._keep(f'"$(trigger_subscription {function})"', dead, binding)
            )
            self.lines.append(
                f"event {pattern} -> function {function} (Eventarc: {kind} in bucket "
                f"{self.bucket or '$BUCKET'}{', --retry' if retry else ''}); {self._kept(dead, binding)}; "
                f"{self._ends(binding)}"
            )
            return
        name = _function_name(self.service, pattern.replace(".", "-"))
        dead = _derived(name, "-dead-letter")
        self.blocks.append(
            f"\n# event {pattern}: an Eventarc trigger to the events function. Add the filters this event\n"
            f"# type needs (e.g. --event-filters=database=... for Firestore) to eventarc_trigger below.\n"
            f"eventarc_trigger {name} {self.events_function} {_q(pattern)}\n"
            + self._keep(f'"$(eventarc_subscription {name})"', dead, binding)
        )
        self.lines.append(
            f"event {pattern} -> Eventarc trigger {name} ({pattern}) to function {self.events_function} "
            f"(add the filters the type needs); {self._kept(dead, binding)}; {self._ends(binding)}"
        )

    # ------------------------------------------------------------------ keeping and publishing
    def _keep(self, subscription: str, dead: str, binding: Any) -> str:
        """What keeps what this binding gives back: a dead-letter topic on its subscription."""
        if not packaging.gives_back(self.app, binding):
            return ""
        return f"keep_failures {subscription} {_q(dead)}\n"

    def _kept(self, dead: str, binding: Any) -> str:
        if not packaging.gives_back(self.app, binding):
            return "nothing is given back"
        return (f"after {self.attempts} deliveries Pub/Sub moves a message to topic {dead} "
                f"(kept by subscription {dead}-kept)")

    def _publishing(self) -> int:
        targets = packaging.publish_targets(self.app)
        for target in targets:
            name = target.name
            if is_topic_path(name):
                topic = name
            else:
                _check_pubsub(name, f"destination {name!r}", "topic")
                topic = name
            dead_letters = any(reason.startswith("dead letters") for reason in target.reasons)
            self.blocks.append(
                f"\n# {', '.join(target.reasons)}: topic {name}\n"
                + (f"ensure_topic {_q(name)}\n" if not is_topic_path(name) else "")
                + (f"ensure_subscription {_q(name + '-kept')} {_q(name)}\n" if dead_letters and
                   not is_topic_path(name) else "")
                + f"allow_publish {_q(topic)}\n"
            )
            kept = f" (kept by subscription {name}-kept)" if dead_letters and not is_topic_path(name) else ""
            self.lines.append(
                f"{', '.join(target.reasons)} -> Pub/Sub topic {name}{kept}: {self.runner} may publish "
                "(roles/pubsub.publisher on it)"
            )
        return len(targets)

    def _ends(self, binding: Any) -> str:
        states = packaging.possible_states(self.app, binding)
        target = packaging.dead_letter_target(self.app, binding)
        words = {State.ACKNOWLEDGED: "acknowledged (200)", State.RETRIED: "retried (503)",
                 State.DEAD_LETTERED: f"dead-lettered into {target} (200)",
                 State.HANDED_BACK: "handed back (500)"}
        parts = [words[state] for state in State if state in states]
        return "may end " + (", ".join(parts[:-1]) + " or " + parts[-1] if len(parts) > 1 else parts[0])


def _storage_type(pattern: str) -> str | None:
    if pattern in STORAGE_TYPES:
        return STORAGE_TYPES[pattern]
    return pattern if pattern.startswith(_STORAGE_PREFIX) else None


def _check_pubsub(name: str, where: str, what: str) -> None:
    if not _PUBSUB_NAME.match(name) or name.lower().startswith("goog"):
        raise PackageError(
            f"{where}: {name!r} is not a Pub/Sub {what} name (3-255 characters, starting with a letter, not "
            "with 'goog'; letters, digits, '-', '_', '.', '~', '+', '%'); rename it in the startup file"
        )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _function_name(service: str, suffix: str) -> str:
    """`<service>-<suffix>`: lowercase letters, digits and '-', a letter first, 63 at most."""
    name = f"{service}-{_slug(suffix)}".strip("-")
    if not name[:1].isalpha():
        name = "f-" + name
    if len(name) > 63:
        name = f"{name[:54].rstrip('-')}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return name


def _account(service: str, role: str) -> str:
    """A service account id: 6-30 lowercase letters, digits and '-', a letter first."""
    base = service if service[:1].isalpha() else f"p-{service}"
    name = f"{base[:29 - len(role)].rstrip('-')}-{role}"
    return name if len(name) >= 6 else f"{name}-sa"


def _derived(name: str, suffix: str) -> str:
    if len(name) + len(suffix) <= 255:
        return name + suffix
    return f"{name[:230]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}{suffix}"


_PREAMBLE = """\
#!/usr/bin/env bash
# Deploys the {service} service to Google Cloud. Generated by
# `portside package {name} --cloud gcp`: regenerate it rather than edit it.
#
#   PROJECT=my-project [REGION=...] ./deploy.sh
#
# Idempotent: creates what is missing, updates what exists. Needs gcloud, logged in.
set -euo pipefail

PROJECT="${{PROJECT:?set PROJECT to your Google Cloud project id}}"
REGION="${{REGION:-{region}}}"
{bucket}RUNTIME={runtime}
MEMORY={memory}
TIMEOUT={timeout}s
MAX_DELIVERY_ATTEMPTS={attempts}
ENTRY_POINT={entry}
SOURCE="$(cd "$(dirname "$0")" && pwd)/source"
RUNNER="{runner}@$PROJECT.iam.gserviceaccount.com"   # what the functions run as
INVOKER="{invoker}@$PROJECT.iam.gserviceaccount.com"  # what delivers events to them
g() {{ gcloud --project="$PROJECT" --quiet "$@"; }}
exists() {{ g "$@" >/dev/null 2>&1; }}

ensure_account() {{  # <name>
  exists iam service-accounts describe "$1@$PROJECT.iam.gserviceaccount.com" \\
    || g iam service-accounts create "$1" --display-name="portside {service}: $1"
}}
ensure_topic() {{  # <topic>
  exists pubsub topics describe "$1" || g pubsub topics create "$1"
}}
ensure_subscription() {{  # <subscription> <topic>: a pull subscription that keeps a topic's messages
  exists pubsub subscriptions describe "$1" \\
    || g pubsub subscriptions create "$1" --topic="$2" --message-retention-duration=7d --expiration-period=never
}}
deploy_function() {{  # <name> <http|events> <trigger flags...>
  local name="$1" serve="$2"
  shift 2
  g functions deploy "$name" --gen2 --region="$REGION" --runtime="$RUNTIME" --source="$SOURCE" \\
    --entry-point="$ENTRY_POINT" --memory="$MEMORY" --timeout="$TIMEOUT" --service-account="$RUNNER" \\
    --set-env-vars="PORTSIDE_ADAPTER=gcp,PORTSIDE_GCP_SERVE=$serve,GOOGLE_CLOUD_PROJECT=$PROJECT" "$@"
}}
function_url() {{  # <function>
  g functions describe "$1" --gen2 --region="$REGION" --format='value(serviceConfig.uri)'
}}
allow_invoker() {{  # <function>: the invoker service account may call it
  g functions add-invoker-policy-binding "$1" --region="$REGION" --member="serviceAccount:$INVOKER"
}}
trigger_subscription() {{  # <function>: the Pub/Sub subscription behind its Eventarc trigger
  local trigger
  trigger="$(g functions describe "$1" --gen2 --region="$REGION" --format='value(eventTrigger.trigger)')"
  eventarc_subscription "${{trigger##*/}}"
}}
eventarc_subscription() {{  # <trigger>
  g eventarc triggers describe "$1" --location="$REGION" --format='value(transport.pubsub.subscription)'
}}
eventarc_trigger() {{  # <trigger> <function> <event type>
  allow_invoker "$2"
  exists eventarc triggers describe "$1" --location="$REGION" \\
    || g eventarc triggers create "$1" --location="$REGION" --destination-run-service="$2" \\
         --destination-run-region="$REGION" --destination-run-path=/ --event-filters="type=$3" \\
         --service-account="$INVOKER"
}}
push_subscription() {{  # <subscription> <topic> <endpoint> [flags...]
  local name="$1" topic="$2" endpoint="$3"
  shift 3
  if exists pubsub subscriptions describe "$name"; then
    g pubsub subscriptions update "$name" --push-endpoint="$endpoint" --push-auth-service-account="$INVOKER" \\
      --ack-deadline="$ACK_DEADLINE"
  else
    g pubsub subscriptions create "$name" --topic="$topic" --push-endpoint="$endpoint" \\
      --push-auth-service-account="$INVOKER" --ack-deadline="$ACK_DEADLINE" "$@"
  fi
}}
keep_failures() {{  # <subscription> <dead-letter topic>: what is given back ends in the topic, kept
  ensure_topic "$2"
  ensure_subscription "$2-kept" "$2"
  g pubsub topics add-iam-policy-binding "$2" --member="serviceAccount:$PUBSUB_AGENT" \\
    --role=roles/pubsub.publisher
  g pubsub subscriptions add-iam-policy-binding "$1" --member="serviceAccount:$PUBSUB_AGENT" \\
    --role=roles/pubsub.subscriber
  g pubsub subscriptions update "$1" --dead-letter-topic="$2" \\
    --max-delivery-attempts="$MAX_DELIVERY_ATTEMPTS" --min-retry-delay=10s --max-retry-delay=600s
}}
scheduler_job() {{  # <job> <unix-cron> <topic>
  if exists scheduler jobs describe "$1" --location="$REGION"; then
    g scheduler jobs update pubsub "$1" --location="$REGION" --schedule="$2" --time-zone=Etc/UTC \\
      --topic="$3" --message-body='{{}}' --update-attributes="portside-schedule=$1"
  else
    g scheduler jobs create pubsub "$1" --location="$REGION" --schedule="$2" --time-zone=Etc/UTC \\
      --topic="$3" --message-body='{{}}' --attributes="portside-schedule=$1"
  fi
}}
allow_publish() {{  # <topic>: the functions may publish to it, and to nothing else
  g pubsub topics add-iam-policy-binding "$1" --member="serviceAccount:$RUNNER" --role=roles/pubsub.publisher
}}

PROJECT_NUMBER="$(g projects describe "$PROJECT" --format='value(projectNumber)')"
PUBSUB_AGENT="service-$PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com"
ACK_DEADLINE=$(( {timeout} < 600 ? ({timeout} < 10 ? 10 : {timeout}) : 600 ))
g services enable cloudfunctions.googleapis.com run.googleapis.com cloudbuild.googleapis.com \\
  artifactregistry.googleapis.com eventarc.googleapis.com pubsub.googleapis.com cloudscheduler.googleapis.com
ensure_account {runner}
ensure_account {invoker}
g projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$INVOKER" \\
  --role=roles/eventarc.eventReceiver --condition=None >/dev/null
"""


_STORAGE = """\
# storage events: Eventarc triggers live where the bucket is, and Cloud Storage publishes them
BUCKET_LOCATION="$(g storage buckets describe "gs://$BUCKET" --format='value(location)')"
BUCKET_LOCATION="$(printf '%s' "$BUCKET_LOCATION" | tr '[:upper:]' '[:lower:]')"
g projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$(g storage service-agent)" \\
  --role=roles/pubsub.publisher --condition=None >/dev/null
"""

__all__ = ["OPTIONS", "package"]
