"""Official rates: the shipped tables plus the rates operators add (``notice-service rates add``).

Rates are national facts, shared by every tenant; adding one is audited in every tenant's log since every
décompte computed afterwards depends on it. The domain refuses an addition that contradicts a known rate
or rewrites the confirmed ECB history (adding is not correcting).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.rates import RateAddition
from notice_service.db.models.tenants import Tenant
from notice_service.domain.rates import EcbRateChange, HalfYear, LegalRate, RateTables, with_added_rate
from notice_service.errors import FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor


@dataclass(frozen=True)
class RateInput:
    kind: str  # "ecb" | "legal"
    source: str
    effective: date | None = None
    rate: Decimal | None = None
    confirmed_until: date | None = None
    half_year: str | None = None
    particuliers: Decimal | None = None
    autres_cas: Decimal | None = None


@dataclass(frozen=True)
class RateField:
    """One value of a rate beside its ``kind`` and ``source``: how it is read from text and what it means."""

    name: str
    parse: Callable[[str], date | Decimal | str]
    help: str


#: The values of a rate, the one list the CLI's options, the stored row and the audit record are made from.
RATE_FIELDS = (
    RateField("effective", date.fromisoformat, "ECB: effective date, YYYY-MM-DD"),
    RateField("rate", Decimal, "ECB: the main refinancing rate in percent, e.g. 2.15"),
    RateField("confirmed_until", date.fromisoformat, "ECB: history checked up to this date"),
    RateField("half_year", str, "taux légal: e.g. 2026-S2"),
    RateField("particuliers", Decimal, "taux légal column A, percent"),
    RateField("autres_cas", Decimal, "taux légal column B, percent"),
)


def rate_input(kind: str, source: str, values: Mapping[str, Any]) -> RateInput:
    """A ``RateInput`` from ``values`` by ``RATE_FIELDS`` name (a missing one is ``None``)."""
    return RateInput(kind=kind, source=source, **{f.name: values.get(f.name) for f in RATE_FIELDS})


def _text(value: date | Decimal | str | None) -> str | None:
    """A rate value as the audit record carries it: ISO date, plain decimal, text."""
    if value is None or isinstance(value, str):
        return value
    return value.isoformat() if isinstance(value, date) else format(value, "f")


def _as_domain(row: RateAddition | RateInput) -> tuple[EcbRateChange | LegalRate, date | None]:
    if row.kind == "ecb":
        if row.effective is None or row.rate is None:
            raise InvalidInput(
                "An ECB rate needs --effective and --rate.", errors=[FieldError("effective", "required")]
            )
        return EcbRateChange(row.effective, row.rate, row.source), row.confirmed_until
    if row.kind == "legal":
        if row.half_year is None or row.particuliers is None or row.autres_cas is None:
            raise InvalidInput(
                "A taux légal needs --half-year, --particuliers and --autres-cas.",
                errors=[FieldError("half_year", "required")],
            )
        try:
            half = HalfYear.parse(row.half_year)
        except ValueError as exc:
            raise InvalidInput(str(exc), errors=[FieldError("half_year", "like 2026-S2")]) from exc
        return LegalRate(half.year, half.half, row.particuliers, row.autres_cas, row.source), None
    raise InvalidInput("Unknown rate kind.", errors=[FieldError("kind", "use 'ecb' or 'legal'")])


def _apply(tables: RateTables, rows: list[RateAddition]) -> RateTables:
    for row in rows:
        rate, confirmed_until = _as_domain(row)
        tables = with_added_rate(tables, rate, confirmed_until=confirmed_until)
    return tables


def _additions(session: Session) -> list[RateAddition]:
    return list(session.execute(select(RateAddition).order_by(RateAddition.id)).scalars())


def current_rate_tables(services: Services) -> RateTables:
    """The shipped tables with every operator addition applied, in the order they were added."""
    with services.db.reading() as session:
        return _apply(services.rates, _additions(session))


@dataclass(frozen=True)
class RatesAdded:
    """The tables in force after an addition, and how many rates it recorded (a known one is not recorded)."""

    tables: RateTables
    recorded: int


#: The PostgreSQL advisory lock (``pg_advisory_xact_lock``) every rate addition holds for its transaction, so
#: two concurrent ``rates sync`` (or ``rates add``) runs are serialised: the second reads the first's rows and
#: finds its rates already known (SQLite writers are serialised by ``BEGIN IMMEDIATE`` already).
RATES_LOCK = 0x7261746573  # "rates"


def _serialise_additions(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RATES_LOCK})


def add_rate(services: Services, data: RateInput, *, operator: str = "cli") -> RateTables:
    """Add one official rate (audited in every tenant's log); re-adding a known rate changes nothing."""
    return add_rates(services, [data], operator=operator).tables


def add_rates(services: Services, rates: Sequence[RateInput], *, operator: str = "cli") -> RatesAdded:
    """Add ``rates`` in order in one transaction: all are recorded and audited, or none (the first refused
    one raises ``InvalidInput``). Each addition is one ``rate_additions`` row and one ``rate:added`` record
    in every tenant's log; an identical rate already known is skipped. Concurrent additions are serialised
    (``RATES_LOCK``) and the known rates read after the lock, so a rate two runs add at once is recorded and
    audited once."""
    for data in rates:
        if not data.source.strip():
            raise InvalidInput("Name the official source of the rate.", errors=[FieldError("source", "required")])
    now = services.clock.now()
    recorded = 0
    with services.db.transaction() as session:
        _serialise_additions(session)
        tables = _apply(services.rates, _additions(session))
        tenants = list(session.execute(select(Tenant.id).order_by(Tenant.created_at)).scalars())
        for data in rates:
            after = _record_one(session, tables, data, tenants, now, operator)
            recorded += int(after != tables)
            tables = after
    return RatesAdded(tables, recorded)


def _record_one(
    session: Session, before: RateTables, data: RateInput, tenants: list[str], now: datetime, operator: str
) -> RateTables:
    """Record ``data`` on top of ``before`` (row + audit records) unless it changes nothing."""
    rate, confirmed_until = _as_domain(data)
    after = with_added_rate(before, rate, confirmed_until=confirmed_until)
    if after == before:
        return after
    values = {f.name: getattr(data, f.name) for f in RATE_FIELDS}
    session.add(RateAddition(kind=data.kind, source=data.source.strip(), added_at=now, added_by=operator, **values))
    session.flush()
    details = {k: v for k, v in _record_data(data).items() if v is not None}
    for tenant_id in tenants:
        actor = Actor(tenant_id, "operator", operator)
        audit_repository.append(session, tenant_id, [actor.record("rate:added", "rate", data.kind, data=details)], now)
    return after


def _record_data(data: RateInput) -> dict[str, str | None]:
    values = {f.name: _text(getattr(data, f.name)) for f in RATE_FIELDS}
    return {"kind": data.kind, **values, "source": data.source}
