"""A debtor's SMS opt-out (``POST /v1/debtors/{id}/sms-opt-out``): the debtor's flag, and its number recorded
in ``sms_opt_outs`` so that the number is never texted again whichever debtor holds it. Asking twice changes
nothing the second time; the first is audited (``debtor:sms_opt_out``, without the number)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from notice_service.db import audit_repository
from notice_service.db.models.claims import Debtor
from notice_service.db.models.sms import SmsOptOut
from notice_service.db.tenant_scope import get_owned
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.claims.queries import debtor_json


def opt_out_of_sms(services: Services, actor: Actor, debtor_id: str) -> dict[str, Any]:
    """Record that the debtor (and its current number) wants no SMS; answer the debtor's JSON."""
    now = services.clock.now()
    with services.db.transaction() as session:
        debtor = get_owned(session, Debtor, actor.tenant_id, debtor_id, lock=True)
        changed = not debtor.sms_opt_out
        debtor.sms_opt_out = True
        if debtor.phone:
            known = session.execute(
                select(SmsOptOut.id).where(SmsOptOut.tenant_id == actor.tenant_id, SmsOptOut.phone == debtor.phone)
            ).first()
            if known is None:
                changed = True
                session.add(
                    SmsOptOut(
                        id=new_id(),
                        tenant_id=actor.tenant_id,
                        phone=debtor.phone,
                        debtor_id=debtor.id,
                        created_by=f"{actor.kind}:{actor.id}",
                        created_at=now,
                    )
                )
        if changed:
            session.flush()
            record = actor.record("debtor:sms_opt_out", "debtor", debtor.id, data={"with_number": bool(debtor.phone)})
            audit_repository.append(session, actor.tenant_id, [record], now)
        return debtor_json(debtor)
