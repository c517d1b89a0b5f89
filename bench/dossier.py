"""Evidence dossier export speed and memory: a case of 10 invoices, 4 notices, 3 deliveries, 12 evidence files.

    .venv/bin/python bench/dossier.py [--sizes 1 10]

For each evidence size (MiB), one case is built through the API on real components (SQLite, the filesystem
store, WeasyPrint, pyHanko with the development identity), then exported twice with ``export_dossier``: once
timed, once under ``tracemalloc`` for the peak of Python allocations during the export. Evidence files are
JPEG scans (random bytes after the JPEG magic), so they are copied into ``pieces/`` but not merged into the
PDF reading copy. Each export also stores its ZIP write-once as one object (streamed from a temporary file).
Target on the 2-core reference machine: under 5 s per export; a peak that does not grow with the exhibits
(each is streamed in 1 MiB chunks into the ZIP, and the ZIP into the store).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pypdf import PdfWriter

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.domain.delivery.facts import EvidenceKind
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.delivery.manual import attach_evidence
from notice_service.use_cases.delivery.recording import EvidenceFile
from notice_service.use_cases.dossier.export import ExportRequest, export_dossier
from notice_service.use_cases.official_rates import RateInput, add_rate
from notice_service.use_cases.tenants.onboarding import authenticate, create_tenant

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
PROFILE = {
    "legal_form": "SARL", "rcs_city": "Lyon", "address_lines": ["3 quai Saint-Antoine"], "postal_code": "69002",
    "city": "Lyon", "country": "FR", "email": "compta@atelier.example", "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPP", "signatory_name": "Jeanne Durand", "signatory_role": "Gérante", "place": "Lyon",
}  # fmt: skip
DEBTOR = {
    "kind": "business", "name": "Boulangerie Martin SARL", "siren": "732829320",
    "address": {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris", "country": "FR"},
}  # fmt: skip
LETTERS = ("reminder", "second_reminder", "formal_notice", "formal_notice")
CHANNELS = (("registered_letter", "RR123456785FR"), ("registered_letter", "1A12345678901"), ("bailiff", None))
KINDS = (EvidenceKind.DEPOSIT_PROOF, EvidenceKind.ACKNOWLEDGEMENT_OF_RECEIPT, EvidenceKind.RETURNED_ENVELOPE)


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _post(client: object, key: str, path: str, body: object) -> dict[str, object]:
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})  # type: ignore[attr-defined]
    assert response.status_code == 201, response.json
    return dict(response.json)


def build_case(services: Services, evidence_mib: int) -> tuple[str, str]:
    """The case id and the tenant's API key."""
    import base64

    key = create_tenant(services, name="Atelier Durand", siren="404833048", profile=PROFILE).api_key
    add_rate(services, RateInput(kind="ecb", effective=date(2026, 7, 1), rate=Decimal("2.15"), source="bench"))
    with create_app(services=services).test_client() as client:
        debtor = _post(client, key, "/v1/debtors", DEBTOR)
        invoice_ids, pdf = [], _pdf()
        for n in range(10):
            body = {
                "debtor_id": debtor["id"], "number": f"F-2026-{n:04d}", "issue_date": "2026-03-01",
                "due_date": "2026-03-31", "amount_due": f"{100 + n}.00", "pdf_base64": base64.b64encode(pdf).decode(),
            }  # fmt: skip
            invoice_ids.append(_post(client, key, "/v1/invoices", body)["id"])
        case = _post(client, key, "/v1/cases", {"debtor_id": debtor["id"], "invoice_ids": invoice_ids})
        notices = [
            _post(client, key, f"/v1/cases/{case['id']}/notices", {"kind": kind, "as_of": "2026-06-30", "issue": True})
            for kind in LETTERS
        ]
        deliveries = []
        for channel, tracking in CHANNELS:
            body = {"channel": channel, "provider": "manual", **({"tracking_number": tracking} if tracking else {})}
            deliveries.append(_post(client, key, f"/v1/notices/{notices[-1]['id']}/deliveries", body)["id"])
    actor = authenticate(services, key)
    for n in range(12):
        scan = b"\xff\xd8\xff\xe0" + os.urandom(evidence_mib * 1024 * 1024)
        attach_evidence(services, actor, str(deliveries[n % 3]), EvidenceFile(KINDS[n % 3], scan))
    return str(case["id"]), key


def run(evidence_mib: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(data_dir=Path(directory), max_upload_bytes=(evidence_mib + 1) * 1024 * 1024)
        clock = FixedClock(NOW)
        services = build_services(settings, clock=clock)
        try:
            case_id, key = build_case(services, evidence_mib)
            clock.advance(timedelta(days=1))
            actor = authenticate(services, key)
            started = time.perf_counter()
            timed = export_dossier(services, actor, ExportRequest(case_id))
            seconds = time.perf_counter() - started
            tracemalloc.start()
            export_dossier(services, actor, ExportRequest(case_id))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            services.db.engine.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"evidence {evidence_mib:>3} MiB × 12: export {seconds:5.2f} s, ZIP {timed.size / 2**20:6.1f} MiB, "
        f"peak Python allocations during export {peak / 2**20:6.1f} MiB, process max RSS so far {rss:6.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10], help="evidence file sizes in MiB")
    for size in parser.parse_args().sizes:
        run(size)


if __name__ == "__main__":
    main()
