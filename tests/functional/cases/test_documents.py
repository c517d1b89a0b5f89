"""A case's supporting documents and the debtor's disputes: upload and record them, list them on the case, refuse
bad input without writing anything, and find them in the dossier (the contract as Pièce n° 1, the dispute warned)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.case_documents import CaseDispute, CaseDocument
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api
from tests.functional.dossier.test_export import case_with_delivered_notice, export, run_verifier
from tests.functional.notices.test_formal_notice_flow import open_case

CONTRACT = b"%PDF-1.4\n% contrat cadre de prestations signe\n"
CGV_SCAN = b"\x89PNG\r\n\x1a\n conditions generales de vente"
MAX_UPLOAD = 2_000


def upload(api: Api, case_id: str, data: bytes, **fields: str) -> Any:
    form: dict[str, Any] = {"file": (io.BytesIO(data), "document.pdf"), **fields}
    return api.client.post(
        f"/v1/cases/{case_id}/documents", data=form, headers=api.headers, content_type="multipart/form-data"
    )


def case_records(services: Services, action: str) -> list[dict[str, Any]]:
    with services.db.reading() as session:
        rows = session.execute(select(AuditRecord.canonical).order_by(AuditRecord.index)).scalars()
        return [r for r in map(json.loads, rows) if r["action"] == action]


def test_upload_contract_and_cgv_listed_on_the_case_stored_and_audited(api: Api, services: Services) -> None:
    case_id = str(open_case(api)["case_id"])
    created = upload(api, case_id, CONTRACT, kind="contract", title="Contrat cadre", dated="2025-12-01")
    assert created.status_code == 201, created.json
    assert upload(api, case_id, CGV_SCAN, kind="cgv").status_code == 201

    case = api.get(f"/v1/cases/{case_id}").json
    documents = {d["kind"]: d for d in case["documents"]}
    contract_sha = hashlib.sha256(CONTRACT).hexdigest()
    assert documents["contract"]["id"] == created.json["id"]
    assert (documents["contract"]["sha256"], documents["contract"]["size"]) == (contract_sha, len(CONTRACT))
    assert (documents["contract"]["title"], documents["contract"]["dated"]) == ("Contrat cadre", "2025-12-01")
    assert (documents["cgv"]["media_type"], documents["cgv"]["dated"]) == ("image/png", None)
    assert services.store.get(f"sha256/{contract_sha}") == CONTRACT
    added = [e for e in case["timeline"] if e["action"] == "case:document_added"]
    assert next(e["documents"] for e in added) == [{"role": "contract", "sha256": contract_sha}]
    assert len(added) == 2


def test_record_dispute_listed_and_audited_by_hash_only(api: Api, services: Services) -> None:
    case_id = str(open_case(api)["case_id"])
    summary = "Le débiteur conteste la qualité de la livraison du 3 mars."
    created = api.post(f"/v1/cases/{case_id}/disputes", {"raised_on": "2026-11-02", "summary": f"  {summary} "})
    assert created.status_code == 201, created.json

    disputes = api.get(f"/v1/cases/{case_id}").json["disputes"]
    digest = hashlib.sha256(summary.encode()).hexdigest()
    assert [(d["id"], d["raised_on"], d["summary"], d["summary_sha256"]) for d in disputes] == [
        (created.json["id"], "2026-11-02", summary, digest)
    ]
    [record] = case_records(services, "case:dispute_recorded")
    assert record["data"]["summary_sha256"] == digest and record["subject"]["id"] == case_id
    assert "livraison" not in json.dumps(record, ensure_ascii=False)


def test_document_upload_replay_with_the_same_key_creates_nothing_more(api: Api, services: Services) -> None:
    """A client's retry may use another multipart boundary: the same fields and file are the same request."""
    case_id = str(open_case(api)["case_id"])
    headers = {**api.headers, "Idempotency-Key": "doc-1"}

    def upload(boundary: str, content: bytes = CONTRACT) -> Any:
        _, body = encode_multipart({"file": FileStorage(io.BytesIO(content), "c.pdf"), "kind": "contract"}, boundary)
        return api.client.post(
            f"/v1/cases/{case_id}/documents",
            data=body,
            headers=headers,
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    sent = [upload("first-boundary"), upload("another-boundary")]
    assert [r.status_code for r in sent] == [201, 201], sent[0].json
    assert sent[0].json == sent[1].json
    assert sent[1].headers["Idempotent-Replayed"] == "true"
    other_file = upload("third-boundary", CONTRACT + b"% another version\n")
    assert other_file.status_code == 422 and other_file.json["type"].endswith("/idempotency-key-reused")
    assert len(api.get(f"/v1/cases/{case_id}").json["documents"]) == 1


@pytest.fixture
def small(tmp_path: Path, database_url: str) -> Iterator[tuple[Services, FlaskClient, Api, Api]]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, max_upload_bytes=MAX_UPLOAD)
    services = build_services(settings, clock=FixedClock(NOW))
    with create_app(services=services).test_client() as client:
        api = Api(client, create_tenant(services, name="Atelier", siren="404833048", profile=CREDITOR_PROFILE).api_key)
        other = Api(client, create_tenant(services, name="Autre", siren="552100554", profile=CREDITOR_PROFILE).api_key)
        yield services, client, api, other
    services.db.engine.dispose()


def written(services: Services) -> tuple[int, ...]:
    with services.db.reading() as session:
        rows = tuple(
            session.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (CaseDocument, CaseDispute, AuditRecord)
        )
    return (*rows, sum(1 for p in services.settings.store_path.rglob("*") if p.is_file()))


GOOD_FORM = {"kind": "contract", "dated": "2026-01-15"}
# (name, path suffix, multipart form or None for JSON, JSON body, whose case, expected status, field)
BAD: list[tuple[str, str, dict[str, str] | None, dict[str, Any] | None, str, int, str | None]] = [
    ("document: unknown case", "documents", GOOD_FORM, None, "unknown", 404, None),
    ("document: other tenant's case", "documents", GOOD_FORM, None, "other", 404, None),
    ("document: bad kind", "documents", {"kind": "invoice"}, None, "own", 422, "kind"),
    ("document: missing kind", "documents", {"title": "x"}, None, "own", 422, "kind"),
    ("document: bad date", "documents", {"kind": "cgv", "dated": "2026-02-30"}, None, "own", 422, "dated"),
    ("document: future date", "documents", {"kind": "cgv", "dated": "2027-01-01"}, None, "own", 422, "dated"),
    ("document: GIF", "documents", {"kind": "cgv", "_data": "gif"}, None, "own", 415, "file"),
    ("document: oversized", "documents", {"kind": "cgv", "_data": "big"}, None, "own", 413, "file"),
    ("document: missing file", "documents", {"kind": "cgv", "_data": "none"}, None, "own", 422, "file"),
    ("dispute: unknown case", "disputes", None, {"raised_on": "2026-11-02", "summary": "x"}, "unknown", 404, None),
    ("dispute: other tenant", "disputes", None, {"raised_on": "2026-11-02", "summary": "x"}, "other", 404, None),
    ("dispute: empty summary", "disputes", None, {"raised_on": "2026-11-02", "summary": "  "}, "own", 422, "summary"),
    (
        "dispute: long summary",
        "disputes",
        None,
        {"raised_on": "2026-11-02", "summary": "x" * 2001},
        "own",
        422,
        "summary",
    ),
    ("dispute: bad date", "disputes", None, {"raised_on": "02/11/2026", "summary": "x"}, "own", 422, "raised_on"),
    ("dispute: future", "disputes", None, {"raised_on": "2027-01-02", "summary": "x"}, "own", 422, "raised_on"),
    ("dispute: missing date", "disputes", None, {"summary": "x"}, "own", 422, "raised_on"),
]
DATA = {"gif": b"GIF89a not a document", "big": b"%PDF-1.7\n" + b"0" * MAX_UPLOAD, "pdf": CONTRACT}


def _send(api: Api, path: str, form: dict[str, str] | None, body: dict[str, Any] | None) -> Any:
    if form is None:
        return api.post(path, body)
    fields: dict[str, Any] = {k: v for k, v in form.items() if k != "_data"}
    choice = form.get("_data", "pdf")
    if choice != "none":
        fields["file"] = (io.BytesIO(DATA[choice]), "upload.pdf")
    return api.client.post(path, data=fields, headers=api.headers, content_type="multipart/form-data")


def test_bad_input_answers_a_problem_naming_the_field_and_writes_nothing(
    small: tuple[Services, FlaskClient, Api, Api],
) -> None:
    services, _, api, other = small
    own_case = str(open_case(api)["case_id"])
    foreign_case = str(open_case(other)["case_id"])
    cases = {"own": own_case, "other": foreign_case, "unknown": "00000000-0000-0000-0000-000000000000"}
    before = written(services)
    for name, suffix, form, body, whose, status, field in BAD:
        response = _send(api, f"/v1/cases/{cases[whose]}/{suffix}", form, body)
        assert response.status_code == status, (name, response.json)
        assert response.mimetype == "application/problem+json", name
        if field is not None:
            assert field in [e["field"] for e in response.json.get("errors", [])], (name, response.json)
        assert written(services) == before, name
    assert _send(api, f"/v1/cases/{own_case}/documents", GOOD_FORM, None).status_code == 201
    assert written(services) != before


def test_dossier_numbers_the_contract_first_and_warns_of_a_later_dispute(
    api: Api, services: Services, tmp_path: Path
) -> None:
    ids = case_with_delivered_notice(api, services)
    assert upload(api, ids["case_id"], CONTRACT, kind="contract", title="Contrat cadre").status_code == 201
    disputed = api.post(f"/v1/cases/{ids['case_id']}/disputes", {"raised_on": "2026-12-10", "summary": "Conteste."})
    assert disputed.status_code == 201, disputed.json
    dossier = export(api, ids["case_id"])
    assert [w["code"] for w in dossier["warnings"]] == ["dispute_after_formal_notice"]

    data = api.get(str(dossier["archive_url"])).data
    archive = zipfile.ZipFile(io.BytesIO(data))
    pieces = sorted(n for n in archive.namelist() if n.startswith("pieces/"))
    assert pieces[0].startswith("pieces/01-contrat-cadre") and archive.read(pieces[0]) == CONTRACT
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["exhibits"][0]["audit"]["role"] == "contract"
    bordereau = "".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read("bordereau.pdf"))).pages)
    note = "".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read("note-interne-avocat.pdf"))).pages)
    assert "Contrat\u202f: Contrat cadre" in bordereau and "Contestation(s) du débiteur" in note
    path = tmp_path / "dossier.zip"
    path.write_bytes(data)
    checked: subprocess.CompletedProcess[str] = run_verifier(path)
    assert checked.returncode == 0, checked.stdout
