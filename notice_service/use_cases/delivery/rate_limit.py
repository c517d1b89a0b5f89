"""Back-pressure toward a provider: at most ``NOTICE_PROVIDER_CALLS_PER_MINUTE`` calls to one provider account,
counted across every worker process and machine, on top of the account's 429 back-off.

The account's ``provider_rate_limits`` row holds the next moment a call is allowed. ``take_call_slot`` locks it
(``FOR UPDATE``; SQLite serialises writers anyway), and either takes the slot (the call may go now, and the next
slot is one interval later) or answers when the next slot opens, without taking it: the caller defers its outbox
message until then (``Deferred``, not counted as a failure). The slots are spaced by the interval, so the calls
of any window of ``W`` seconds number at most ``W / interval + 1``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from notice_service.db.models.providers import ProviderAccount
from notice_service.db.models.rate_limits import ProviderRateLimit
from notice_service.observability.metrics import PROVIDER_THROTTLED
from notice_service.services import Services


def _ensure_row(services: Services, account_id: str, now: datetime) -> None:
    with services.db.reading() as session:
        if session.get(ProviderRateLimit, account_id) is not None:
            return
    try:
        with services.db.transaction() as session:
            session.add(ProviderRateLimit(account_id=account_id, next_call_at=now))
    except IntegrityError:
        pass  # another worker created it first


def take_call_slot(services: Services, tenant_id: str, provider: str) -> datetime | None:
    """``None``: a call slot is taken, call the provider now; else the moment to try again."""
    per_minute = services.settings.provider_calls_per_minute
    if per_minute == 0:
        return None
    interval = timedelta(seconds=60 / per_minute)
    now = services.clock.now()
    with services.db.reading() as session:
        account_id = session.execute(
            select(ProviderAccount.id).where(
                ProviderAccount.tenant_id == tenant_id, ProviderAccount.provider == provider
            )
        ).scalar_one_or_none()
    if account_id is None:
        return None  # no account: the caller's own lookup reports it
    _ensure_row(services, account_id, now)
    with services.db.transaction() as session:
        row = session.execute(
            select(ProviderRateLimit).where(ProviderRateLimit.account_id == account_id).with_for_update()
        ).scalar_one()
        if row.next_call_at > now:
            PROVIDER_THROTTLED.labels(provider=provider).inc()
            return row.next_call_at
        row.next_call_at = now + interval
    return None
