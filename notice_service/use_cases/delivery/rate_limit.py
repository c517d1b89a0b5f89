"""Back-pressure toward a provider: at most ``NOTICE_PROVIDER_CALLS_PER_MINUTE`` calls to one provider account,
counted across every worker process and machine, on top of the account's 429 back-off.

The account's ``provider_accounts.next_call_at`` holds the next moment a call is allowed (``None``: no call yet).
``take_call_slot`` locks the account row (``FOR UPDATE``; SQLite serialises writers anyway), and either takes the
slot (the call may go now, and the next slot is one interval later) or answers when the next slot opens, without
taking it: the caller defers its outbox message until then (``Deferred``, not counted as a failure). The slots
are spaced by the interval, so the calls of any window of ``W`` seconds number at most ``W / interval + 1``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from notice_service.db.models.providers import ProviderAccount
from notice_service.observability.metrics import PROVIDER_THROTTLED
from notice_service.services import Services


def take_call_slot(services: Services, tenant_id: str, provider: str) -> datetime | None:
    """``None``: a call slot is taken, call the provider now; else the moment to try again."""
    per_minute = services.settings.provider_calls_per_minute
    if per_minute == 0:
        return None
    interval = timedelta(seconds=60 / per_minute)
    now = services.clock.now()
    with services.db.transaction() as session:
        account = session.execute(
            select(ProviderAccount)
            .where(ProviderAccount.tenant_id == tenant_id, ProviderAccount.provider == provider)
            .with_for_update()
        ).scalar_one_or_none()
        if account is None:
            return None  # no account: the caller's own lookup reports it
        if account.next_call_at is not None and account.next_call_at > now:
            PROVIDER_THROTTLED.labels(provider=provider).inc()
            return account.next_call_at
        account.next_call_at = now + interval
    return None
