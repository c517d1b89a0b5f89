"""Reading the SMS sent on a case: text, encoding, segments and outcome (``GET /v1/cases/{id}/sms``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from notice_service.db.models.cases import Case
from notice_service.db.models.sms import SmsMessage
from notice_service.db.tenant_scope import get_owned
from notice_service.services import Services
from notice_service.use_cases.actor import Actor


def sms_json(row: SmsMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "debtor_id": row.debtor_id,
        "phone": row.phone,
        "text": row.text,
        "text_sha256": row.text_sha256,
        "encoding": row.encoding,
        "segments": row.segments,
        "status": row.status,
        "provider": row.provider,
        "provider_message_id": row.provider_message_id,
        "error": row.error,
        "created_at": row.created_at.isoformat(),
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
    }


def get_sms(services: Services, actor: Actor, sms_id: str) -> dict[str, Any]:
    with services.db.reading() as session:
        return sms_json(get_owned(session, SmsMessage, actor.tenant_id, sms_id))


def case_sms(services: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """Every SMS of one of the tenant's cases, oldest first."""
    with services.db.reading() as session:
        get_owned(session, Case, actor.tenant_id, case_id)
        query = select(SmsMessage).where(SmsMessage.tenant_id == actor.tenant_id, SmsMessage.case_id == case_id)
        rows = session.execute(query.order_by(SmsMessage.created_at, SmsMessage.id)).scalars()
        return {"data": [sms_json(row) for row in rows]}
