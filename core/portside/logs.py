"""Structured JSON logging with the correlation id on every line.

Levels are names (`logs.log(ERROR, ...)`, `logs.log("error", ...)`); numbers are still accepted
while callers move over. Messages take the stdlib's %-arguments (`"%s items", 3`), formatted
only when the line is emitted; keyword arguments become fields of the JSON line.

`logging` is imported only when something is about to be logged, so a clean cold start never
pays for it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import logging

LOGGER_NAME = "portside"
LevelName = Literal["debug", "info", "warning", "error", "critical"]
Level = LevelName | int
DEBUG: LevelName = "debug"
INFO: LevelName = "info"
WARNING: LevelName = "warning"
ERROR: LevelName = "error"
CRITICAL: LevelName = "critical"
_NUMBERS: dict[str, int] = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}
_configured = False


def level_number(level: Level) -> int:
    """The stdlib number of a level name (numbers pass through)."""
    if isinstance(level, int):
        return level
    number = _NUMBERS.get(level) or _NUMBERS.get(str(level).lower())
    if number is None:
        raise ValueError(f"unknown log level {level!r}; use one of {', '.join(_NUMBERS)}")
    return number


def _formatter_class() -> type[logging.Formatter]:
    import logging

    class JsonFormatter(logging.Formatter):
        """One JSON object per line: level, logger, message, correlation id and extra fields."""

        def format(self, record: logging.LogRecord) -> str:
            entry: dict[str, Any] = {
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            }
            fields = getattr(record, "portside", None)
            if fields:
                entry.update(fields)
            if record.exc_info:
                entry["exception"] = self.formatException(record.exc_info)
            return json.dumps(entry, default=str)

    return JsonFormatter


def _stderr_handler_class() -> type[logging.Handler]:
    import logging

    class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
        """Writes to whatever sys.stderr is at emit time (test runners and hosts swap it)."""

        @property
        def stream(self) -> Any:
            return sys.stderr

        @stream.setter
        def stream(self, value: Any) -> None:
            pass

    return StderrHandler


def get_logger(name: str = LOGGER_NAME) -> logging.Logger:
    """The portside logger; configured once with a JSON handler unless the user configured one."""
    import logging

    global _configured
    logger = logging.getLogger(name)
    if not _configured:
        _configured = True
        root = logging.getLogger(LOGGER_NAME)
        if not root.handlers:
            handler = _stderr_handler_class()()
            handler.setFormatter(_formatter_class()())
            root.addHandler(handler)
            root.propagate = False
        level = os.environ.get("PORTSIDE_LOG_LEVEL", "INFO").upper()
        root.setLevel(level)
    return logger


def log(level: Level, message: str, *args: Any, **fields: Any) -> None:
    """Log `message % args` at `level` (a name such as ERROR, or a stdlib number) with
    structured `fields` (correlation_id, topic, status, ...); `exc_info=` adds a traceback."""
    number = level_number(level)
    logger = get_logger()
    if logger.isEnabledFor(number):
        exc_info = fields.pop("exc_info", None)
        text = _format(message, args) if args else message
        logger.log(number, text, extra={"portside": fields}, exc_info=exc_info)


def _format(message: str, args: tuple[Any, ...]) -> str:
    """`message % args` as the stdlib does it, formatted here so that arguments that do not fit
    the message are shown in the line instead of failing in every handler of the logger."""
    values: Any = args[0] if len(args) == 1 and isinstance(args[0], Mapping) and args[0] else args
    try:
        return str(message % values)
    except (TypeError, ValueError, KeyError):
        return f"{message} (log arguments did not match the message: {args!r})"


def debug_enabled() -> bool:
    return os.environ.get("PORTSIDE_LOG_LEVEL", "").upper() == "DEBUG"


class ContextLogger:
    """A logger bound to one message's correlation id, handed to handlers via `Context.logger`.

    Like a stdlib logger: `ctx.logger.info("reserved %d of %s", qty, sku)`; keyword arguments
    are extra fields of the line (`ctx.logger.info("reserved", sku=sku)`).
    """

    __slots__ = ("_fields",)

    def __init__(self, **fields: Any) -> None:
        self._fields = fields

    def log(self, level: Level, message: str, *args: Any, **fields: Any) -> None:
        log(level, message, *args, **{**self._fields, **fields})

    def debug(self, message: str, *args: Any, **fields: Any) -> None:
        self.log(DEBUG, message, *args, **fields)

    def info(self, message: str, *args: Any, **fields: Any) -> None:
        self.log(INFO, message, *args, **fields)

    def warning(self, message: str, *args: Any, **fields: Any) -> None:
        self.log(WARNING, message, *args, **fields)

    def error(self, message: str, *args: Any, **fields: Any) -> None:
        self.log(ERROR, message, *args, **fields)

    def critical(self, message: str, *args: Any, **fields: Any) -> None:
        self.log(CRITICAL, message, *args, **fields)

    def exception(self, message: str, *args: Any, **fields: Any) -> None:
        """An error line with the traceback of the exception being handled."""
        self.log(ERROR, message, *args, **{**fields, "exc_info": True})
