"""Tenant-scoped look-ups: another tenant's id is simply 'not found' (404, never 403)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models.base import Base
from notice_service.errors import NotFound

Row = TypeVar("Row", bound=Base)


def get_owned(session: Session, model: type[Row], tenant_id: str, row_id: str, *, lock: bool = False) -> Row:
    """The row of ``model`` with ``row_id`` owned by ``tenant_id``; ``NotFound`` otherwise."""
    query = select(model).where(model.id == row_id, model.tenant_id == tenant_id)  # type: ignore[attr-defined]
    if lock:
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise not_owned(model, row_id)
    return row


def not_owned(model: type[Base], row_id: str) -> NotFound:
    """The ``NotFound`` of ``get_owned``, for a query of its own that found nothing of the tenant's."""
    label = model.__tablename__.rstrip("s")
    return NotFound(f"No {label} with id {row_id} for this tenant.", extra={"resource": label, "id": row_id})
