"""Exporting a case's evidence dossier through the API and the CLI, then checking it with the standalone verifier."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

from notice_service.adapters.system_clock import FixedClock
from notice_service.services import Services
from notice_service.use_cases.official_rates import RateInput, add_rate
from tests.functional.conftest import Api
from tests.functional.delivery.test_deliveries import dispatch
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.unit.audit.test_spec import spec_section

SCAN = b"%PDF-1.4\n% scanned avis de reception\n"
VERIFIER = Path(__file__).resolve().parents[3] / "audit" / "verify.py"


def run_verifier(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """The standalone verifier as an outside expert runs it: a separate process, no notice_service import."""
    command = [sys.executable, str(VERIFIER), "dossier", str(path), *options]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _second_half_2026_rate(services: Services) -> None:
    add_rate(services, RateInput(kind="ecb", effective=date(2026, 7, 1), rate=Decimal("2.15"), source="test"))


def case_with_delivered_notice(api: Api, services: Services) -> dict[str, str]:
    """A B2B case: an invoice (with its PDF), a part payment, a mise en demeure received with an AR scan."""
    ids = open_case(api, with_pdf=True)
    created = api.post(
        f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True}
    )
    assert created.status_code == 201, created.json
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(days=30))  # 20 December 2026
    _second_half_2026_rate(services)
    delivery = dispatch(
        api, created.json["id"], channel="registered_letter", provider="manual", tracking_number="RR123456785FR"
    )
    upload = api.client.post(
        f"/v1/deliveries/{delivery['id']}/evidence",
        data={"file": (io.BytesIO(SCAN), "ar.pdf"), "kind": "acknowledgement_of_receipt", "shown_on": "2026-12-01"},
        headers=api.headers,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    return {
        "case_id": str(ids["case_id"]),
        "notice_id": created.json["id"],
        "notice_sha": created.json["document"]["sha256"],
    }


def export(api: Api, case_id: str, body: dict[str, object] | None = None) -> dict[str, object]:
    response = api.post(f"/v1/cases/{case_id}/dossiers", body or {})
    assert response.status_code == 201, response.json
    return dict(response.json)


def test_dossier_export_holds_every_piece_and_verifies_offline(api: Api, services: Services, tmp_path: Path) -> None:
    ids = case_with_delivered_notice(api, services)
    dossier = export(api, ids["case_id"])
    assert dossier["court"]["kind"] == "tribunal_de_commerce"
    assert [n["code"] for n in dossier["notes"]][:2] == ["petites_creances_open", "b2b"]
    assert [w["code"] for w in dossier["warnings"]] == []  # received 1 December, deadline passed 9 December

    download = api.get(str(dossier["archive_url"]))
    assert download.status_code == 200 and download.mimetype == "application/zip"
    data = download.data
    assert hashlib.sha256(data).hexdigest() == dossier["sha256"] and len(data) == dossier["size"]
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    for required in ("bordereau.pdf", "requete.pdf", "decompte.pdf", "decompte.csv", "dossier.pdf", "VERIFY.md"):
        assert required in names
    assert {"manifest.json", "manifest.json.p7s"} <= set(names)
    pieces = sorted(n for n in names if n.startswith("pieces/"))
    assert [p.split("/")[1][:3] for p in pieces] == ["01-", "02-", "03-", "04-"]
    assert hashlib.sha256(archive.read(pieces[1])).hexdigest() == ids["notice_sha"]
    assert archive.read(pieces[2]) == SCAN
    manifest = json.loads(archive.read("manifest.json"))
    assert {f["path"] for f in manifest["files"]} == set(names) - {"manifest.json", "manifest.json.p7s"}
    assert manifest["exhibits"][1]["audit"]["role"] == "signed_pdf"
    outline = [item.title for item in PdfReader(io.BytesIO(archive.read("dossier.pdf"))).outline]
    assert outline[:3] == ["Bordereau des pièces", "Requête en injonction de payer", "Décompte"]
    assert "1107" not in archive.read("decompte.csv").decode()  # as of the export date, not the notice's

    path = tmp_path / "dossier.zip"
    path.write_bytes(data)
    checked = run_verifier(path)
    assert checked.returncode == 0, checked.stdout
    assert "pièce n° 2 pieces/02-" in checked.stdout and "PDF signature valid" in checked.stdout

    case = api.get(f"/v1/cases/{ids['case_id']}").json
    exported = [e for e in case["timeline"] if e["action"] == "dossier:exported"]
    assert exported and {"role": "dossier_zip", "sha256": dossier["sha256"]} in exported[0]["documents"]


def test_second_export_carries_a_consistency_proof_from_the_first(api: Api, services: Services) -> None:
    ids = case_with_delivered_notice(api, services)
    first = export(api, ids["case_id"])
    second = export(api, ids["case_id"])
    assert int(str(second["checkpoint_size"])) > int(str(first["checkpoint_size"]))
    archive = zipfile.ZipFile(io.BytesIO(api.get(str(second["archive_url"])).data))
    proof = json.loads(archive.read("audit/consistency-proof.json"))
    assert (proof["from"], proof["to"]) == (first["checkpoint_size"], second["checkpoint_size"])


def _records(api: Api) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    after = -1
    while after is not None:
        page = api.get(f"/v1/audit/records?after={after}&limit=100").json
        found += page["records"]
        after = page["next_after"]
    return found


def test_the_dossier_takes_a_checkpoint_of_the_head_for_itself(api: Api, services: Services) -> None:
    """SPEC.md §8: every record written before the export is in the dossier's signed checkpoint; the export's own
    record comes after that checkpoint's anchor, for the next checkpoint to cover."""
    ids = case_with_delivered_notice(api, services)
    before = len(_records(api))
    dossier = export(api, ids["case_id"])
    latest = api.get("/v1/audit/checkpoints/latest").json
    size = latest["size"]
    assert dossier["checkpoint_size"] == size and latest["anchor_index"] == size
    actions = [r["record"]["action"] for r in _records(api)]
    # the log's first checkpoint activates the checkpoint key first (SPEC.md §7), inside the checkpoint too
    assert actions[before:size] == ["audit:key-activated"]
    assert actions[size:] == ["audit:checkpoint", "dossier:exported"]
    assert "the dossier (§9) likewise checkpoints the head" in spec_section(8)


def test_warnings_without_a_received_formal_notice(api: Api, services: Services) -> None:
    ids = open_case(api, with_pdf=True)
    _second_half_2026_rate(services)
    dossier = export(api, str(ids["case_id"]))
    assert [w["code"] for w in dossier["warnings"]] == ["no_formal_notice"]
    archive = zipfile.ZipFile(io.BytesIO(api.get(str(dossier["archive_url"])).data))
    assert "Aucune mise en demeure" in "".join(  # the internal note, not the bordereau (issue 12, finding 5)
        page.extract_text() for page in PdfReader(io.BytesIO(archive.read("note-interne-avocat.pdf"))).pages
    )


def test_prescribed_claim_is_refused_unless_overridden_and_the_override_is_audited(
    api: Api, services: Services
) -> None:
    ids = open_case(api, with_pdf=True)
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(days=5 * 366))  # paid 15 April 2026 + 5 years: prescribed since April 2031
    refused = api.post(f"/v1/cases/{ids['case_id']}/dossiers", {})
    assert refused.status_code == 422, refused.json
    assert refused.json["type"].endswith("/claim-prescribed")
    assert refused.json["errors"][0]["field"] == "override_prescription"
    for year in range(2026, 2032):
        for month in (1, 7):
            if (year, month) != (2026, 1):
                add_rate(
                    services, RateInput(kind="ecb", effective=date(year, month, 1), rate=Decimal("2.15"), source="t")
                )
    dossier = export(
        api, str(ids["case_id"]), {"override_prescription": {"reason": "reconnaissance écrite du 2 mars 2031"}}
    )
    assert dossier["prescription_overridden"] is True
    assert next(w["code"] for w in dossier["warnings"]) == "prescription_overridden"
    actions = [e["action"] for e in api.get(f"/v1/cases/{ids['case_id']}").json["timeline"]]
    assert actions[-2:] == ["dossier:prescription_overridden", "dossier:exported"]


def test_another_tenant_cannot_export_or_download(api: Api, other_api: Api, services: Services) -> None:
    ids = case_with_delivered_notice(api, services)
    dossier = export(api, ids["case_id"])
    assert other_api.post(f"/v1/cases/{ids['case_id']}/dossiers", {}).status_code == 404
    assert other_api.get(str(dossier["archive_url"])).status_code == 404
