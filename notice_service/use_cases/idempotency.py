"""Idempotency-Key bookkeeping for creating requests (ARCHITECTURE invariant 8).

A key is claimed (a row with the request's hash and no response yet) before the use case runs; the
response (2xx or 4xx) is saved after. A replay with the same request answers the saved response; the same
key with a different request is refused; a replay while the first is still running answers a conflict.
If the use case fails unexpectedly (5xx) the claim is released so the client can retry.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from notice_service.db.models.idempotency import IdempotencyKey
from notice_service.errors import Conflict, FieldError, IdempotencyKeyReused, InvalidInput
from notice_service.services import Services


@dataclass(frozen=True)
class SavedResponse:
    status_code: int
    body: str


def _insert_claim(services: Services, tenant_id: str, key: str, request_hash: str) -> bool:
    """Insert the claim row; ``False`` when the key was claimed before (its row already exists)."""
    try:
        with services.db.transaction() as session:
            claim = IdempotencyKey(
                tenant_id=tenant_id, key=key, request_hash=request_hash, created_at=services.clock.now()
            )
            session.add(claim)
    except IntegrityError:
        return False
    return True


def claim_key(services: Services, tenant_id: str, key: str, request_hash: str) -> SavedResponse | None:
    """Claim ``key``; answers the saved response when this is a replay of a finished request."""
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidInput(
            "The Idempotency-Key header is invalid.",
            errors=[FieldError("Idempotency-Key", "1 to 255 printable characters, e.g. a UUID")],
        )
    if _insert_claim(services, tenant_id, key, request_hash):
        return None
    with services.db.reading() as session:
        row = session.get_one(IdempotencyKey, (tenant_id, key))
        if row.request_hash != request_hash:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was used with a different request; use a new key for a new request."
            )
        if row.status_code is None or row.response_body is None:
            raise Conflict("A request with this Idempotency-Key is still being processed; retry in a moment.")
        return SavedResponse(row.status_code, row.response_body)


def save_response(services: Services, tenant_id: str, key: str, status_code: int, body: str) -> None:
    with services.db.transaction() as session:
        row = session.get_one(IdempotencyKey, (tenant_id, key))
        row.status_code = status_code
        row.response_body = body


def release_key(services: Services, tenant_id: str, key: str) -> None:
    with services.db.transaction() as session:
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.key == key))
