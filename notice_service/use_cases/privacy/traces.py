"""What a debtor's data leaves in other features' rows, and how the purge blanks it (``scrub.py`` does the
debtor's own rows; both run in the purge's transaction, ``purge.py``).

- ``dossiers``: ``findings`` keep their codes (the verdicts: ``prescription_overridden``, ``b2c``…) and the court
  (a public court, its name and the articles); every ``message`` becomes the placeholder, as each is prose built
  from the case and may carry free text (the override's reason). The ``layout``'s file names of the pièces are
  slugs of the documents' titles (``pieces/01-<title>.pdf``): they become ``pieces/01-piece.pdf``, keys and
  digests kept (the store sweep and the ZIP's integrity need them). Only for a dossier whose ZIP is stored
  (``archive_key``): one exported before migration 0007 is rebuilt from its layout on download, byte for byte,
  so its names stay (they are also inside the ZIP and the layout object, both kept under Object Lock).
- ``webhook_attempts`` of the deliveries whose body names the debtor's rows: the receiver's ``response_excerpt``
  (it may echo the body, or say anything) and the ``error`` (an exception's text may quote what the receiver
  sent); ``webhook_deliveries.last_error`` likewise. Status, HTTP code, timings and counts stay.
- ``outbox.last_error`` of the messages naming the debtor's rows (a provider's or SMTP server's refusal often
  quotes the address or number it refused) and ``dunning_run_items.reason`` of the debtor's items.

An error keeps what names its kind and says nothing of the debtor: ``HTTP 503`` whole, an exception's name
before the first ``: `` (``SMTPRecipientsRefused: [données personnelles effacées]``; one CamelCase word: a
sentence such as ``Recipient Amélie Zarbo: unknown``, or ``Zarbo: unknown``, keeps nothing), the fixed texts we write.

Looked at and left: idempotent responses naming the rows are deleted (``scrub.scrub_feeds``); a delivery fact's
raw provider answer is a stored object (``payload_key``) kept under Object Lock and listed in the purge's
``retained``, its ``detail`` scrubbed (``scrub.py``); ``notices.options`` (deadline, tone, instalments, an
agency's principal), ``notices.storage``/``signature``, tenants' profiles and providers' return addresses are the
creditor's side; plans' steps hold none. Not in reach: a webhook answer to an event naming none of the debtor's
rows (nothing links it to the debtor), and the service's logs (JSON lines, outside the database).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models.dossier import Dossier
from notice_service.db.models.dunning import RunItem
from notice_service.db.models.outbox import OutboxMessage
from notice_service.db.models.webhooks import WebhookAttempt, WebhookDelivery
from notice_service.use_cases.privacy.scrub import PLACEHOLDER, Purged, mentioning

_STATUS = re.compile(r"^HTTP \d{3}$")
#: an exception's name (CamelCase: a capital past the first letter, ``ReadTimeout``), or our sender's prefix
_KIND = re.compile(r"^([A-Za-z][a-z0-9_.]*[A-Z][A-Za-z0-9_.]{0,60}|target refused): ")
_FIXED = frozenset({"the subscription was deleted", "the run was cancelled"})
_PIECE = re.compile(r"^(pieces/\d+-).*?(\.[A-Za-z0-9]{1,8})?$")


def blank_error(text: str | None) -> str | None:
    """``text`` (an error, a reason) reduced to what names its kind; ``None`` stays ``None``."""
    if text is None or _STATUS.match(text) or text in _FIXED:
        return text
    kind = _KIND.match(text)
    return f"{kind.group(1)}: {PLACEHOLDER}" if kind else PLACEHOLDER


def blank_findings(findings: dict[str, Any]) -> dict[str, Any]:
    """The codes and the court of a dossier's findings, every message blanked."""
    blanked = {**findings}
    for part in ("warnings", "notes"):
        blanked[part] = [{**item, "message": PLACEHOLDER} for item in findings.get(part) or []]
    return blanked


def blank_layout(layout: list[Any]) -> list[Any]:
    """The layout with the pièces' file names made of their number and extension only."""
    blanked = []
    for entry in layout:
        found = _PIECE.match(str(entry.get("path", ""))) if isinstance(entry, dict) else None
        blanked.append({**entry, "path": f"{found.group(1)}piece{found.group(2) or ''}"} if found else entry)
    return blanked


def _hook_deliveries(session: Session, target: Purged) -> list[WebhookDelivery]:
    tenant, ids = target.tenant_id, target.all_ids
    query = select(WebhookDelivery).where(WebhookDelivery.tenant_id == tenant, mentioning(WebhookDelivery.body, ids))
    return list(session.execute(query.order_by(WebhookDelivery.created_at, WebhookDelivery.id)).scalars())


def held_traces(session: Session, target: Purged) -> dict[str, list[str]]:
    """The ids of the rows outside the debtor's own that hold its data (the dry run and the access export)."""
    dossiers = select(Dossier.id).where(Dossier.case_id.in_(target.case_ids)).order_by(Dossier.created_at)
    return {
        "dossiers": list(session.execute(dossiers).scalars()),
        "webhook_deliveries": [delivery.id for delivery in _hook_deliveries(session, target)],
    }


def scrub_traces(session: Session, target: Purged) -> None:
    """Dossiers' findings and names, webhook answers and errors, failed jobs' errors, run items' reasons."""
    for dossier in session.execute(select(Dossier).where(Dossier.case_id.in_(target.case_ids))).scalars():
        dossier.findings = blank_findings(dossier.findings)
        if dossier.archive_key is not None:
            dossier.layout = blank_layout(dossier.layout)
    deliveries = _hook_deliveries(session, target)
    for delivery in deliveries:
        delivery.last_error = blank_error(delivery.last_error)
    attempts = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_([d.id for d in deliveries]))
    for attempt in session.execute(attempts).scalars():
        attempt.error = blank_error(attempt.error)
        attempt.response_excerpt = None if attempt.response_excerpt is None else PLACEHOLDER
    outbox = select(OutboxMessage).where(
        OutboxMessage.tenant_id == target.tenant_id,
        OutboxMessage.last_error.is_not(None),
        mentioning(OutboxMessage.payload, target.all_ids),
    )
    for message in session.execute(outbox).scalars():
        message.last_error = blank_error(message.last_error)
    for item in session.execute(select(RunItem).where(RunItem.debtor_id == target.debtor_id)).scalars():
        item.reason = blank_error(item.reason)
