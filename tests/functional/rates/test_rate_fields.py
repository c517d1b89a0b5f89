"""One list of a rate's values (``official_rates.RATE_FIELDS``, issue 11 item 3): the CLI's ``rates add``
options, the ``RateInput``, the stored ``rate_additions`` row and the ``rate:added`` audit record are all made
from it, so a value added to one cannot be forgotten in another."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from notice_service.cli import build_parser, main
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.rates import RateAddition
from notice_service.services import Services
from notice_service.use_cases.official_rates import RATE_FIELDS, RateInput, rate_input
from tests.functional.rates.test_sync import rate_services, replay

__all__ = ["rate_services", "replay"]
NAMES = [field.name for field in RATE_FIELDS]


def test_the_input_the_row_and_the_cli_have_exactly_the_rate_fields() -> None:
    assert [f.name for f in dataclasses.fields(RateInput)] == ["kind", "source", *NAMES]
    assert set(NAMES) <= set(RateAddition.__table__.columns.keys())
    add = build_parser().parse_args(["rates", "add", "--kind", "ecb", "--source", "s"])
    assert {name for name in vars(add) if name in NAMES} == set(NAMES)
    assert rate_input("ecb", "s", {"rate": Decimal("2"), "handler": None}) == RateInput("ecb", "s", rate=Decimal("2"))


def test_rates_add_stores_and_audits_every_field_it_was_given(
    rate_services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTICE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NOTICE_DATABASE_URL", rate_services.settings.resolved_database_url)
    given = {"effective": "2026-07-01", "rate": "2.15", "confirmed-until": "2026-07-31"}
    options = [item for name, value in given.items() for item in (f"--{name}", value)]
    assert main(["rates", "add", "--kind", "ecb", "--source", "BCE, communiqué", *options]) == 0
    with rate_services.db.reading() as session:
        row = session.execute(select(RateAddition)).scalar_one()
        (record,) = session.execute(select(AuditRecord).where(AuditRecord.action == "rate:added")).scalars()
    assert (row.effective, row.rate, row.confirmed_until) == (date(2026, 7, 1), Decimal("2.15"), date(2026, 7, 31))
    assert (row.half_year, row.particuliers, row.autres_cas) == (None, None, None)
    data = json.loads(record.canonical)["data"]
    assert data == {
        "kind": "ecb",
        "source": "BCE, communiqué",
        **{name.replace("-", "_"): value for name, value in given.items()},
    }
