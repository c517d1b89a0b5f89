"""The one place that maps errors to HTTP: RFC 9457 ``application/problem+json`` responses.

Every ``NoticeError`` has a stable ``type`` URI (``https://notice-service.dev/problems/<slug>``), a
``detail`` a person can act on and, for input errors, ``errors`` naming each field. Framework errors
(unknown route, wrong method, body too large, malformed JSON) get the same shape; an unexpected exception
answers a 500 problem that leaks nothing and is logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request
from pydantic import ValidationError
from sqlalchemy import exc as sql_errors
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from notice_service import errors

log = logging.getLogger(__name__)
TYPE_BASE = "https://notice-service.dev/problems/"
PROBLEM_JSON = "application/problem+json"
#: ``Retry-After`` of a 503: a dependency (store, TSA, signer) is down; the database restarts sooner.
RETRY_AFTER_SECONDS = 30
DATABASE_RETRY_AFTER_SECONDS = 5

STATUS: dict[type[errors.NoticeError], int] = {
    errors.InvalidInput: 422,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.IdempotencyKeyReused: 422,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.PreconditionFailed: 412,
    errors.PreconditionRequired: 428,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.RateLimited: 429,
    errors.RateUnknown: 422,
    errors.RateSourceFailed: 502,
    errors.IncompleteNotice: 422,
    errors.DocumentNotFound: 404,
    errors.DocumentConflict: 409,
    errors.StoreUnavailable: 503,
    errors.SigningFailed: 503,
    errors.TimeStampFailed: 503,
    errors.MailFailed: 502,
    errors.RenderFailed: 500,
    errors.ConfigurationError: 500,
    errors.NotReady: 503,
    errors.SmsFailed: 502,
    errors.SmsNotConfigured: 503,
    errors.SmsRefused: 409,
}
STATUS[errors.ProviderUnavailable] = 502  # issue 16: a letter provider unreachable, 5xx or rate-limited


def status_for(error: errors.NoticeError) -> int:
    for klass in type(error).__mro__:
        if klass in STATUS:
            return STATUS[klass]
    return 500


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    field_errors: list[dict[str, str]] | None = None,
    retry_after_seconds: int = RETRY_AFTER_SECONDS,
    extra: Mapping[str, object] | None = None,
) -> Response:
    """The problem ``status``; a 401 says how to authenticate, a 503 (a dependency is down: store, TSA, signer,
    database) says when to retry (``retry_after_seconds``; ``retry_after`` is a body member of a 429)."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if field_errors:
        body["errors"] = field_errors
    body.update({key: value for key, value in (extra or {}).items() if key not in body})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="notice-service"'
    if status == 503:
        response.headers["Retry-After"] = str(retry_after_seconds)
    return response


def from_notice_error(error: errors.NoticeError) -> Response:
    field_errors = [{"field": e.field, "message": e.message} for e in error.errors]
    return problem_response(
        status_for(error),
        error.type_slug,
        error.title,
        error.detail,
        field_errors=field_errors,
        extra=error.extra,
    )


def from_validation_error(error: ValidationError) -> Response:
    field_errors = []
    for item in error.errors(include_url=False):
        location = ".".join(str(part) for part in item["loc"]) or "body"
        field_errors.append({"field": location, "message": item["msg"]})
    return problem_response(
        422,
        "invalid-input",
        "Invalid input",
        "The request body has invalid fields.",
        field_errors=field_errors,
    )


def _from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    if isinstance(error, RequestEntityTooLarge):
        return problem_response(
            413,
            "payload-too-large",
            "Payload too large",
            "The request body is larger than the service accepts.",
        )
    slug = (error.name or "error").lower().replace(" ", "-")
    response = problem_response(status, slug, error.name or "Error", error.description or "")
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def _from_unexpected(error: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path, exc_info=error)
    return problem_response(
        500,
        "internal-error",
        "Internal error",
        "An unexpected error happened; nothing was recorded. Retry later.",
    )


#: The database's outages (server down or restarting, connection lost mid-request, pool exhausted); the pool
#: replaces dead connections by itself (``db/engine._check_alive``), so the next request after it is back works.
DATABASE_OUTAGES = (sql_errors.OperationalError, sql_errors.InterfaceError, sql_errors.TimeoutError)


def _caused_by_outage(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DATABASE_OUTAGES):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _from_pending_rollback(error: Exception) -> Response:
    """A session whose connection died mid-transaction refuses to go on until rolled back: the same outage,
    surfacing while the unit of work cleans up."""
    return _from_database_outage(error) if _caused_by_outage(error.__context__) else _from_unexpected(error)


def _from_database_outage(error: Exception) -> Response:
    log.warning("database unavailable on %s %s: %s", request.method, request.path, type(error).__name__)
    return problem_response(
        503,
        "database-unavailable",
        "Database unavailable",
        "The database does not answer (restarting or unreachable); nothing was recorded. Retry in a moment.",
        retry_after_seconds=DATABASE_RETRY_AFTER_SECONDS,
    )


def register(app: Flask) -> None:
    app.register_error_handler(errors.NoticeError, from_notice_error)
    app.register_error_handler(ValidationError, from_validation_error)
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(Exception, _from_unexpected)
    for outage in DATABASE_OUTAGES:
        app.register_error_handler(outage, _from_database_outage)
    app.register_error_handler(sql_errors.PendingRollbackError, _from_pending_rollback)
