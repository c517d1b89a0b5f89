"""Per-request context: the services of the app and the authenticated actor."""

from __future__ import annotations

from typing import cast

from flask import current_app, g, request

from notice_service.errors import Unauthenticated
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.tenants.api_keys import require_scope
from notice_service.use_cases.tenants.onboarding import authenticate
from notice_service.web.openapi import operation_for_endpoint


def services() -> Services:
    return cast(Services, current_app.extensions["notice_service"])


def required_scope() -> str:
    """The scope the request's operation declares (``@operation(scope=…)``, which defaults it by method): only
    documented, authenticated operations authenticate a key (the request guard, ``web/guards.py``)."""
    described = operation_for_endpoint(request.endpoint)
    if described is None or described.scope is None:
        raise RuntimeError(f"{request.endpoint} is no documented operation taking an API key")
    return described.scope


def actor() -> Actor:
    """The actor behind the request's ``Authorization: Bearer <api key>``, authenticated once per request: 401
    without a working key (unknown, revoked, expired), 403 ``insufficient-scope`` naming the scope the operation
    needs when the key lacks it. Views may check a further scope (e.g. ``issue`` when a draft is issued at once)."""
    cached = g.get("actor")
    if cached is not None:
        return cast(Actor, cached)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send 'Authorization: Bearer <api key>' (see `notice-service tenants create`).")
    found = authenticate(services(), token.strip())
    require_scope(found, required_scope())
    g.actor = found
    return found
