"""The case's payment plan as the décompte's engine takes it (``domain.plan_suspension``): the latest plan
issued on the case before the décompte's date, its instalments, and the receipts of the case's mises en demeure.

An issued plan is only an offer; the engine itself decides whether it was accepted (its first instalment paid
by its date) and kept. Drafts and dossiers both come through here, so every décompte after a plan, letter or
requête, suspends the same days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models.delivery import NoticeDeadline
from notice_service.db.models.notices import Notice
from notice_service.domain.installments import Installment
from notice_service.domain.plan_suspension import PaymentPlan


def payment_plan(notices: Sequence[Notice], receipts: Sequence[date], as_of: date) -> PaymentPlan | None:
    """The latest payment plan among ``notices`` issued with a décompte before ``as_of``, or ``None``."""
    plans = [n for n in notices if n.kind == "payment_plan" and n.issued_at is not None and n.as_of < as_of]
    if not plans:
        return None
    latest = max(plans, key=lambda n: (n.as_of, n.issued_at))
    installments = tuple(
        Installment(date.fromisoformat(item["due_date"]), Decimal(item["amount"]))
        for item in latest.options.get("installments", [])
    )
    return PaymentPlan(latest.as_of, installments, tuple(sorted(day for day in receipts if day <= as_of)))


def load_payment_plan(session: Session, case_id: str, as_of: date) -> PaymentPlan | None:
    """``payment_plan`` for a case read from the database (the draft of a letter)."""
    notices = session.execute(select(Notice).where(Notice.case_id == case_id, Notice.kind == "payment_plan"))
    receipts = session.execute(
        select(NoticeDeadline.receipt_on)
        .join(Notice, Notice.id == NoticeDeadline.notice_id)
        .where(Notice.case_id == case_id, Notice.kind == "formal_notice", NoticeDeadline.receipt_on.is_not(None))
    )
    return payment_plan(list(notices.scalars()), [day for day in receipts.scalars() if day is not None], as_of)
