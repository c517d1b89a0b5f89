"""The ``@idempotent`` decorator for creating POST endpoints (header ``Idempotency-Key``)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from typing import ParamSpec

from flask import Response, g, request

from notice_service.errors import NoticeError
from notice_service.use_cases.idempotency import (
    answering_with_effect,
    claim_key,
    commit_effect,
    release_key,
    save_response,
)
from notice_service.web.context import actor, services
from notice_service.web.problems import from_notice_error

P = ParamSpec("P")
STORED_INSTEAD = "idempotency_stored_body"  # ``g`` attribute: the body a replay answers, if not the response's


def _multipart_parts() -> Iterator[bytes]:
    """Fields and files, not raw bytes: a client's retry may use another multipart boundary."""
    for name, value in sorted(request.form.items(multi=True), key=lambda item: (str(item[0]), str(item[1]))):
        yield f"field {name}={value}\n".encode()
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        content = upload.stream.read()
        upload.stream.seek(0)
        yield f"file {name} {upload.filename} {upload.mimetype}\n".encode() + hashlib.sha256(content).digest()


def _request_hash() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.path.encode() + b"\n")
    if request.mimetype == "multipart/form-data":
        for part in _multipart_parts():
            digest.update(part)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def idempotent(view: Callable[P, Response]) -> Callable[P, Response]:
    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        tenant_id = actor().tenant_id
        saved = claim_key(services(), tenant_id, key, _request_hash())
        if saved is not None:
            replay = Response(saved.body, status=saved.status_code, mimetype=_mimetype(saved.status_code))
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        with answering_with_effect(services()):  # the view's last commit waits for its saved response
            try:
                response = view(*args, **kwargs)
            except NoticeError as error:
                response = from_notice_error(error)
                if response.status_code >= 500:
                    _release(tenant_id, key)
                    return response
            except Exception:
                _release(tenant_id, key)
                raise
            stored = g.pop(STORED_INSTEAD, None)  # a view whose answer holds a secret stores it without (API keys)
            save_response(services(), tenant_id, key, response.status_code, stored or response.get_data(as_text=True))
        return response

    return wrapper


def _release(tenant_id: str, key: str) -> None:
    """The route failed (5xx): what it committed before failing stays committed, and the key is free again."""
    commit_effect(services())
    release_key(services(), tenant_id, key)


def _mimetype(status: int) -> str:
    return "application/problem+json" if status >= 400 else "application/json"
