"""`portside package --cloud gcp` through the command line: deploy.sh passes `bash -n`, and run
against a stand-in `gcloud` (which records each call and answers the look-ups the script makes)
it issues the commands the adapter's rules ask for: HTTP public and events private, `--retry` on
event triggers, a dead-letter topic on every subscription that can give a message back, publish
rights on exactly the declared topics.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from portside import OUTCOMES, App, Delivery
from portside.bindings import QueueBinding, ScheduleBinding, SubscriptionBinding
from portside.startup import load_app
from portside_gcp.schedules import to_unix_cron
from tests.package.conftest import ORDERS, PIPELINE, Run, write_service

Portside = Callable[..., Run]
PROJECT = "shop-prod"
FUNCTION_URL = "https://events-abc123-uc.a.run.app"
FAKE_GCLOUD = f"""#!{sys.executable}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["GCLOUD_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
words = [a for a in args if not a.startswith("--")]
fmt = next((a.split("=", 1)[1] for a in args if a.startswith("--format=")), "")
if words[-2:] == ["describe", "{PROJECT}"] and "projectNumber" in fmt:
    print("123456789012")
elif "serviceConfig.uri" in fmt:
    print("{FUNCTION_URL}")
elif "eventTrigger.trigger" in fmt:
    print("projects/{PROJECT}/locations/us-central1/triggers/" + words[2] + "-999")
elif "transport.pubsub.subscription" in fmt:
    print("projects/{PROJECT}/subscriptions/eventarc-" + words[3])
elif words[:2] == ["storage", "service-agent"]:
    print("service-123456789012@gs-project-accounts.iam.gserviceaccount.com")
elif "location" in fmt:
    print("US-CENTRAL1")
elif "describe" in words:
    sys.exit(1)  # nothing exists yet: the script creates it
"""


class Deployed:
    """The gcloud calls deploy.sh made, each as its argument list."""

    def __init__(self, calls: list[list[str]]) -> None:
        self.calls = calls

    def of(self, *words: str) -> list[list[str]]:
        """Calls whose leading words (after the global flags) are `words`."""
        return [call for call in self.calls if [w for w in call if not w.startswith("--")][: len(words)]
                == list(words)]

    def flags(self, call: list[str]) -> dict[str, str]:
        return dict(a[2:].split("=", 1) if "=" in a else (a[2:], "") for a in call if a.startswith("--"))

    def deployment(self, name: str) -> dict[str, str]:
        [call] = [c for c in self.of("functions", "deploy") if name in c]
        return self.flags(call)

    def dead_letter_of(self, subscription: str) -> dict[str, str]:
        """The dead-letter settings the script gave a subscription (short name or path)."""
        found = [self.flags(c) for c in self.of("pubsub", "subscriptions", "update")
                 if any(a == subscription or a.endswith("/" + subscription) for a in c)
                 and "--dead-letter-topic" in " ".join(c)]
        assert len(found) == 1, (subscription, self.calls)
        return found[0]


def deploy(folder: Path, tmp_path: Path, **environment: str) -> Deployed:
    """Run DIR/deploy.sh with the stand-in gcloud first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    gcloud = bin_dir / "gcloud"
    gcloud.write_text(FAKE_GCLOUD)
    gcloud.chmod(gcloud.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "gcloud.log"
    log.write_text("")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GCLOUD_LOG": str(log),
           "PROJECT": PROJECT, **environment}
    done = subprocess.run(["bash", str(folder / "deploy.sh")], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return Deployed([json.loads(line) for line in log.read_text().splitlines()])


@pytest.fixture(params=["orders", "pipeline"])
def packaged(request: pytest.FixtureRequest, portside: Portside, tmp_path: Path) -> tuple[App, Deployed, Run]:
    main = {"orders": ORDERS, "pipeline": PIPELINE}[request.param]
    out = tmp_path / "out"
    run = portside("package", main, "--cloud", "gcp", "--out", out, "--option", "region=europe-west1")
    assert run.code == 0, run.err
    syntax = subprocess.run(["bash", "-n", str(out / "deploy.sh")], capture_output=True, text=True, check=False)
    assert syntax.returncode == 0, syntax.stderr
    return load_app(main, adapter="gcp"), deploy(out, tmp_path, BUCKET="uploads"), run


def test_http_is_public_and_serves_only_http_while_events_are_private(
    packaged: tuple[App, Deployed, Run],
) -> None:
    app, deployed, _ = packaged
    deployments = {c[c.index("deploy") + 1]: deployed.flags(c) for c in deployed.of("functions", "deploy")}
    for name, flags in deployments.items():
        assert flags["gen2"] == "" and flags["region"] == "europe-west1" and flags["runtime"] == "python310"
        assert flags["entry-point"] == "handler"
        assert flags["service-account"].startswith(f"{app.service.name}-run@")
        serve = flags["set-env-vars"]
        assert serve.startswith("PORTSIDE_ADAPTER=gcp,PORTSIDE_GCP_SERVE=")
        public = "allow-unauthenticated" in flags
        assert public == ("PORTSIDE_GCP_SERVE=http" in serve), name  # only the HTTP function is public
        assert f"GOOGLE_CLOUD_PROJECT={PROJECT}" in serve
    http = [n for n, f in deployments.items() if "PORTSIDE_GCP_SERVE=http" in f["set-env-vars"]]
    assert len(http) == (1 if app.bindings.of_kind("http") else 0)
    assert all("no-allow-unauthenticated" in f or "trigger-http" not in f
               for n, f in deployments.items() if n not in http)


def test_every_binding_is_delivered_and_what_it_gives_back_is_kept(packaged: tuple[App, Deployed, Run]) -> None:
    app, deployed, _ = packaged
    assert any(row.delivery is Delivery.RETRY for row in OUTCOMES.values())  # every source can give back
    for binding in app.bindings.inbound():
        if isinstance(binding, QueueBinding):
            [created] = map(deployed.flags, deployed.of("pubsub", "subscriptions", "create", binding.name))
            assert created["topic"] == binding.name and created["push-endpoint"] == FUNCTION_URL + "/"
            assert created["push-auth-service-account"].startswith(f"{app.service.name}-invoker@")
            subscription = binding.name
        elif isinstance(binding, SubscriptionBinding):
            [flags] = [deployed.flags(c) for c in deployed.of("functions", "deploy")
                       if f"--trigger-topic={binding.name}" in c]
            assert "retry" in flags
            subscription = f"eventarc-{app.service.name}-{binding.name}-999"
        elif isinstance(binding, ScheduleBinding):
            [job] = map(deployed.flags, deployed.of("scheduler", "jobs", "create", "pubsub", binding.name))
            assert job["schedule"] == to_unix_cron(binding.expression) and job["time-zone"] == "Etc/UTC"
            assert job["attributes"] == f"portside-schedule={binding.name}" and job["topic"] == binding.name
            subscription = f"{binding.name}-push"
        else:
            [call] = [c for c in deployed.of("functions", "deploy")
                      if "--trigger-event-filters=type=google.cloud.storage.object.v1.finalized" in c]
            assert "--retry" in call and "--trigger-event-filters=bucket=uploads" in call
            assert "--trigger-location=us-central1" in call  # where the bucket is
            subscription = f"eventarc-{call[call.index('deploy') + 1]}-999"
        kept = deployed.dead_letter_of(subscription)
        assert kept["max-delivery-attempts"] == "5"
        dead = kept["dead-letter-topic"]
        assert deployed.of("pubsub", "topics", "create", dead)
        assert deployed.of("pubsub", "subscriptions", "create", f"{dead}-kept")  # a topic alone keeps nothing
        agent = "serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com"
        grants = deployed.of("pubsub", "topics", "add-iam-policy-binding", dead)
        assert [c for c in grants if f"--member={agent}" in c]


def test_the_functions_may_publish_to_exactly_the_declared_topics(packaged: tuple[App, Deployed, Run]) -> None:
    app, deployed, _ = packaged
    runner = f"serviceAccount:{app.service.name}-run@{PROJECT}.iam.gserviceaccount.com"
    grants = deployed.of("pubsub", "topics", "add-iam-policy-binding")
    granted = {c[c.index("add-iam-policy-binding") + 1] for c in grants if f"--member={runner}" in c}
    declared = {getattr(b, "target", "") for b in app.bindings.of_kind("destination")}
    declared |= {b.dead_letter for b in app.bindings.inbound()
                 if getattr(b, "dead_letter", None) not in (None, "drop", "hand-back")}
    assert granted == declared
    assert all(runner not in " ".join(c) for c in deployed.of("projects", "add-iam-policy-binding"))


def test_the_report_and_the_next_command(portside: Portside, tmp_path: Path) -> None:
    run = portside("package", PIPELINE, "--cloud", "gcp", "--out", tmp_path / "out")

    assert run.code == 0
    assert run.out.splitlines()[-1] == (
        f"next: cd {tmp_path / 'out'} && PROJECT=<your project id> "
        "BUCKET=<the bucket storage events come from> ./deploy.sh")
    assert run.lines[0].startswith(
        "functions pipeline-events, pipeline-objects-created, pipeline-pipeline-reports:")
    assert any(line.startswith("queue clicks -> Pub/Sub push subscription clicks on topic clicks to function "
                               "pipeline-events; after 5 deliveries Pub/Sub moves a message to topic "
                               "clicks-dead-letter") for line in run.lines)
    assert any(line.startswith("dead letters of queue clicks -> Pub/Sub topic clicks-dlq (kept by subscription "
                               "clicks-dlq-kept)") for line in run.lines)
    import re

    accounts = re.findall(r"^ensure_account (\S+)$", (tmp_path / "out" / "deploy.sh").read_text(), re.M)
    assert accounts == ["pipeline-run", "pipeline-invoker"]
    assert all(re.fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", account) for account in accounts)
    source = tmp_path / "out" / "source"
    assert (source / "main.py").is_file() and (source / "portside_gcp" / "plugin.py").is_file()
    requirements = (source / "requirements.txt").read_text()
    assert "functions-framework" in requirements and "google-cloud-pubsub" in requirements
    assert "portside" not in requirements


def test_the_source_folder_serves_through_the_functions_framework(portside: Portside, tmp_path: Path) -> None:
    """The vendored folder alone serves the service, as Cloud Functions loads it (main.py, target handler)."""
    out = tmp_path / "out"
    assert portside("package", ORDERS, "--cloud", "gcp", "--out", out).code == 0
    script = (
        "import json, functions_framework, portside\n"
        "app = functions_framework.create_app(target='handler', source='main.py')\n"
        "reply = app.test_client().get('/orders/nope')\n"
        "print(json.dumps({'from': portside.__file__, 'status': reply.status_code}))\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "PORTSIDE_"))}
    done = subprocess.run([sys.executable, "-c", script], cwd=out / "source", capture_output=True, text=True,
                          env={**environment, "PORTSIDE_ADAPTER": "gcp", "PORTSIDE_GCP_SERVE": "http"},
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.splitlines()[-1])
    assert Path(answer["from"]).resolve().is_relative_to((out / "source").resolve())
    assert answer["status"] == 404


@pytest.mark.parametrize(("bindings", "options", "says"), [
    ("event('google.cloud.storage.object.v1.*', 't.run')", [],
     "event('google.cloud.storage.object.v1.*'): an Eventarc trigger matches one event type exactly"),
    ("queue('q', 't.run')", [], "queue('q'): 'q' is not a Pub/Sub subscription name"),
    ("subscription('goog-events', 't.run')", [], "'goog-events' is not a Pub/Sub topic name"),
    ("queue('jobs', 't.run')", ["memory=lots"], "--option memory=lots: write the memory as e.g. 256Mi"),
    ("queue('jobs', 't.run')", ["max_delivery_attempts=3"], "use a whole number from 5 to 100"),
])
def test_what_google_cannot_express_is_refused_in_one_line(
    portside: Portside, tmp_path: Path, bindings: str, options: list[str], says: str
) -> None:
    main = write_service(tmp_path / "svc", bindings)
    flags = [flag for option in options for flag in ("--option", option)]
    run = portside("package", main, "--cloud", "gcp", "--out", tmp_path / "out", *flags)

    assert run.code == 2
    assert run.err.splitlines()[-1].startswith("portside: ") and says in run.err.splitlines()[-1]
    assert not (tmp_path / "out").exists()
