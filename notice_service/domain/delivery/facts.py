"""Provider-neutral delivery facts of a notice and what the law derives from them.

Every provider's events (Merci Facteur, La Poste Suivi, an SMTP server's answer, a person with the signed
avis de réception in hand) become ``Fact``s: a kind, the moment it happened (not the moment we heard of
it) and the id of the source event, so a replayed event is recognised and a late one does not overwrite a
newer status. From the facts of a delivery come its status (the latest by occurrence wins) and its
**receipt** (LEGAL.md Part B §4.2, Part A §7): the delivered (or LRE accepted) date, actual; for a letter
unclaimed, refused or returned after an avis de passage, or an LRE refused or left to expire, the
first-presentation date, deemed. The deadline of the mise en demeure then runs from that date
(``deadlines.formal_notice_deadline``, Part A §8).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from notice_service.domain.deadlines import PARIS, DeliveryOutcome, Receipt, formal_notice_deadline, receipt_date


class Channel(StrEnum):
    EMAIL = "email"
    LETTER = "letter"
    REGISTERED_LETTER = "registered_letter"
    ELECTRONIC_REGISTERED = "electronic_registered"
    BAILIFF = "bailiff"


class Provider(StrEnum):
    MANUAL = "manual"
    EMAIL = "email"
    WEBHOOK = "webhook"
    MERCI_FACTEUR = "merci_facteur"
    MAILEVA = "maileva"
    AR24 = "ar24"  # qualified LRE only (eIDAS art. 44)


class FactKind(StrEnum):
    SUBMITTED = "submitted"
    DEPOSITED = "deposited"
    IN_TRANSIT = "in_transit"
    FIRST_PRESENTED = "first_presented"
    DELIVERED = "delivered"
    UNCLAIMED = "unclaimed"
    REFUSED = "refused"
    ADDRESS_ERROR = "address_error"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    FAILED = "failed"


class EvidenceKind(StrEnum):
    DEPOSIT_PROOF = "deposit_proof"
    ACKNOWLEDGEMENT_OF_RECEIPT = "acknowledgement_of_receipt"
    RETURNED_ENVELOPE = "returned_envelope"
    LRE_PROOF = "lre_proof"
    BAILIFF_REPORT = "bailiff_report"


#: The fact an evidence file proves, recorded with the date the file shows.
FACT_PROVEN_BY: dict[EvidenceKind, FactKind | None] = {
    EvidenceKind.DEPOSIT_PROOF: FactKind.DEPOSITED,
    EvidenceKind.ACKNOWLEDGEMENT_OF_RECEIPT: FactKind.DELIVERED,
    EvidenceKind.RETURNED_ENVELOPE: FactKind.RETURNED,
    EvidenceKind.LRE_PROOF: None,  # deposit, acceptance, refusal or expiry: the provider's fact says which
    EvidenceKind.BAILIFF_REPORT: FactKind.DELIVERED,
}

#: Which fact kinds make sense on which channel (a simple letter has no avis de réception).
CHANNEL_FACTS: dict[Channel, frozenset[FactKind]] = {
    Channel.EMAIL: frozenset({FactKind.SUBMITTED, FactKind.DELIVERED, FactKind.ADDRESS_ERROR, FactKind.FAILED}),
    Channel.LETTER: frozenset(
        {
            FactKind.SUBMITTED,
            FactKind.DEPOSITED,
            FactKind.IN_TRANSIT,
            FactKind.DELIVERED,
            FactKind.ADDRESS_ERROR,
            FactKind.RETURNED,
            FactKind.FAILED,
        }
    ),
    Channel.REGISTERED_LETTER: frozenset(FactKind) - {FactKind.ACCEPTED, FactKind.REJECTED, FactKind.EXPIRED},
    Channel.ELECTRONIC_REGISTERED: frozenset(
        {
            FactKind.SUBMITTED,
            FactKind.DEPOSITED,
            FactKind.FIRST_PRESENTED,
            FactKind.ACCEPTED,
            FactKind.REFUSED,
            FactKind.REJECTED,
            FactKind.EXPIRED,
            FactKind.ADDRESS_ERROR,
            FactKind.FAILED,
        }
    ),
    Channel.BAILIFF: frozenset({FactKind.SUBMITTED, FactKind.DELIVERED, FactKind.FAILED}),
}

#: Among facts that happened at the same instant, the one further along the journey wins.
_PROGRESS = {kind: rank for rank, kind in enumerate(FactKind)}


@dataclass(frozen=True)
class Fact:
    kind: FactKind
    occurred_at: datetime
    source_event_id: str

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("a fact's occurred_at must be timezone-aware")

    @property
    def legal_date(self) -> date:
        """The calendar date in Europe/Paris (LEGAL.md invariant 2: legal dates are Paris dates)."""
        return self.occurred_at.astimezone(PARIS).date()


def is_duplicate(known: Iterable[Fact], candidate: Fact) -> bool:
    """A fact whose source event id was already recorded for the delivery is a replay."""
    return any(fact.source_event_id == candidate.source_event_id for fact in known)


def current_fact(facts: Sequence[Fact]) -> Fact | None:
    """The fact that sets a delivery's status: the latest by occurrence, whatever order they arrived in."""
    if not facts:
        return None
    return max(facts, key=lambda fact: (fact.occurred_at, _PROGRESS[fact.kind]))


def _earliest(facts: Sequence[Fact], *kinds: FactKind) -> Fact | None:
    matching = [fact for fact in facts if fact.kind in kinds]
    return min(matching, key=lambda fact: fact.occurred_at) if matching else None


def _presentation(facts: Sequence[Fact]) -> Fact | None:
    """The first presentation: the avis de passage, or for an LRE the notification (its deposit)."""
    return _earliest(facts, FactKind.FIRST_PRESENTED) or _earliest(facts, FactKind.DEPOSITED, FactKind.SUBMITTED)


def derive_receipt(channel: Channel, facts: Sequence[Fact]) -> Receipt | None:
    """When the notice counts as received through this delivery, or ``None`` while it does not.

    Delivered (AR signed, LRE accepted, email delivered, bailiff's signification): that date, actual.
    Registered letter unclaimed, refused, or returned after an avis de passage (RE1 after AG1, LEGAL.md
    §7.2): the first-presentation date, deemed (Cass. 1re civ. 20 janv. 2021). LRE refused or expired: the
    date the addressee was notified, deemed. An address error (NPAI) or a failure is no receipt at all.
    """
    delivered = _earliest(facts, FactKind.DELIVERED, FactKind.ACCEPTED)
    if delivered is not None:
        return receipt_date(delivered.legal_date, None, DeliveryOutcome.DELIVERED)
    if channel not in (Channel.REGISTERED_LETTER, Channel.ELECTRONIC_REGISTERED):
        return None
    refused = _earliest(facts, FactKind.REFUSED, FactKind.REJECTED)
    unclaimed = _earliest(facts, FactKind.UNCLAIMED, FactKind.EXPIRED)
    presented = _earliest(facts, FactKind.FIRST_PRESENTED)
    if refused is None and unclaimed is None:
        returned = _earliest(facts, FactKind.RETURNED)
        if returned is None or presented is None or _earliest(facts, FactKind.ADDRESS_ERROR) is not None:
            return None
        unclaimed = returned
    # A letter refused at the door was presented that day, with or without an avis de passage.
    presentation = _presentation(facts) if channel is Channel.ELECTRONIC_REGISTERED else presented or refused
    outcome = DeliveryOutcome.REFUSED if refused is not None else DeliveryOutcome.UNCLAIMED
    if presentation is None:
        return None
    return receipt_date(None, presentation.legal_date, outcome)


def earliest_receipt(receipts: Iterable[Receipt | None]) -> Receipt | None:
    """The receipt of a notice sent through several deliveries: the earliest actual receipt, else the
    earliest deemed one (an actual receipt is the stronger proof; product decision, see the README)."""
    known = [receipt for receipt in receipts if receipt is not None]
    actual = [receipt for receipt in known if not receipt.deemed]
    pool = actual or known
    return min(pool, key=lambda receipt: receipt.on) if pool else None


@dataclass(frozen=True)
class DerivedDeadline:
    """A mise en demeure's receipt and the deadline it starts (stored as the ``NoticeDeadline`` row)."""

    receipt: Receipt
    deadline: date


def derive_deadline(receipt: Receipt | None, days: int, *, postal_code: str, country: str) -> DerivedDeadline | None:
    """The mise en demeure's deadline once its receipt is known (LEGAL.md Part A §8)."""
    if receipt is None:
        return None
    return DerivedDeadline(receipt, formal_notice_deadline(receipt.on, days, postal_code=postal_code, country=country))
