"""The operator's endpoints and the request log.

- ``GET /readyz``: readiness. 200 when the database and the document store answer, else a 503 ``not-ready``
  problem whose ``checks`` name what is down (liveness, ``/healthz``, touches neither).
- ``GET /metrics``: Prometheus text exposition (``observability.metrics`` plus the figures the database holds,
  computed now). Open unless ``NOTICE_METRICS_TOKEN`` is set; then it wants ``Authorization: Bearer <token>``.
- Every request gets a request id (the caller's ``X-Request-Id`` when it is 1–128 visible ASCII characters,
  else a new UUID), echoed in the ``X-Request-Id`` response header and carried by every log line of the request;
  one JSON line per request is logged by ``notice_service.request`` (under gunicorn, by its JSON access log).
"""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Literal

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from pydantic import BaseModel

from notice_service.errors import NotReady, Unauthenticated
from notice_service.observability.logs import REQUEST_ID
from notice_service.observability.metrics import CONTENT_TYPE, exposition
from notice_service.services import Services
from notice_service.use_cases.dunning.progress_figures import run_progress
from notice_service.use_cases.operations import queue_figures, readiness
from notice_service.web.openapi import operation
from notice_service.web.responses import json_response

operations = Blueprint("operations", __name__)
request_log = logging.getLogger("notice_service.request")
_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")


class Ready(BaseModel):
    """The readiness answer: every dependency answered."""

    status: Literal["ready"]
    checks: dict[str, str]


def _services() -> Services:
    services: Services = current_app.extensions["notice_service"]
    return services


@operation(
    operations,
    "/readyz",
    "GET",
    "Readiness: the database and the document store",
    authenticated=False,
    response_model=Ready,
)
def ready() -> Response:
    """Readiness: 200 when the database and the store answer, else a 503 problem naming what is down."""
    checks = readiness(_services())
    found = {check.name: check.detail for check in checks}
    down = [check.name for check in checks if not check.ok]
    if down:
        raise NotReady(f"Not ready: {' and '.join(down)} down. {found}", extra={"checks": found, "down": down})
    return json_response(Ready, {"status": "ready", "checks": found})


def _scraped(services: Services) -> Iterator[Metric]:
    figures = queue_figures(services)
    yield GaugeMetricFamily("notice_outbox_depth", "Outbox messages not yet handled", value=figures.outbox_depth)
    yield GaugeMetricFamily(
        "notice_outbox_oldest_age_seconds",
        "Age of the oldest outbox message not yet handled (0 when empty)",
        value=figures.oldest_age_seconds,
    )
    issued = CounterMetricFamily("notice_letters_issued", "Letters issued, by kind (all tenants)", labels=["kind"])
    for kind, count in sorted(figures.issued_by_kind.items()):
        issued.add_metric([kind], count)
    yield issued
    yield from _run_progress(services)


def _run_progress(services: Services) -> Iterator[Metric]:
    """Run progress (issue 17): the open runs' items per state, and the runs per status."""
    progress = run_progress(services)
    items = GaugeMetricFamily("notice_run_items", "Items of the dunning runs still open, by state", labels=["state"])
    for state, count in progress.open_items_by_state.items():
        items.add_metric([state], count)
    yield items
    runs = GaugeMetricFamily("notice_runs", "Dunning runs, by status", labels=["status"])
    for status, count in progress.runs_by_status.items():
        runs.add_metric([status], count)
    yield runs


@operation(
    operations,
    "/metrics",
    "GET",
    "Prometheus metrics (text exposition format)",
    authenticated=False,
    response_media="text/plain",
)
def metrics() -> Response:
    """The metrics; with ``NOTICE_METRICS_TOKEN`` set, only for ``Authorization: Bearer <that token>``."""
    services = _services()
    token = services.settings.metrics_token
    if token is not None:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise Unauthenticated("Send the metrics token (NOTICE_METRICS_TOKEN) as 'Authorization: Bearer …'.")
    return Response(exposition(_scraped(services)), content_type=CONTENT_TYPE)


def _begin() -> None:
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else str(uuid.uuid4())
    g.request_started = time.perf_counter()
    REQUEST_ID.set(g.request_id)


def _end(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # a request that failed before _begin ran
        return response
    response.headers["X-Request-Id"] = request_id
    if str(request.environ.get("SERVER_SOFTWARE", "")).startswith("gunicorn"):
        return response  # gunicorn's JSON access log is the request's line (observability.gunicorn_logging)
    duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
    request_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "endpoint": request.endpoint,
        },
    )
    return response


def _forget(_error: BaseException | None) -> None:
    REQUEST_ID.set(None)


def register(app: Flask) -> None:
    """The request id and the request log line on every request (the id first, so a 401 carries one too)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_end)
    app.teardown_request(_forget)
