"""Per-request context: the services of the app and the authenticated actor."""

from __future__ import annotations

from typing import cast

from flask import current_app, g, request

from notice_service.errors import Forbidden, Unauthenticated
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.tenants.onboarding import authenticate

_READING = ("GET", "HEAD", "OPTIONS")


def services() -> Services:
    return cast(Services, current_app.extensions["notice_service"])


def actor() -> Actor:
    """The actor behind the request's ``Authorization: Bearer <api key>``, authenticated once per request. A
    ``read`` key may only read (403 ``insufficient-scope`` on anything else); admin-only operations check
    ``require_scope(actor, "admin")`` themselves."""
    cached = g.get("actor")
    if cached is not None:
        return cast(Actor, cached)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send 'Authorization: Bearer <api key>' (see `notice-service tenants create`).")
    found = authenticate(services(), token.strip())
    if request.method not in _READING and found.scope == "read":
        raise Forbidden(
            f"This API key's scope is 'read': it cannot {request.method}. Use a 'write' or 'admin' key.",
            extra={"scope": found.scope, "required_scope": "write"},
        )
    g.actor = found
    return found
