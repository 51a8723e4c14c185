"""A newcomer's `ctx.logger.info("%s", x)` works as with the stdlib; levels are names."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from portside import App, Context, HttpRequest, Service, http, logs
from portside.logs import ContextLogger


def lines(captured: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def app_logging(write: Callable[[ContextLogger, dict[str, Any]], None]) -> App:
    """An app whose handler logs with `write(ctx.logger, body)`."""
    service = Service("logging")

    @service.handler("log.it")
    def log_it(body: dict[str, Any], ctx: Context) -> dict[str, str]:
        write(ctx.logger, body)
        return {"logged": "yes"}

    return App(service, [http("POST /log", "log.it")], adapter="local")


def post(app: App, body: bytes = b'{"sku": "A1", "qty": 3}') -> int:
    return app.handle_http(HttpRequest("POST", "/log", body=body)).status


def test_percent_arguments_are_formatted_like_the_stdlib(capsys: pytest.CaptureFixture[str]) -> None:
    app = app_logging(lambda log, body: log.info("reserved %d of %s", body["qty"], body["sku"], order="o-1"))
    assert post(app) == 200
    [line] = [entry for entry in lines(capsys.readouterr().err) if entry["logger"] == "portside"]
    assert line["message"] == "reserved 3 of A1"
    assert line["level"] == "INFO" and line["order"] == "o-1" and line["topic"] == "log.it"
    assert line["correlation_id"]


def test_keyword_fields_alone_still_work_and_percent_without_args_is_literal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = app_logging(lambda log, body: log.warning("100% done", sku=body["sku"]))
    assert post(app) == 200
    [line] = lines(capsys.readouterr().err)
    assert line["message"] == "100% done" and line["sku"] == "A1" and line["level"] == "WARNING"


def test_arguments_that_do_not_fit_never_fail_the_handler(capsys: pytest.CaptureFixture[str]) -> None:
    app = app_logging(lambda log, body: log.error("%s and %s", "only one"))
    assert post(app) == 200
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Logging error" not in err
    [line] = lines(err)
    assert line["message"].startswith("%s and %s (log arguments did not match")


def test_exception_carries_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    service = Service("exc")

    @service.handler("log.it")
    def log_it(body: dict[str, Any], ctx: Context) -> None:
        try:
            dict[str, int]()["missing"]
        except KeyError:
            ctx.logger.exception("lookup failed for %s", body["sku"])

    app = App(service, [http("POST /log", "log.it")], adapter="local")
    assert post(app) == 204
    [line] = lines(capsys.readouterr().err)
    assert line["message"] == "lookup failed for A1" and line["level"] == "ERROR"
    assert "KeyError: 'missing'" in line["exception"]


@pytest.mark.parametrize("level", ["error", logs.ERROR, "ERROR", 40])
def test_log_levels_are_names_and_numbers_still_work(level: Any, capsys: pytest.CaptureFixture[str]) -> None:
    logs.log(level, "disk %s is full", "/tmp", host="h1")
    [line] = lines(capsys.readouterr().err)
    assert line == {"level": "ERROR", "logger": "portside", "message": "disk /tmp is full", "host": "h1"}


def test_debug_lines_are_filtered_by_level(capsys: pytest.CaptureFixture[str]) -> None:
    logs.log(logs.DEBUG, "noise")  # PORTSIDE_LOG_LEVEL defaults to INFO
    assert lines(capsys.readouterr().err) == []


def test_an_unknown_level_name_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown log level 'loud'; use one of debug, info, warning"):
        logs.log("loud", "x")  # type: ignore[arg-type]
