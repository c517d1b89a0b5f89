"""``GET /v/<code>``: the public facts of an issued letter; ``POST /v/<code>``: compare an uploaded PDF with it.

A standalone, public HTML page, not part of the ``/v1`` API (so not in the OpenAPI document): French, accessible,
no JavaScript, its own stylesheet. Every answer, errors included, is a page of this blueprint, never a 500:
unknown or malformed code 404, no file or an empty one 422, not a PDF 415, too large 413, past the quota 429.

- **Rate limit** per client address (``NOTICE_VERIFICATION_RATE_LIMIT_REQUESTS`` per
  ``…_WINDOW_SECONDS``, 30 a minute by default; ``web/rate_limit.py``'s fixed windows in memory). The address
  is the TCP peer's: behind a reverse proxy, have it pass the real client's address (e.g. waitress's
  ``trusted_proxy``), or every visitor shares one quota.
- **Headers**: a CSP that allows only this page's own stylesheet (no script at all, no inline style),
  ``frame-ancestors 'none'``, ``form-action 'self'``, ``Referrer-Policy: no-referrer`` (the URL holds the
  code), ``X-Content-Type-Options: nosniff`` and ``Cache-Control: no-store`` on every answer: the page's URL is
  a bearer code and a comparison's result concerns one visitor's file, so no shared or browser cache keeps
  either.
- **CSRF**: the compare form carries no token, by design: the POST changes nothing (the upload is hashed in
  memory and forgotten, nothing is stored, audited or counted but the rate limit), needs no session or cookie
  (there is none to ride on), and a forged cross-site POST's answer cannot be read by the forging site (no
  CORS). A forged request can only spend the victim's quota, which is what it would cost to load the page.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Response, current_app, render_template, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from notice_service.domain.french_format import date_fr
from notice_service.domain.siren import format_siren
from notice_service.errors import (
    InvalidInput,
    NotFound,
    NoticeError,
    PayloadTooLarge,
    RateLimited,
    UnsupportedMediaType,
)
from notice_service.use_cases.verification.public import compare_upload, public_facts
from notice_service.web.context import services
from notice_service.web.problems import status_for
from notice_service.web.rate_limit import RateLimiter

LIMITER = "notice_service.verification_rate_limiter"
FIELD = "document"
_MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_STATUS = {"invalid-input": 422, "payload-too-large": 413, "unsupported-media-type": 415}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}

verification = Blueprint(
    "verification",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/verification-static",
)


@verification.record_once
def _install_limiter(state: BlueprintSetupState) -> None:
    settings = state.app.extensions["notice_service"].settings
    state.app.extensions[LIMITER] = RateLimiter(
        settings.verification_rate_limit_requests,
        settings.verification_rate_limit_window_seconds,
        state.app.extensions["notice_service"].clock,
    )


def _upload_limit() -> int:
    return services().settings.max_upload_bytes


@verification.before_request
def _count_then_cap() -> None:
    """Count the request against its client address's quota, then cap a comparison's body."""
    if request.endpoint == "verification.static":
        return
    limiter = cast(RateLimiter, current_app.extensions[LIMITER])
    if limiter.enabled:
        quota = limiter.hit(f"verify:{request.remote_addr or 'unknown'}")
        if quota.exceeded:
            raise RateLimited("Too many verifications from this address.", extra={"retry_after": quota.reset_seconds})
    if request.method == "POST":
        request.max_content_length = _upload_limit() + _MULTIPART_OVERHEAD


@verification.after_request
def _security_headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def _page(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(f"verification/{template}", date_fr=date_fr, format_siren=format_siren, **context)
    return Response(html, status=status, mimetype="text/html")


@verification.get("/v/<path:code>")
def show_letter(code: str) -> Response:
    return _page("letter.html", facts=public_facts(services(), code), limit=_upload_limit())


@verification.post("/v/<path:code>")
def compare_letter(code: str) -> Response:
    """The upload is read only once the code is known; a bad upload is the letter's page again, its field
    marked, with the status of the refusal."""
    facts = public_facts(services(), code)
    limit = _upload_limit()
    try:
        upload = request.files.get(FIELD)
        data = upload.stream.read(limit + 1) if upload is not None else None
        result = compare_upload(facts, data, limit)
    except RequestEntityTooLarge:
        return _page("letter.html", 413, facts=facts, upload_error="payload-too-large", limit=limit)
    except (InvalidInput, PayloadTooLarge, UnsupportedMediaType) as error:
        status = UPLOAD_STATUS[error.type_slug]
        return _page("letter.html", status, facts=facts, upload_error=error.type_slug, limit=limit)
    return _page("letter.html", facts=facts, comparison=result, limit=limit)


@verification.errorhandler(NoticeError)
def _refused(error: NoticeError) -> Response:
    """A refusal outside the upload: an unknown or malformed code (404), past the quota (429)."""
    if isinstance(error, RateLimited):
        retry = int(error.extra.get("retry_after", 60))  # type: ignore[call-overload]
        response = _page("rate_limited.html", 429, retry_after=retry)
        response.headers["Retry-After"] = str(retry)
        return response
    if isinstance(error, NotFound):
        return _page("not_found.html", 404)
    status = status_for(error)
    return _page("error.html", status, http_status=status, limit=_upload_limit())


@verification.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    """What the framework refuses on this page (a malformed form, a body past the cap) as a page."""
    status = error.code or 400
    return _page("error.html", status, http_status=status, limit=_upload_limit())
