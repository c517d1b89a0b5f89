"""Issuing throughput: notices/second through the ``issue_notice`` use case, next to the bare libraries' floor.

The floor is what the same letters cost with nothing but the libraries: WeasyPrint render + pyHanko sign +
document-store put, measured in the same run on the same machine. The use case adds the completeness check
on the PDF's text, the attachments, the database transaction and the audit record. Target: ratio ≥ 0.8.

    .venv/bin/python bench/issue_throughput.py [--notices 30]

Drafts are prepared before the clock starts (drafting is its own use case); the embedded profile is used
(SQLite, filesystem store, development signing identity). The two measurements alternate in blocks of five
letters, so that a shared machine's drift affects both alike.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from notice_service.adapters.storage.fs_store import FileSystemDocumentStore
from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.db.models.notices import Notice
from notice_service.ports import LetterRequest
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.cases.open import open_case
from notice_service.use_cases.claims.debtors import DebtorInput, register_debtor
from notice_service.use_cases.claims.invoices import InvoiceInput, register_invoice
from notice_service.use_cases.notices.draft import LETTER_TITLES, DraftRequest, draft_notice
from notice_service.use_cases.notices.issue import issue_notice, letter_attachments
from notice_service.use_cases.notices.letter_context import thaw
from notice_service.use_cases.tenants.onboarding import authenticate, create_tenant

BLOCK = 5  # notices per alternating block of measurements
PROFILE = {
    "legal_form": "SAS",
    "capital": "10 000 €",
    "rcs_city": "Paris",
    "address_lines": ["12 rue de la Paix"],
    "postal_code": "75002",
    "city": "Paris",
    "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPP",
    "signatory_name": "Claire Martin",
    "signatory_role": "Responsable du recouvrement",
    "place": "Paris",
}


def prepare(services: Services, count: int) -> tuple[Actor, list[str]]:
    actor = authenticate(
        services, create_tenant(services, name="Bench SAS", siren="732829320", profile=PROFILE).api_key
    )
    drafts = []
    for n in range(count):
        debtor = register_debtor(
            services,
            actor,
            DebtorInput("business", f"Client {n} SARL", ("1 rue du Bench",), "75011", "Paris", siren="404833048"),
        )
        invoices = [
            register_invoice(
                services,
                actor,
                InvoiceInput(debtor, f"F-{n}-{i}", date(2026, 1, 5), date(2026, 2, 4 + i), Decimal("1200.00") + i),
            )
            for i in range(3)
        ]
        case = open_case(services, actor, debtor, invoices)
        drafts.append(draft_notice(services, actor, DraftRequest(case, "formal_notice", date(2026, 6, 30))))
    return actor, drafts


def bare_floor(services: Services, drafts: list[str], store_dir: Path) -> float:
    """Seconds per letter for render + sign + put of the same letters, libraries only."""
    store_dir.mkdir(parents=True, exist_ok=True)
    store = FileSystemDocumentStore(store_dir)
    with services.db.reading() as session:
        notices = [session.get_one(Notice, notice_id) for notice_id in drafts]
    started = time.perf_counter()
    for notice in notices:
        request = LetterRequest(
            kind=notice.kind,
            variant=notice.variant,
            context=thaw(notice.letter_data, development_certificate=True),
            title=LETTER_TITLES[notice.kind],
            attachments=letter_attachments(services, notice.letter_data, []),  # the same letter: its data file
        )
        pdf = services.renderer.render(request).pdf
        signed = services.signer.sign(pdf, reason="bench")
        store.put(signed.pdf, content_type="application/pdf", document_class="notice")
    return (time.perf_counter() - started) / len(notices)


def through_use_case(services: Services, actor: Actor, drafts: list[str]) -> float:
    started = time.perf_counter()
    for notice_id in drafts:
        issue_notice(services, actor, notice_id)
    return (time.perf_counter() - started) / len(drafts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--notices", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        services = build_services(
            Settings(data_dir=Path(folder) / "var"), clock=FixedClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
        )
        actor, drafts = prepare(services, args.notices + 3)
        warm, drafts = drafts[:3], drafts[3:]
        through_use_case(services, actor, warm)  # imports, font caches, first TSA/DB round trips
        # Alternate blocks of both measurements so drift on a shared machine hits them alike.
        floor_total = use_case_total = 0.0
        for start in range(0, len(drafts), BLOCK):
            block = drafts[start : start + BLOCK]
            floor_total += bare_floor(services, block, Path(folder) / "bare-store") * len(block)
            use_case_total += through_use_case(services, actor, block) * len(block)
        floor, per_notice = floor_total / len(drafts), use_case_total / len(drafts)
        services.db.engine.dispose()
    print(f"notices issued through the use case: {args.notices}")
    print(f"use case:      {1 / per_notice:6.2f} notices/s  ({per_notice * 1000:6.1f} ms each)")
    print(f"bare libraries:{1 / floor:6.2f} letters/s  ({floor * 1000:6.1f} ms each: render + sign + put)")
    print(f"ratio (use case / bare): {floor / per_notice:.2f}  (target ≥ 0.80)")


if __name__ == "__main__":
    main()
