"""Structured JSON logging with the correlation id on every line.

`logging` is imported only when something is about to be logged, so a clean cold start never
pays for it.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging

LOGGER_NAME = "portside"
_configured = False


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


def log(level: int, message: str, **fields: Any) -> None:
    """Log `message` with structured `fields` (correlation_id, topic, status, ...)."""
    logger = get_logger()
    if logger.isEnabledFor(level):
        exc_info = fields.pop("exc_info", None)
        logger.log(level, message, extra={"portside": fields}, exc_info=exc_info)


def debug_enabled() -> bool:
    return os.environ.get("PORTSIDE_LOG_LEVEL", "").upper() == "DEBUG"


class ContextLogger:
    """A logger bound to one message's correlation id, handed to handlers via `Context.logger`."""

    __slots__ = ("_fields",)

    def __init__(self, **fields: Any) -> None:
        self._fields = fields

    def _log(self, level: int, message: str, fields: dict[str, Any]) -> None:
        log(level, message, **{**self._fields, **fields})

    def debug(self, message: str, **fields: Any) -> None:
        self._log(10, message, fields)

    def info(self, message: str, **fields: Any) -> None:
        self._log(20, message, fields)

    def warning(self, message: str, **fields: Any) -> None:
        self._log(30, message, fields)

    def error(self, message: str, **fields: Any) -> None:
        self._log(40, message, fields)

    def exception(self, message: str, **fields: Any) -> None:
        self._log(40, message, {**fields, "exc_info": True})
