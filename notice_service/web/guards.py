"""What every request passes before its view: authentication first, then its key's rate limit.

A documented operation that needs a key checks it here, before any parameter or body is read, so a request
without a key gets 401 and never a 422 about its content. The rate-limit headers are added to every answer
of an authenticated request, problems included.

Then, for every documented operation, a query parameter its ``query_model`` does not declare (any parameter
at all for an operation without one) is a 422 ``invalid-input`` naming it, before the view runs. The order is
therefore: 401 (key), 429 (quota), 404 (a NUL in a path id), 422 (a NUL in a parameter or field), 422 (an unknown
query parameter), then the view's own answers (404 for an id the tenant does not have, 422 for a bad body …).
"""

from __future__ import annotations

from typing import cast

from flask import Flask, Response, current_app, g, request

from notice_service.errors import FieldError, InvalidInput, NotFound, RateLimited
from notice_service.services import Services
from notice_service.web.context import actor
from notice_service.web.nul import refuse_nul
from notice_service.web.openapi import Operation, operation_for_endpoint
from notice_service.web.rate_limit import Quota, RateLimiter

LIMITER = "notice_service.rate_limiter"


def _authenticate_then_count() -> None:
    """Authenticate a documented, authenticated operation's request, count it against its key, then refuse
    query parameters and form fields holding a NUL character (after the key: 401 comes first)."""
    described = operation_for_endpoint(request.endpoint)
    if described is None or request.method == "OPTIONS":
        return
    if described.authenticated:
        _count(actor().id)
    if any("\x00" in str(value) for value in (request.view_args or {}).values()):
        raise NotFound("Nothing has this id: ids are UUIDs.")
    fields = list(request.args.items(multi=True))
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields += list(request.form.items(multi=True))
    for name, value in fields:
        refuse_nul({name: value})
    _refuse_unknown_parameters(described)


def _refuse_unknown_parameters(described: Operation) -> None:
    """A 422 naming each query parameter the operation does not declare (its ``query_model``'s fields)."""
    model = described.query_model
    accepted = [] if model is None else [field.alias or name for name, field in model.model_fields.items()]
    unknown = [name for name in dict.fromkeys(request.args) if name not in accepted]
    if not unknown:
        return
    hint = f"this operation accepts: {', '.join(accepted)}" if accepted else "this operation takes no query parameter"
    raise InvalidInput(
        f"Unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.",
        errors=[FieldError(name, f"unknown parameter; {hint}") for name in unknown],
    )


def _count(key_id: str) -> None:
    """Count the request against its key's quota; ``RateLimited`` past it."""
    limiter = cast(RateLimiter, current_app.extensions[LIMITER])
    if not limiter.enabled:
        return
    quota = limiter.hit(key_id)
    g.rate_quota = quota
    if quota.exceeded:
        raise RateLimited(
            f"This API key sent its {quota.limit} requests of the last {quota.window_seconds} s: "
            f"retry in {quota.reset_seconds} s.",
            extra={"retry_after": quota.reset_seconds},
        )


def _rate_headers(response: Response) -> Response:
    """The quota's headers on the answer of a counted request."""
    quota = cast(Quota | None, g.get("rate_quota"))
    if quota is not None:
        response.headers.update(quota.headers())
    return response


def register(app: Flask, services: Services) -> None:
    """Install the guards and the app's rate limiter (from ``NOTICE_RATE_LIMIT_*``)."""
    settings = services.settings
    app.extensions[LIMITER] = RateLimiter(
        settings.rate_limit_requests, settings.rate_limit_window_seconds, services.clock
    )
    app.before_request(_authenticate_then_count)
    app.after_request(_rate_headers)
