"""What a Maileva recipient (``GET /sendings/{id}/recipients``) reports, as the port's events, oldest first.

Three sources on the documented ``recipient_response``: its ``statuses`` (only ``REJECTED`` and
``SENDING_REJECTED`` are news), its
``delivery_statuses`` (La Poste's journey as Maileva's ``LP00``–``LP29`` codes) and the dates of its proofs
(``deposit_proof_date``, ``acknowledgement_of_receipt_date``, ``undelivered_mail_date``), which become events
``DEPOSIT_PROOF``, ``ACKNOWLEDGEMENT_OF_RECEIPT`` and ``UNDELIVERED_MAIL`` announcing the proof to download
(the documentation: wait for the URL before downloading). The domain maps the codes to facts
(``domain/delivery/maileva_statuses.py``). An event's id is ``maileva:poll:<code>:<sending id>``, stable across
polls; a code reported twice is one event, at its earliest date.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from notice_service.adapters.postal.http_common import raw_json
from notice_service.ports import ProofKind, ProviderEvent

#: The recipient statuses that are news: the letter will not leave (the others are production steps).
REFUSALS = frozenset({"REJECTED", "SENDING_REJECTED"})

#: The proof-date fields → (the event's code, the proof it announces, the URL field that must be set).
PROOF_EVENTS: dict[str, tuple[str, ProofKind, str]] = {
    "deposit_proof_date": ("DEPOSIT_PROOF", ProofKind.DEPOSIT, "deposit_proof_url"),
    "acknowledgement_of_receipt_date": (
        "ACKNOWLEDGEMENT_OF_RECEIPT",
        ProofKind.RECEIPT,
        "acknowledgement_of_receipt_url",
    ),
    "undelivered_mail_date": ("UNDELIVERED_MAIL", ProofKind.RETURNED, "undelivered_mail_url"),
}


def parse_when(value: object) -> datetime | None:
    """An ISO 8601 date-time as Maileva answers it (``Z`` or an offset; none is read as UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _raw_steps(recipient: Mapping[str, Any]) -> Iterator[tuple[str, datetime, tuple[ProofKind, ...], dict[str, Any]]]:
    for field in ("statuses", "delivery_statuses"):
        steps = recipient.get(field)
        for step in steps if isinstance(steps, list) else []:
            code = step.get("code") if isinstance(step, dict) else None
            when = parse_when(step.get("date")) if isinstance(step, dict) else None
            if field == "statuses" and code not in REFUSALS:
                continue  # PENDING, ACCEPTED, PROCESSED …: production, not the letter's journey
            if isinstance(code, str) and code and when is not None:
                yield code, when, (), {"source": field, **step}
    for date_field, (code, kind, url_field) in PROOF_EVENTS.items():
        when, url = parse_when(recipient.get(date_field)), recipient.get(url_field)
        if when is not None and isinstance(url, str) and url:
            extra = (
                {"undelivered_mail_reason": recipient.get("undelivered_mail_reason")}
                if kind is ProofKind.RETURNED
                else {}
            )
            yield code, when, (kind,), {"source": date_field, "date": recipient.get(date_field), **extra}


def recipient_events(sending_id: str, recipient: Mapping[str, Any]) -> list[ProviderEvent]:
    earliest: dict[str, ProviderEvent] = {}
    for code, when, proofs, step in _raw_steps(recipient):
        known = earliest.get(code)
        if known is not None and known.occurred_at <= when:
            continue
        earliest[code] = ProviderEvent(
            event_id=f"maileva:poll:{code}:{sending_id}",
            provider_reference=sending_id,
            status=code,
            occurred_at=when,
            proofs=proofs,
            raw=raw_json(step),
        )
    return sorted(earliest.values(), key=lambda event: event.occurred_at)
