"""gunicorn's loggers as JSON lines (``logger_class`` of ``deploy/gunicorn.conf.py``).

Under gunicorn the access log is the one line per request (the app leaves its own request line to it): the same
fields as the app's line under waitress (``request_id`` from the ``X-Request-Id`` the app answered, ``method``,
``path``, ``status``, ``duration_ms``) plus the remote address and the bytes sent. Error-log lines (worker
starts, timeouts) are JSON too.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from notice_service.observability.logs import JsonFormatter


class JsonLogger(Logger):  # type: ignore[misc]
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        headers = {str(name).lower(): value for name, value in resp.headers}
        fields = {
            "request_id": headers.get("x-request-id"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "status": int(status),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "bytes": getattr(resp, "sent", None),
        }
        self.access_log.info("%s %s %s", fields["method"], fields["path"], fields["status"], extra=fields)
