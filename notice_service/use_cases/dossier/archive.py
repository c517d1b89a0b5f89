"""Reading an exported dossier: its summary, and its ZIP streamed from the store, checked against the SHA-256
recorded (and audited) at export, so a download is byte for byte the dossier that was exported.

The stored object must answer the audited SHA-256 and size before a byte is sent, and the store's stream
refuses to complete a copy whose bytes differ. A dossier exported before the ZIP was stored (no
``archive_key``) is rebuilt from its stored parts into a temporary file and checked the same way.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import select

from notice_service.db.models.cases import Case
from notice_service.db.models.dossier import Dossier
from notice_service.db.tenant_scope import get_owned
from notice_service.errors import NotFound
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.dossier.zip_writer import DossierIntegrityError, ZipEntry, file_digest, write_zip


def dossier_json(row: Dossier) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "archive_name": row.archive_name,
        "sha256": row.sha256,
        "size": row.size,
        "manifest_sha256": row.manifest_sha256,
        "checkpoint_size": row.checkpoint_size,
        "court": row.findings["court"],
        "warnings": row.findings["warnings"],
        "notes": row.findings["notes"],
        "prescription_overridden": row.override_reason is not None,
        "files": len(row.layout),
        "created_at": row.created_at.isoformat(),
        "archive_url": f"/v1/dossiers/{row.id}/archive",
    }


def get_dossier(services: Services, actor: Actor, dossier_id: str) -> dict[str, Any]:
    with services.db.reading() as session:
        return dossier_json(get_owned(session, Dossier, actor.tenant_id, dossier_id))


def _zip_time(text: str) -> tuple[int, int, int, int, int, int]:
    day, _, clock = text.partition("T")
    year, month, date_ = (int(p) for p in day.split("-"))
    hour, minute, second = (int(p) for p in clock.split(":"))
    return (year, month, date_, hour, minute, second)


def write_archive(services: Services, actor: Actor, dossier_id: str, out: IO[bytes]) -> Dossier:
    """Rebuild the ZIP into the seekable ``out`` (left at its start) and check its SHA-256."""
    with services.db.reading() as session:
        row = get_owned(session, Dossier, actor.tenant_id, dossier_id)
    write_zip(services.store, [ZipEntry.from_json(e) for e in row.layout], out, _zip_time(row.zip_time))
    sha256, size = file_digest(out)
    if (sha256, size) != (row.sha256, row.size):
        raise DossierIntegrityError(f"The rebuilt dossier {dossier_id} differs from the one exported ({row.sha256}).")
    return row


@dataclass(frozen=True)
class ArchiveDownload:
    """The ZIP's bytes as a stream to read in chunks and close, its file name and size."""

    stream: IO[bytes]
    name: str
    size: int


def open_archive(services: Services, actor: Actor, dossier_id: str) -> ArchiveDownload:
    """The stored ZIP, its stored SHA-256 and size checked against the audited ones first."""
    with services.db.reading() as session:
        row = get_owned(session, Dossier, actor.tenant_id, dossier_id)
    if row.archive_key is None:
        return _rebuilt_archive(services, actor, dossier_id)
    stored = services.store.stat(row.archive_key)
    if (stored.sha256, stored.size) != (row.sha256, row.size):
        raise DossierIntegrityError(f"The stored dossier {dossier_id} differs from the one exported ({row.sha256}).")
    return ArchiveDownload(services.store.open(row.archive_key), row.archive_name, row.size)


def _rebuilt_archive(services: Services, actor: Actor, dossier_id: str) -> ArchiveDownload:
    """A temporary file holding the rebuilt and checked ZIP (deleted when closed)."""
    scratch = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    try:
        row = write_archive(services, actor, dossier_id, scratch)
    except BaseException:
        scratch.close()
        raise
    return ArchiveDownload(scratch, row.archive_name, row.size)


def case_tenant(services: Services, case_id: str) -> str:
    """The tenant owning ``case_id``, for operator commands that name a case only."""
    with services.db.reading() as session:
        tenant_id = session.execute(select(Case.tenant_id).where(Case.id == case_id)).scalar_one_or_none()
    if tenant_id is None:
        raise NotFound(f"No case {case_id}.")
    return tenant_id
