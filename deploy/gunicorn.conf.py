"""gunicorn for the production web service: ``notice-service serve`` with ``NOTICE_WEB_SERVER=gunicorn``.

Every figure comes from the environment (deploy/env.example):
- ``NOTICE_HOST``/``NOTICE_PORT``: where to listen (``127.0.0.1:8000`` by default, ``0.0.0.0:8000`` in the image);
- ``NOTICE_WEB_WORKERS``: processes (default: the CPUs this process may use); ``NOTICE_WEB_THREADS``: threads
  per process (default 4: a request mostly waits on PostgreSQL, S3 or the TSA, rendering holds the GIL);
- ``NOTICE_WEB_TIMEOUT`` (default 120 s: issuing a letter renders and signs inside the request) and
  ``NOTICE_WEB_GRACEFUL_TIMEOUT`` (default 30 s: on SIGTERM, requests in flight finish before workers exit;
  keep the pod's terminationGracePeriodSeconds above it);
- ``NOTICE_WEB_MAX_REQUESTS``: recycle a worker after that many requests (default 0: never).

Logs are JSON lines on standard error (``notice_service.observability.gunicorn_logging``): the access log is the
one line per request, carrying the request id. Metrics: ``PROMETHEUS_MULTIPROC_DIR`` (default a fresh folder
under the temporary directory) is set before any worker imports the app, so ``/metrics`` on any worker answers
the sum over all of them; a dead worker's files are marked as such.
"""

import os
import shutil
import tempfile

from prometheus_client import multiprocess


def _int(name, default):
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


bind = f"{os.environ.get('NOTICE_HOST', '127.0.0.1')}:{os.environ.get('NOTICE_PORT', '8000')}"
workers = _int("NOTICE_WEB_WORKERS", len(os.sched_getaffinity(0)))
threads = _int("NOTICE_WEB_THREADS", 4)
worker_class = "gthread"
timeout = _int("NOTICE_WEB_TIMEOUT", 120)
graceful_timeout = _int("NOTICE_WEB_GRACEFUL_TIMEOUT", 30)
keepalive = 5
max_requests = _int("NOTICE_WEB_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
preload_app = False  # each worker builds its own connections after the fork
forwarded_allow_ips = os.environ.get("NOTICE_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("NOTICE_LOG_LEVEL", "info").lower()
logger_class = "notice_service.observability.gunicorn_logging.JsonLogger"
control_socket_disable = True  # gunicorn's control socket would live in $HOME, read-only in the image
worker_tmp_dir = os.environ.get("NOTICE_WEB_TMP_DIR") or None  # /dev/shm where the root filesystem is read-only

_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), "notice-service-prometheus")
)
os.makedirs(_metrics_dir, exist_ok=True)  # the app writes there as soon as it loads (--check-config too)


def on_starting(server):
    """A fresh metrics folder at each start: samples of an earlier run's processes are not this run's."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
