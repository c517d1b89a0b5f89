"""``notice-service store sweep``: the objects in the document store that no database row refers to.

Issuing, uploading, recording evidence and exporting a dossier write the store *before* their one transaction
(slow I/O outside it): a crash in between leaves an object nobody points at. Nothing is lost (the operation did
not happen and is retried), but the object stays, and under Object Lock it cannot be deleted before its retention
ends. The sweep lists them so an operator can see what a crash left; it never deletes anything (write-once
stores refuse deletes anyway, and an unlocked object of a filesystem store is evidence until proven otherwise).

A key is referred to when a column marked as a store key (``info={STORE_KEY: True}``, ``db/models/base.py``) of
any table holds it (notices, documents, evidence, deliveries, dossiers, checkpoints, whatever a feature adds),
when a dossier's layout lists it, or when it is an audit mirror segment below the tenant's mirror frontier. A
segment at or above the frontier is reported as ``pending``: the next mirror run adopts it
(``use_cases/audit/mirror.py`` reuses a stored segment), it is not an orphan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models.audit import AuditMirror
from notice_service.db.models.base import STORE_KEY, Base
from notice_service.db.models.dossier import Dossier
from notice_service.errors import DocumentNotFound
from notice_service.services import Services

_SEGMENT = re.compile(r"^audit/(?P<tenant>[^/]+)/segments/(?P<start>\d{12})\.jsonl$")


@dataclass(frozen=True)
class Orphan:
    key: str
    size: int
    retain_until: datetime | None
    locked: bool  # under retention now: no delete is possible before ``retain_until``
    pending: bool  # an audit segment the next mirror run adopts, not an orphan for good


@dataclass(frozen=True)
class SweepReport:
    objects: int  # every object in the store
    referenced: int
    orphans: tuple[Orphan, ...]


def _key_columns(session: Session) -> Iterator[str]:
    """Every non-null value of every column marked as holding store keys."""
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if column.info.get(STORE_KEY):
                yield from (value for value in session.execute(select(column)).scalars() if value)


def _layout_keys(session: Session) -> Iterator[str]:
    for layout in session.execute(select(Dossier.layout)).scalars():
        yield from (str(entry["key"]) for entry in layout or () if isinstance(entry, dict) and "key" in entry)


def _referenced(session: Session) -> tuple[set[str], dict[str, int]]:
    keys = set(_key_columns(session)) | set(_layout_keys(session))
    frontiers = {row.tenant_id: row.size for row in session.execute(select(AuditMirror)).scalars()}
    return keys, frontiers


def _segment_state(key: str, frontiers: dict[str, int]) -> str | None:
    """``mirrored`` (below the frontier), ``pending`` (the next mirror run adopts it), or not a segment."""
    match = _SEGMENT.match(key)
    if match is None:
        return None
    return "mirrored" if int(match["start"]) < frontiers.get(match["tenant"], 0) else "pending"


def sweep_store(services: Services) -> SweepReport:
    """List the store's objects no row refers to, with their retention; deletes nothing."""
    stored = services.store.keys()  # listed first: an object written after the rows were read is not flagged
    with services.db.reading() as session:
        keys, frontiers = _referenced(session)
    now, orphans, referenced = services.clock.now(), [], 0
    for key in stored:
        state = _segment_state(key, frontiers)
        if key in keys or state == "mirrored":
            referenced += 1
            continue
        try:
            found = services.store.stat(key)
        except DocumentNotFound:
            continue  # gone between the listing and now (a filesystem store's leftover, not ours to judge)
        locked = found.retain_until is not None and found.retain_until > now
        orphans.append(Orphan(key, found.size, found.retain_until, locked, state == "pending"))
    return SweepReport(len(stored), referenced, tuple(orphans))
