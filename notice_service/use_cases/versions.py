"""Versions of updatable resources for HTTP conditional requests: a strong ``ETag`` and the ``If-Match`` check.

The ETag is a digest of the resource's JSON representation (sorted keys), so it changes exactly when what a
client reads changes, and needs no version column. ``If-Match`` is compared strongly (RFC 9110 §13.1.1): a
weak tag never matches; ``*`` matches any current version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from notice_service.errors import PreconditionFailed, PreconditionRequired


def etag_of(representation: Mapping[str, Any]) -> str:
    """The quoted strong ETag of a JSON representation."""
    canonical = json.dumps(representation, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return '"' + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32] + '"'


def check_if_match(if_match: str | None, current: str) -> None:
    """``PreconditionRequired`` without ``If-Match``; ``PreconditionFailed`` when none of its tags is ``current``."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "Send 'If-Match' with the ETag of your last read (GET the resource first), so that no one else's "
            "change is overwritten.",
            extra={"current_etag": current},
        )
    tags = [tag.strip() for tag in if_match.split(",")]
    if "*" in tags or current in tags:
        return
    raise PreconditionFailed(
        "The resource changed since the version named in 'If-Match': read it again, re-apply the change, and send "
        "the new ETag.",
        extra={"current_etag": current},
    )
