"""The one logging setup: JSON lines on standard error, each with the request id of the request it belongs to.

``configure_logging`` is called by ``serve``, ``worker`` and the gunicorn configuration. ``REQUEST_ID`` is set
by the web layer for the time of a request, so every line logged meanwhile (the request line, a warning deep
in a use case) carries the same ``request_id`` as the ``X-Request-Id`` response header.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("notice_request_id", default=None)
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            line["request_id"] = request_id
        line.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED and k not in line})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def json_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    return handler


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on standard error for the root logger, at ``level`` (``NOTICE_LOG_LEVEL``), in place of the
    plain console handler ``notice-service`` starts with; idempotent."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.handlers[:] = [h for h in root.handlers if type(h) is not logging.StreamHandler]
        root.addHandler(json_handler())
    root.setLevel(level.upper())
