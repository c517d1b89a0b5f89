"""The back office's pages under ``/app/`` (server-rendered Jinja2, French, plain forms; htmx where it saves a
reload): sign-in, dashboard, dossiers and débiteurs lists, the case page, a letter's preview and approval,
settings. ``register_pages`` installs them on the app with the session's secret key and cookie flags."""

from __future__ import annotations

import logging
import os
import secrets

from flask import Flask

from notice_service.services import Services
from notice_service.web.pages import (  # noqa: F401  (each module adds its views to the blueprint)
    auth,
    case_actions,
    case_followup,
    case_page,
    dashboard,
    errors,
    letters,
    lists,
    runs,
    settings_providers,
    settings_views,
)
from notice_service.web.pages.blueprint import LIFETIME, pages
from notice_service.web.pages.rendering import install

log = logging.getLogger(__name__)


def session_secret(services: Services) -> str:
    """``NOTICE_SESSION_SECRET``; the embedded profile generates one and keeps it under its data directory."""
    settings = services.settings
    given = settings.session_secret or os.environ.get("NOTICE_SESSION_SECRET")
    if given:
        return given
    if settings.profile != "embedded":
        log.warning("NOTICE_SESSION_SECRET is not set: sessions end when the process restarts")
        return secrets.token_urlsafe(48)
    path = settings.keys_dir / "session-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def register_pages(app: Flask, services: Services) -> None:
    app.secret_key = session_secret(services)
    app.config.update(
        SESSION_COOKIE_NAME="notice_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=services.settings.profile != "embedded",
        SESSION_COOKIE_PATH="/app",
        PERMANENT_SESSION_LIFETIME=LIFETIME,
    )
    install(app)
    app.register_blueprint(pages)
