"""What the providers charged: the prices deliveries recorded at submission, summed over a period of
creation dates (inclusive, in Paris time), per currency and per provider."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from notice_service.db.models.delivery import Delivery
from notice_service.errors import FieldError, InvalidInput
from notice_service.services import Services

PARIS = ZoneInfo("Europe/Paris")


def delivery_costs(services: Services, tenant_id: str, first: date, last: date) -> dict[str, Any]:
    if last < first:
        raise InvalidInput("The period ends before it starts.", errors=[FieldError("to", "on or after 'from'")])
    start = datetime.combine(first, time(), PARIS)
    end = datetime.combine(last + timedelta(days=1), time(), PARIS)
    with services.db.reading() as session:
        rows = session.execute(
            select(Delivery.provider, Delivery.price, Delivery.currency).where(
                Delivery.tenant_id == tenant_id,
                Delivery.price.is_not(None),
                Delivery.created_at >= start,
                Delivery.created_at < end,
            )
        ).all()
    totals: dict[str, Decimal] = {}
    providers: dict[tuple[str, str], tuple[Decimal, int]] = {}
    for provider, price, currency in rows:
        amount, code = Decimal(price or "0"), currency or "EUR"
        totals[code] = totals.get(code, Decimal("0")) + amount
        total, count = providers.get((provider, code), (Decimal("0"), 0))
        providers[(provider, code)] = (total + amount, count + 1)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "count": len(rows),
        "totals": [{"currency": code, "amount": f"{amount:.2f}"} for code, amount in sorted(totals.items())],
        "by_provider": [
            {"provider": provider, "currency": code, "amount": f"{amount:.2f}", "count": count}
            for (provider, code), (amount, count) in sorted(providers.items())
        ],
    }
