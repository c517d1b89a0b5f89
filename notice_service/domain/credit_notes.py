"""Credit notes (avoirs): what they are in a décompte and the checks they pass there.

An avoir corrects its invoice: the credited part was never owed (see ``statement``'s module docstring).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from notice_service.domain.money import ZERO, has_cents_precision
from notice_service.errors import FieldError


@dataclass(frozen=True)
class CreditNote:
    """An avoir of ``amount`` (cents, positive) on invoice ``invoice_id``, issued on ``issued_on``."""

    amount: Decimal
    issued_on: date
    invoice_id: str
    number: str = ""


def credits_by_invoice(
    invoice_ids: Sequence[str], credit_notes: Sequence[CreditNote]
) -> dict[str, tuple[CreditNote, ...]]:
    """Each invoice's credit notes, in input order."""
    return {i: tuple(note for note in credit_notes if note.invoice_id == i) for i in invoice_ids}


def credit_errors(
    credits: Sequence[CreditNote], amounts: Sequence[tuple[str, Decimal]], as_of: date
) -> list[FieldError]:
    """Credit notes are positive cents, issued by ``as_of``, on an invoice of the statement (``amounts``: each
    invoice's id and amount), and together never more than that invoice."""
    by_id = dict(amounts)
    errors = []
    for index, note in enumerate(credits):
        where = f"credit_notes.{index}"
        if not (has_cents_precision(note.amount) and note.amount > ZERO):
            errors.append(FieldError(f"{where}.amount", "must be a positive amount in euros with at most 2 decimals"))
        if note.issued_on > as_of:
            errors.append(FieldError(f"{where}.issued_on", "a credit note after as_of cannot be in this statement"))
        if note.invoice_id not in by_id:
            errors.append(FieldError(f"{where}.invoice_id", f"no invoice {note.invoice_id!r} in this statement"))
    for invoice_id, amount in by_id.items():
        if sum((n.amount for n in credits if n.invoice_id == invoice_id), ZERO) > amount:
            errors.append(FieldError("credit_notes", f"the credit notes of invoice {invoice_id!r} exceed its amount"))
    return errors
