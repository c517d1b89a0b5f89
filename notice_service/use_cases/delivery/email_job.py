"""The e-mail channel's send, run by the worker after the delivery was recorded ``queued``.

The Message-ID is derived from the delivery id (``<delivery-{id}@{the sender's domain}>``), so a retry after a lost
answer sends a message the receiving side recognises as the same one; the server's reply becomes the
``submitted`` fact's evidence.
"""

from __future__ import annotations

from notice_service.db.models.delivery import Delivery
from notice_service.db.models.notices import Notice
from notice_service.domain.audit.records import JsonValue
from notice_service.domain.delivery.facts import Fact, FactKind, Provider
from notice_service.errors import MailFailed
from notice_service.ports import Attachment, OutgoingMail
from notice_service.services import Services
from notice_service.use_cases.delivery.recording import PreparedFact, prepare_fact


def send_email(services: Services, delivery: Delivery, notice: Notice) -> tuple[PreparedFact, str]:
    if services.mailer is None:
        raise MailFailed("The e-mail provider is not configured on this server (NOTICE_SMTP_HOST).")
    pdf = services.store.get(notice.document_key or "")
    mail = OutgoingMail(
        to=delivery.recipient or "",
        subject=f"Mise en demeure de payer ({notice.id})",
        body="Veuillez trouver ci-joint une mise en demeure de payer, signée électroniquement.\n",
        attachments=(Attachment(f"mise-en-demeure-{notice.id}.pdf", pdf, "application/pdf", "Mise en demeure"),),
        stable_id=f"delivery-{delivery.id}",
    )
    submission = services.mailer.submit(mail)
    raw = {
        "message_id": submission.message_id,
        "server": submission.server,
        "reply_code": submission.reply_code,
        "reply": submission.reply,
        "attachment_sha256": notice.document_sha256,
    }
    fact = Fact(FactKind.SUBMITTED, services.clock.now(), f"smtp:{submission.message_id}")
    detail: dict[str, JsonValue] = {
        "message_id": submission.message_id,
        "reply_code": submission.reply_code,
        "reply": submission.reply,
    }
    return prepare_fact(services, fact, Provider.EMAIL.value, raw, detail=detail), submission.message_id
