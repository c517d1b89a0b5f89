"""What the tests and the bench of a large dunning run share: debtors inserted in bulk, a count, a wait, and the
check that a run's every item was issued exactly once (``test_run_kill_multi``, ``test_worker_killed``,
``bench/bulk_run.py``)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.claims import Debtor, Invoice
from notice_service.db.models.dunning import RunItem, StepTaken
from notice_service.db.models.events import Event
from notice_service.db.models.notices import Notice
from notice_service.services import Services


def bulk_debtors(
    services: Services, tenant_id: str, count: int, *, as_of: date, now: datetime, overdue_days: int, amount: Decimal
) -> None:
    """``count`` business debtors in Paris, each with one open invoice ``overdue_days`` past due on ``as_of``
    (issued 30 days before it falls due) of ``amount`` + n euros, inserted in bulk (the API path is tested
    elsewhere)."""
    due = as_of - timedelta(days=overdue_days)
    debtors, invoices = [], []
    for n in range(count):
        debtor_id = str(uuid.uuid4())
        debtors.append({
            "id": debtor_id, "tenant_id": tenant_id, "kind": "business", "name": f"Client {n:05d} SARL",
            "siren": "404833048", "address_lines": [f"{n} rue du Commerce"], "postal_code": "75011", "city": "Paris",
            "country": "FR", "activity": "societe_commerciale", "created_at": now,
        })  # fmt: skip
        invoices.append({
            "id": str(uuid.uuid4()), "tenant_id": tenant_id, "debtor_id": debtor_id, "number": f"F-{n:05d}",
            "issue_date": due - timedelta(days=30), "due_date": due,
            "amount_due": amount + n, "currency": "EUR", "status": "open", "created_at": now,
        })  # fmt: skip
    with services.db.transaction() as session:
        session.execute(insert(Debtor), debtors)
        session.execute(insert(Invoice), invoices)


def count(services: Services, query: object) -> int:
    """The one number a ``select(func.count())…`` answers."""
    with services.db.reading() as session:
        return int(session.execute(query).scalar_one())  # type: ignore[call-overload]


def wait_for(
    condition: Callable[[], bool],
    what: str,
    seconds: float,
    *,
    poll: float = 0.05,
    fail_fast: Callable[[], str | None] | None = None,
) -> None:
    """Poll ``condition`` until it holds; ``TimeoutError`` after ``seconds``, ``RuntimeError`` as soon as
    ``fail_fast`` answers a reason."""
    deadline = time.monotonic() + seconds
    while not condition():
        reason = fail_fast() if fail_fast is not None else None
        if reason is not None:
            raise RuntimeError(f"failed while waiting for {what}: {reason}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(poll)


def assert_run_issued_exactly_once(services: Services, tenant_id: str, run_id: str, letters: int) -> None:
    """Each of the run's ``letters`` items issued with a letter of its own, the tenant's only letters; each
    audited and its step taken once; ``run.completed`` once, with those counts."""
    with services.db.reading() as session:
        run_items = session.execute(select(RunItem).where(RunItem.run_id == run_id)).scalars().all()
        notices = session.execute(select(Notice).where(Notice.tenant_id == tenant_id)).scalars().all()
        completed = session.execute(select(Event).where(Event.type == "run.completed")).scalars().all()
    assert {item.state for item in run_items} == {"issued"} and len(run_items) == letters
    assert len({item.notice_id for item in run_items}) == letters  # one letter per item ...
    assert sorted(n.status for n in notices) == ["issued"] * letters  # ... and no other (no second draft)
    records = select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "notice:issued")
    assert count(services, records) == letters  # each letter issued once, never twice
    assert count(services, select(func.count()).select_from(StepTaken)) == letters
    assert [event.data["counts"] for event in completed] == [{"issued": letters}]
