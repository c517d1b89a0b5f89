"""The WSGI application for gunicorn (``notice_service.wsgi:application``), built from ``NOTICE_*`` settings.

Imported once in each gunicorn worker process (the configuration does not preload it): JSON logs, the adapters,
the Flask app and, unless ``NOTICE_WORKER=none``, the outbox worker thread of that process.
"""

from __future__ import annotations

from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.observability.logs import configure_logging
from notice_service.settings import load_settings
from notice_service.worker import start_thread

settings = load_settings()
configure_logging(settings.log_level)
services = build_services(settings)
application = create_app(services=services)
if settings.run_worker:
    start_thread(services)
