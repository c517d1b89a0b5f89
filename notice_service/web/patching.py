"""Conditional updates over HTTP: reading a JSON merge patch body (RFC 7396) and setting ``ETag``.

A patch must be sent as ``application/merge-patch+json`` (415 otherwise) and be a JSON object (422); the
update itself checks ``If-Match`` (428 without it, 412 when stale: ``use_cases.versions``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from notice_service.errors import FieldError, InvalidInput, UnsupportedMediaType

MERGE_PATCH = "application/merge-patch+json"


def merge_patch_body() -> dict[str, Any]:
    """The request's merge patch: a JSON object sent as ``application/merge-patch+json``."""
    if request.mimetype != MERGE_PATCH:
        raise UnsupportedMediaType(f"Send the changes as a JSON merge patch with 'Content-Type: {MERGE_PATCH}'.")
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(
            "A merge patch is a JSON object of the members to change (null removes one).",
            errors=[FieldError("body", "not a JSON object")],
        )
    return body


def if_match() -> str | None:
    """The raw ``If-Match`` header, if any."""
    return request.headers.get("If-Match")


def with_etag(response: Response, etag: str) -> Response:
    """``response`` with its ``ETag`` header set."""
    response.headers["ETag"] = etag
    return response
