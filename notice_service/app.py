"""The Flask application factory: ``create_app(settings=None, services=None)``; no I/O at import time."""

from __future__ import annotations

from flask import Flask

from notice_service.services import Services
from notice_service.settings import Settings, load_settings
from notice_service.web import guards, problems
from notice_service.web import operations as operations_web
from notice_service.web.audit.routes import audit
from notice_service.web.cases.documents import case_documents
from notice_service.web.cases.follow_up import case_follow_up
from notice_service.web.cases.routes import cases
from notice_service.web.claims.debtors import debtors
from notice_service.web.claims.invoices import invoices
from notice_service.web.claims.payments import payments
from notice_service.web.delivery.actions import delivery_actions
from notice_service.web.delivery.provider_webhooks import provider_webhooks
from notice_service.web.delivery.routes import deliveries
from notice_service.web.dossiers.routes import dossiers
from notice_service.web.dunning.routes import dunning
from notice_service.web.kpis.routes import kpis
from notice_service.web.meta import meta
from notice_service.web.notices.routes import notices
from notice_service.web.pages import register_pages
from notice_service.web.privacy.routes import privacy
from notice_service.web.providers.routes import providers
from notice_service.web.sms.routes import sms
from notice_service.web.tenants.routes import tenants
from notice_service.web.verification.routes import verification
from notice_service.web.webhooks.events import events
from notice_service.web.webhooks.routes import webhooks

# multipart/JSON overhead on top of the largest accepted upload (base64 grows data by a third)
_BODY_OVERHEAD = 64 * 1024


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    if services is None:
        from notice_service.bootstrap import build_services

        services = build_services(settings or load_settings())
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = services.settings.max_upload_bytes * 4 // 3 + _BODY_OVERHEAD
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["notice_service"] = services
    blueprints = (meta, debtors, invoices, cases, notices, deliveries, provider_webhooks, audit, webhooks, dossiers)
    for blueprint in (*blueprints, case_documents, tenants, payments, events):
        app.register_blueprint(blueprint)
    app.register_blueprint(dunning)
    app.register_blueprint(case_follow_up)  # promises to pay, manual pauses, calls (issue 14)
    for blueprint in (sms, kpis):
        app.register_blueprint(blueprint)
    app.register_blueprint(providers)  # provider accounts (issue 16)
    app.register_blueprint(delivery_actions)  # quote before sending, cancel (issue 16, AR24 room)
    app.register_blueprint(verification)  # the public /v/<code> page (HTML, no key)
    app.register_blueprint(privacy)  # personal data: purge, access export (issue 18)
    problems.register(app)
    guards.register(app, services)
    app.register_blueprint(operations_web.operations)
    operations_web.register(app)
    register_pages(app, services)
    return app
