"""Structured JSON logs with the request id on every line."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# NOTE: uvicorn adds ``color_message`` (the message with ANSI colours) to its records.
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


_LOGGED_MARK = "_haicap_logged"


def mark_logged(exc: BaseException) -> None:
    """Note on ``exc`` that it has been logged (with its traceback and request id)."""
    # NOTE: an exception type without __dict__ cannot be marked; it would be logged twice.
    with contextlib.suppress(AttributeError):
        setattr(exc, _LOGGED_MARK, True)


def already_logged(exc: BaseException | None) -> bool:
    """Whether :func:`mark_logged` was called on ``exc``."""
    return exc is not None and getattr(exc, _LOGGED_MARK, False) is True


class SkipLoggedErrors(logging.Filter):
    """Drop a record about an exception already logged with its request id (uvicorn's "Exception in ASGI application")."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not already_logged(record.exc_info[1] if record.exc_info else None)


def skip_logged_errors_in_server_log() -> None:
    """Put :class:`SkipLoggedErrors` on uvicorn's error logger (once), so an unhandled error is logged once."""
    server_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, SkipLoggedErrors) for f in server_log.filters):
        server_log.addFilter(SkipLoggedErrors())


def configure_logging(level: str = "INFO", service: str | None = None) -> None:
    """Send every log record, uvicorn's included, to stdout as JSON lines."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    if service:
        handler.addFilter(_ServiceFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    skip_logged_errors_in_server_log()


class _ServiceFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        return True
