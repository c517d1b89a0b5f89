"""Exporting a case's evidence dossier for an injonction de payer (CPC 1405–1425), verifiable offline.

Slow I/O first, one short transaction last (invariant 3): read the case, run the checks (a prescribed claim is
refused unless overridden), checkpoint the audit log, number the exhibits, render the bordereau, the requête
and the décompte, merge the reading copy, write the manifest, sign it (detached CMS) and time-stamp it, store
every generated file write-once, write the ZIP from the store one file at a time into a temporary file and
store the ZIP itself write-once (class ``dossier``, streamed, never whole in memory), then record the dossier
row, its audit records (``dossier:exported`` naming the ZIP's and the manifest's SHA-256 and the ZIP's storage
key and version, and ``dossier:prescription_overridden`` when the override was used) and the ``dossier.ready``
outbox event for the webhook subscribers. Layout of the ZIP: ``audit/SPEC.md`` §9.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from notice_service.db import audit_repository
from notice_service.db.models.dossier import Dossier
from notice_service.db.outbox import queue_event
from notice_service.domain.audit.evidence import time_stamp_response
from notice_service.domain.audit.records import DocumentRef, JsonValue
from notice_service.domain.deadlines import PARIS
from notice_service.domain.dossier.exhibits import Exhibit, number_exhibits, slugify
from notice_service.domain.dossier.legal import Finding
from notice_service.domain.dossier.manifest import (
    MANIFEST,
    SIGNATURE,
    TOKEN,
    ManifestFile,
    build_manifest,
    verify_instructions,
)
from notice_service.domain.webhook_events import EventType
from notice_service.domain.zip_names import safe_member_name
from notice_service.errors import ConfigurationError
from notice_service.ports import ManifestSigner, MergePart, PdfMerger, StoredObject
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.dossier.audit_proofs import AuditPart, build_audit_part
from notice_service.use_cases.dossier.checks import assess_claim
from notice_service.use_cases.dossier.collect import CaseMaterial, exhibit_sources, load_case_material
from notice_service.use_cases.dossier.documents import GeneratedDocuments, render_documents
from notice_service.use_cases.dossier.zip_writer import ZipEntry, write_zip

DOCUMENT_CLASS = "dossier"
#: PDF exhibits are merged into the reading copy until their total size reaches this budget (memory bound);
#: the others stay in ``pieces/`` and are listed in the bordereau all the same.
MERGE_BUDGET_BYTES = 32 * 1024 * 1024
#: The internal note for the lawyer (checks, steps after the ordonnance): in the ZIP, outside ``pieces/`` and
#: outside the reading copy ``dossier.pdf``, which is what a judge or the debtor may see.
NOTE = "note-interne-avocat.pdf"


@dataclass(frozen=True)
class ExportRequest:
    case_id: str
    override_reason: str | None = None
    interest_until: str | None = None  # "last_confirmed": the arrêté (domain/arrete.py)
    court: str | None = None  # the court the requérant names for a commune the table of courts does not hold


@dataclass(frozen=True)
class ExportedDossier:
    dossier_id: str
    archive_name: str
    sha256: str
    size: int
    warnings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class Tools:
    signer: ManifestSigner
    merger: PdfMerger


def _tools(services: Services) -> Tools:
    if services.manifest_signer is None or services.pdf_merger is None:
        raise ConfigurationError("Dossiers need a manifest signer and a PDF merger (bootstrap.build_services).")
    return Tools(services.manifest_signer, services.pdf_merger)


class _Parts:
    """The ZIP's entries as they are stored, in ZIP order."""

    def __init__(self, services: Services) -> None:
        self._store = services.store
        self.entries: list[ZipEntry] = []

    def add_bytes(self, path: str, data: bytes, content_type: str) -> ZipEntry:
        stored = self._store.put(data, content_type=content_type, document_class=DOCUMENT_CLASS)
        entry = ZipEntry(safe_member_name(path), stored.key, stored.sha256, stored.size)
        self.entries.append(entry)
        return entry

    def add_stored(self, path: str, key: str) -> ZipEntry:
        stored = self._store.stat(key)
        entry = ZipEntry(safe_member_name(path), stored.key, stored.sha256, stored.size)
        self.entries.append(entry)
        return entry


def _content_type(path: str) -> str:
    suffix = path.rsplit(".", 1)[-1]
    return {"pdf": "application/pdf", "json": "application/json", "csv": "text/csv", "md": "text/markdown"}.get(
        suffix, "application/octet-stream"
    )


def _add_exhibits(parts: _Parts, exhibits: list[Exhibit]) -> list[tuple[Exhibit, str]]:
    numbered = []
    for exhibit in exhibits:
        source = exhibit.source
        if source.content is not None:
            entry = parts.add_bytes(exhibit.path, source.content, source.media_type)
        else:
            entry = parts.add_stored(exhibit.path, source.store_key or "")
        numbered.append((exhibit, entry.sha256))
    return numbered


def _merge_parts(
    services: Services, documents: GeneratedDocuments, exhibits: list[tuple[Exhibit, str]]
) -> list[MergePart]:
    parts = [
        MergePart("Bordereau des pièces", lambda: documents.bordereau),
        MergePart("Requête en injonction de payer", lambda: documents.requete),
        MergePart("Décompte", lambda: documents.decompte_pdf),
    ]
    budget = MERGE_BUDGET_BYTES
    for exhibit, _sha in exhibits:
        source = exhibit.source
        if source.media_type != "application/pdf" or source.store_key is None:
            continue
        size = services.store.stat(source.store_key).size
        if size > budget:
            continue
        budget -= size
        parts.append(MergePart(f"Pièce n° {exhibit.number} — {source.title}", _loader(services, source.store_key)))
    return parts


def _loader(services: Services, key: str) -> Callable[[], bytes]:
    return lambda: services.store.get(key)


def _sign_manifest(services: Services, parts: _Parts, manifest: bytes, tools: Tools) -> bool:
    """Store the manifest, its detached CMS signature and (TSA configured) its time-stamp response."""
    parts.add_bytes(MANIFEST, manifest, "application/json")
    parts.add_bytes(SIGNATURE, tools.signer.sign_detached(manifest), "application/pkcs7-signature")
    if services.time_stamper is None:
        return False
    token = services.time_stamper.timestamp(manifest)
    parts.add_bytes(TOKEN, time_stamp_response(token.token_der), "application/timestamp-reply")
    return True


def _header(material: CaseMaterial, services: Services, tools: Tools, findings: dict[str, Any]) -> dict[str, Any]:
    return {
        "case_id": material.case.id,
        "case_reference": material.case.reference,
        "created_at": services.clock.now().isoformat(),
        "signer_certificate_sha256": tools.signer.certificate_sha256(),
        "findings": findings,
    }


def _findings_json(assessment_court: Any, warnings: list[Finding], notes: list[Finding]) -> dict[str, Any]:
    return {
        "court": {"kind": assessment_court.kind, "label": assessment_court.label, "basis": assessment_court.basis},
        "warnings": [{"code": f.code, "message": f.message} for f in warnings],
        "notes": [{"code": f.code, "message": f.message} for f in notes],
    }


def _assemble(
    services: Services, material: CaseMaterial, audit: AuditPart, tools: Tools, context: dict[str, Any]
) -> tuple[list[ZipEntry], str]:
    """Every file of the dossier stored, in ZIP order; answers the entries and the manifest's SHA-256."""
    parts = _Parts(services)
    exhibits = number_exhibits(exhibit_sources(material, audit.records))
    numbered = _add_exhibits(parts, exhibits)
    findings = (context["warnings"], context["notes"])
    documents = render_documents(services, material, context["assessment"], numbered, findings, context["today"])
    for path, data in (
        ("bordereau.pdf", documents.bordereau),
        ("requete.pdf", documents.requete),
        ("decompte.pdf", documents.decompte_pdf),
        ("decompte.csv", documents.decompte_csv),
        (NOTE, documents.note),
        *audit.files,
        *((("audit/tsa-chain.pem", audit.tsa_chain),) if audit.tsa_chain else ()),
    ):
        parts.add_bytes(path, data, _content_type(path))
    parts.add_bytes("dossier.pdf", tools.merger.merge(_merge_parts(services, documents, numbered)), "application/pdf")
    time_stamped = services.time_stamper is not None
    verify = verify_instructions(context["archive_name"], time_stamped, audit.checkpoint)
    parts.add_bytes("VERIFY.md", verify.encode("utf-8"), "text/markdown")
    files = [ManifestFile(e.path, e.size, e.sha256) for e in parts.entries]
    header = _header(material, services, tools, context["findings"])
    manifest = build_manifest(header, files, numbered, audit.checkpoint, time_stamped)
    _sign_manifest(services, parts, manifest, tools)
    return _zip_order(parts.entries), hashlib.sha256(manifest).hexdigest()


def _zip_order(entries: list[ZipEntry]) -> list[ZipEntry]:
    first = (
        "VERIFY.md",
        MANIFEST,
        SIGNATURE,
        TOKEN,
        "bordereau.pdf",
        "requete.pdf",
        "decompte.pdf",
        "decompte.csv",
        NOTE,
    )
    rank = {path: position for position, path in enumerate(first)}
    return sorted(entries, key=lambda e: (rank.get(e.path, len(first)), e.path))


def export_dossier(
    services: Services, actor: Actor, request: ExportRequest, out: Path | None = None
) -> ExportedDossier:
    """Build, store and record the dossier; the ZIP is written to the file ``out`` too when given."""
    tools = _tools(services)
    material = load_case_material(services, actor, request.case_id)
    now = services.clock.now()
    today = now.astimezone(PARIS).date()
    assessment = assess_claim(services, material, today, request.override_reason, request.interest_until, request.court)
    warnings = assessment.warnings
    audit = build_audit_part(services, actor.tenant_id, material)
    archive_name = f"dossier-{slugify(material.case.reference)}-{today.isoformat()}.zip"
    context = {
        "assessment": assessment,
        "warnings": warnings,
        "notes": assessment.notes,
        "today": today,
        "archive_name": archive_name,
        "findings": _findings_json(assessment.court, warnings, assessment.notes),
    }
    entries, manifest_sha256 = _assemble(services, material, audit, tools, context)
    zip_time = _zip_time(today)
    archive = _store_zip(services, entries, zip_time, out)
    layout = [e.to_json() for e in entries]
    layout_key = services.store.put(
        json.dumps(layout, indent=1).encode(), content_type="application/json", document_class=DOCUMENT_CLASS
    ).key
    row = Dossier(
        id=new_id(), tenant_id=actor.tenant_id, case_id=material.case.id, archive_name=archive_name,
        sha256=archive.sha256, size=archive.size, archive_key=archive.key, archive_version_id=archive.version_id,
        manifest_sha256=manifest_sha256, layout=layout, layout_key=layout_key,
        zip_time=_zip_time_text(zip_time), checkpoint_size=audit.checkpoint.size,
        findings=context["findings"], override_reason=request.override_reason if assessment.prescribed else None,
        created_by=actor.id, created_at=now,
    )  # fmt: skip
    _record(services, actor, row, len(material.notices))
    return ExportedDossier(row.id, archive_name, row.sha256, row.size, warnings)


def _store_zip(
    services: Services, entries: list[ZipEntry], zip_time: tuple[int, int, int, int, int, int], out: Path | None
) -> StoredObject:
    """Write the ZIP to ``out`` (or a temporary file) and store that file write-once as one object."""
    with tempfile.TemporaryDirectory(prefix="dossier-") as scratch:
        target = out if out is not None else Path(scratch) / "dossier.zip"
        with target.open("w+b") as handle:
            write_zip(services.store, entries, handle, zip_time)
        return services.store.put_file(target, content_type="application/zip", document_class=DOCUMENT_CLASS)


def _zip_time(day: date) -> tuple[int, int, int, int, int, int]:
    return (day.year, day.month, day.day, 0, 0, 0)


def _zip_time_text(value: tuple[int, int, int, int, int, int]) -> str:
    year, month, day, hour, minute, second = value
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"


def _record(services: Services, actor: Actor, row: Dossier, notices: int) -> None:
    documents = (DocumentRef("dossier_zip", row.sha256), DocumentRef("dossier_manifest", row.manifest_sha256))
    data: dict[str, JsonValue] = {
        "dossier_id": row.id,
        "archive_key": row.archive_key,
        "storage_version_id": row.archive_version_id,
        "checkpoint_size": row.checkpoint_size,
        "notices": notices,
        "warnings": [w["code"] for w in row.findings["warnings"]],
    }
    records = [actor.record("dossier:exported", "case", row.case_id, documents=documents, data=data)]
    if row.override_reason is not None:
        reason_sha256 = hashlib.sha256(row.override_reason.encode()).hexdigest()
        override = {"dossier_id": row.id, "reason_sha256": reason_sha256}
        records.insert(0, actor.record("dossier:prescription_overridden", "case", row.case_id, data=override))
    with services.db.transaction() as session:
        session.add(row)
        session.flush()
        audit_repository.append(session, actor.tenant_id, records, row.created_at)
        queue_event(
            session,
            tenant_id=row.tenant_id,
            topic=EventType.DOSSIER_READY.value,
            payload=_ready_payload(row),
            at=row.created_at,
        )


def _ready_payload(row: Dossier) -> dict[str, Any]:
    """``dossier.ready``'s data: fanned out by the worker to the tenant's webhook subscriptions."""
    return {
        "dossier_id": row.id,
        "case_id": row.case_id,
        "archive_name": row.archive_name,
        "sha256": row.sha256,
        "size": row.size,
        "warnings": [w["code"] for w in row.findings["warnings"]],
        "archive_url": f"/v1/dossiers/{row.id}/archive",
    }
