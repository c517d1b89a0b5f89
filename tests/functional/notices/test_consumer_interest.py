"""B2C letters and the receipt of the mise en demeure (issue 12 finding 7): before receipt a consumer owes no
interest and the letter prints no interest line at all; once a mise en demeure is received, every later letter
carries interest at the taux légal from the day after receipt (C. civ. 1231-6, 1344-1), as the dossier does."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from notice_service.adapters.system_clock import FixedClock
from notice_service.services import Services
from notice_service.use_cases.official_rates import RateInput, add_rate
from tests.functional.claims.test_contractual_rate import CONSUMER
from tests.functional.conftest import Api
from tests.functional.delivery.test_deliveries import dispatch

SCAN = b"%PDF-1.4\n% scanned avis de reception\n"
DECOMPTE = re.compile(r"Décompte des sommes dues.*?Total restant dû")


def _pdf_text(api: Api, notice_id: str, tmp_path: Path) -> str:
    path = tmp_path / f"{notice_id}.pdf"
    path.write_bytes(api.get(f"/v1/notices/{notice_id}/pdf").data)
    text = subprocess.run(["pdftotext", path, "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())


def _consumer_case(api: Api) -> str:
    debtor = api.post("/v1/debtors", CONSUMER).json["id"]
    body = {"debtor_id": debtor, "number": "F-B2C-7", "issue_date": "2026-03-01", "due_date": "2026-03-31"}
    invoice = api.post("/v1/invoices", {**body, "amount_due": "1234.56"})
    assert invoice.status_code == 201, invoice.json
    case = api.post("/v1/cases", {"debtor_id": debtor, "invoice_ids": [invoice.json["id"]]})
    return str(case.json["id"])


def _received(api: Api, services: Services, notice_id: str, shown_on: str) -> None:
    """The mise en demeure dispatched by registered letter and its signed AR uploaded (receipt ``shown_on``)."""
    delivery = dispatch(api, notice_id, channel="registered_letter", provider="manual", tracking_number="RR123456785FR")
    upload = api.client.post(
        f"/v1/deliveries/{delivery['id']}/evidence",
        data={"file": (io.BytesIO(SCAN), "ar.pdf"), "kind": "acknowledgement_of_receipt", "shown_on": shown_on},
        headers=api.headers,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json


def test_b2c_interest_runs_from_the_receipt_in_later_letters_and_no_line_before(
    api: Api, services: Services, tmp_path: Path
) -> None:
    case_id = _consumer_case(api)
    first = api.post(f"/v1/cases/{case_id}/notices", {"kind": "formal_notice", "as_of": "2026-11-20", "issue": True})
    assert first.status_code == 201, first.json
    assert first.json["statement"]["interest"] == "0.00" and first.json["statement"]["notice_received_on"] is None
    before = _pdf_text(api, first.json["id"], tmp_path)
    table = DECOMPTE.search(before)
    assert table is not None and "Intérêts" not in table.group(0), "no interest line before receipt, not 0,00 €"

    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(days=30))  # 20 December 2026
    add_rate(
        services,
        RateInput(
            kind="legal", half_year="2026-S2", particuliers=Decimal("6.50"), autres_cas=Decimal("2.50"), source="test"
        ),
    )
    _received(api, services, first.json["id"], "2026-12-01")
    second = api.post(f"/v1/cases/{case_id}/notices", {"kind": "formal_notice", "as_of": "2026-12-20", "issue": True})
    assert second.status_code == 201, second.json
    statement = second.json["statement"]
    assert statement["notice_received_on"] == "2026-12-01"
    [period] = statement["invoices"][0]["periods"]
    assert (period["from"], period["to"], period["days"], period["rate"]) == ("2026-12-02", "2026-12-20", 19, "2.50")
    expected = (Decimal("1234.56") * Decimal("2.50") / 100 * 19 / 365).quantize(Decimal("0.01"))
    assert statement["interest"] == format(expected, "f")
    after = _pdf_text(api, second.json["id"], tmp_path)
    table = DECOMPTE.search(after)
    assert table is not None and "Intérêts" in table.group(0)
    assert "réception de la mise en demeure" in after and "taux d’intérêt légal, 2e semestre 2026" in after
