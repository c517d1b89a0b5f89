"""Idempotency-Key bookkeeping for creating requests (ARCHITECTURE invariant 8).

A key is claimed (a row with the request's hash and no response yet) before the use case runs; the
response (2xx or 4xx) is saved after, **in the use case's last transaction**: the route runs inside
``Database.holding()``, which holds that transaction's commit until ``save_response`` writes the response
into it (``db/held_commit.py``). A crash can leave the effect and its response both committed (a retry
replays) or neither (the claim alone, "in progress"). A replay with the same request answers the saved
response; the same key with a different request is refused; a replay while the first is still running answers
a conflict, until the claim is older than the worker lease (``NOTICE_WORKER_LEASE_SECONDS``): its process is
taken for dead (nothing of its effect committed, see above) and the retry takes the claim over and runs.
If the use case fails unexpectedly (5xx) the claim is released so the client can retry.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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
        if row.status_code is not None and row.response_body is not None:
            return SavedResponse(row.status_code, row.response_body)
        claimed_at = row.created_at
    if _take_over_stale(services, tenant_id, key, claimed_at):
        return None
    raise Conflict("A request with this Idempotency-Key is still being processed; retry in a moment.")


def _take_over_stale(services: Services, tenant_id: str, key: str, claimed_at: datetime) -> bool:
    """A claim older than the lease whose response never came: its request died before its commit (the
    response commits with the effect), so nothing was done; the retry claims it again (one retry wins)."""
    now = services.clock.now()
    if now - claimed_at < timedelta(seconds=services.settings.worker_lease_seconds):
        return False
    with services.db.transaction() as session:
        taken = session.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.tenant_id == tenant_id,
                IdempotencyKey.key == key,
                IdempotencyKey.status_code.is_(None),
                IdempotencyKey.created_at == claimed_at,
            )
            .values(created_at=now)
        )
        return bool(getattr(taken, "rowcount", 0) == 1)


@contextmanager
def answering_with_effect(services: Services) -> Iterator[None]:
    """Run a route's use case so that its last commit waits for ``save_response`` (``Database.holding``)."""
    with services.db.holding():
        yield


def save_response(services: Services, tenant_id: str, key: str, status_code: int, body: str) -> None:
    """Save the response with the held effect, in one commit (inside ``answering_with_effect``)."""

    def write(session: Session) -> None:
        row = session.get_one(IdempotencyKey, (tenant_id, key))
        row.status_code = status_code
        row.response_body = body

    services.db.commit_held(write)


def commit_effect(services: Services) -> None:
    """Commit the held effect without a response (the route failed after it: the claim is released next)."""
    services.db.commit_held(lambda _session: None)


def release_key(services: Services, tenant_id: str, key: str) -> None:
    with services.db.transaction() as session:
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.key == key))
