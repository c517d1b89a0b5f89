"""The service's Prometheus metrics, defined once, and their exposition.

Durations are histograms observed by the wrappers of ``instrumented`` (set up by ``bootstrap``); provider
errors are a counter any module may increment (``PROVIDER_ERRORS.labels(provider=…, operation=…).inc()``).
Figures that the database holds (letters issued per kind, outbox depth and the age of its oldest message) are
computed when scraped, so they are exact whatever the number of processes.

Several processes (gunicorn): when ``PROMETHEUS_MULTIPROC_DIR`` is set before this module is imported (the
gunicorn configuration in ``deploy/`` sets it), each process writes its samples to files there and a scrape
of any process sums them (``prometheus_client`` multiprocess mode). Without it, each process answers its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
REGISTRY = CollectorRegistry(auto_describe=True)
_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_SLOW = (0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0)

RENDER_SECONDS = Histogram(
    "notice_render_seconds", "Time to render one letter to PDF/A", ["kind"], buckets=_SLOW, registry=REGISTRY
)
SIGN_SECONDS = Histogram("notice_sign_seconds", "Time to sign one PDF (PAdES)", buckets=_SLOW, registry=REGISTRY)
STORE_SECONDS = Histogram(
    "notice_store_seconds",
    "Time of one document store operation (put, put_file, get, stat)",
    ["operation"],
    buckets=_FAST,
    registry=REGISTRY,
)
AUDIT_APPEND_SECONDS = Histogram(
    "notice_audit_append_seconds",
    "Time from the start of a transaction's audit append (sealing, head lock, insert) to its commit",
    buckets=_FAST,
    registry=REGISTRY,
)
PROVIDER_ERRORS = Counter(
    "notice_provider_errors",
    "Calls to an outside provider (SMTP, webhook target, TSA, postal, rate feed) that failed",
    ["provider", "operation"],
    registry=REGISTRY,
)

PROVIDER_THROTTLED = Counter(
    "notice_provider_throttled",
    "Calls to a provider account held back by its shared call rate (NOTICE_PROVIDER_CALLS_PER_MINUTE), deferred",
    ["provider"],
    registry=REGISTRY,
)


class _Collected(Collector):
    """A collector made of metric families computed at scrape time."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterator[Metric]:
        yield from self._families


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition(scraped: Iterable[Metric] = ()) -> bytes:
    """The text exposition of this service's metrics (all processes' in multiprocess mode) and ``scraped``."""
    registry = CollectorRegistry(auto_describe=True)
    directory = multiprocess_dir()
    if directory is not None:
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Collected(REGISTRY.collect()))
    registry.register(_Collected(scraped))
    return generate_latest(registry)


def serve_process_metrics(port: int, host: str = "0.0.0.0") -> None:  # noqa: S104 (scraped from the pod network)
    """A worker's own /metrics (its provider errors, durations) on ``port``, in a daemon thread."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_Live())
    start_http_server(port, addr=host, registry=registry)


class _Live(Collector):
    """This process's metrics, read afresh at each scrape."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
