"""Request and response schemas of ``/v1/debtors``, ``/v1/invoices`` and ``/v1/payments`` (pydantic; the
OpenAPI document is generated from them).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from notice_service.web.listing import IdFilter, IsoDate, ListQuery, PageOut, SearchText
from notice_service.web.schemas import Address, AmountString, ShortText, Strict

DebtorActivity = Literal[
    "commercant",
    "societe_commerciale",
    "artisan",
    "profession_liberale",
    "societe_civile",
    "association",
    "agriculteur",
    "entrepreneur_individuel",
    "personne_publique",
]


class DebtorCreate(Strict):
    kind: Literal["business", "consumer"]
    name: ShortText
    siren: str | None = Field(default=None, description="9 digits, required for businesses")
    address: Address
    email: str | None = None
    activity: DebtorActivity | None = Field(
        default=None,
        description="a business's activity, which decides the court (C. com. L721-3): tribunal de commerce for "
        "commercant, societe_commerciale, artisan; tribunal judiciaire otherwise. Default societe_commerciale; "
        "a consumer has none",
    )
    phone: str | None = Field(
        default=None, max_length=16, description="the mobile number of the SMS step, E.164 (+33612345678)"
    )


class AddressPatch(Strict):
    """The members of an address to change (a JSON merge patch: absent members keep their value)."""

    lines: list[Annotated[str, StringConstraints(max_length=38)]] | None = Field(
        default=None, min_length=1, max_length=4
    )
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=16)] | None = None
    city: ShortText | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None


class DebtorPatch(Strict):
    """A JSON merge patch (RFC 7396) of a debtor: the members to change, ``null`` to remove an optional one
    (``siren``, ``email``); the result must be a valid debtor (``DebtorCreate``)."""

    kind: Literal["business", "consumer"] | None = None
    name: ShortText | None = None
    siren: str | None = None
    address: AddressPatch | None = None
    email: str | None = None
    activity: DebtorActivity | None = None
    phone: str | None = Field(default=None, max_length=16, description="E.164; null removes it")


class CreditNoteCreate(Strict):
    number: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    issued_on: date = Field(description="the credit note's date; not before the invoice's, not in the future")
    amount: AmountString = Field(description="at most the invoice's balance")
    reason: str | None = Field(default=None, max_length=200)


class InvoiceCancel(Strict):
    """Cancel an invoice by a credit note (avoir d'annulation) for all of it that is not credited yet."""

    credit_note_number: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    issued_on: date
    reason: str | None = Field(default=None, max_length=200)


class InvoiceCreate(Strict):
    debtor_id: str
    number: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    issue_date: date
    due_date: date
    amount_due: AmountString = Field(description='decimal string, e.g. "1234.56"')
    currency: Literal["EUR"] = "EUR"
    pdf_base64: str | None = Field(default=None, description="optional PDF copy of the invoice, base64")
    contractual_rate: str | None = Field(
        default=None,
        description="this invoice's CGV penalty rate, overriding the tenant profile's: a percentage per year such "
        'as "12.5", or "3x_legal" (trois fois le taux d\'intérêt légal); business debtors only, never under the '
        "L441-10 II floor (3 × the taux légal)",
        examples=["3x_legal", "12.5"],
    )
    penalty_clause: str | None = Field(
        default=None, max_length=2000, description="text of this invoice's penalty clause (default: the profile's)"
    )
    delivered_on: date | None = Field(
        default=None,
        description="delivery of the goods or completion of the service (C. conso. L218-2); default: issue_date",
    )


class PaymentCreate(Strict):
    amount: AmountString
    paid_on: date
    reference: str | None = Field(default=None, max_length=100)


class DebtorOut(BaseModel):
    id: str
    kind: str
    name: str
    siren: str | None
    address: dict[str, Any]
    email: str | None
    activity: str | None = None
    created_at: str | None
    phone: str | None = None
    sms_opt_out: bool = False


class InvoiceOut(BaseModel):
    id: str
    debtor_id: str
    number: str
    issue_date: str
    due_date: str
    amount_due: str
    currency: str
    paid: str
    balance: str
    document: dict[str, Any] | None
    payments: list[dict[str, Any]]
    status: Literal["open", "paid", "cancelled"] = Field(description="cancelled, else paid when the balance is 0")
    credited: str = Field(description="the sum of its credit notes")
    credit_notes: list[dict[str, Any]] = Field(description="number, issued_on, amount, reason")
    contractual_rate: str | None = None
    penalty_clause: str | None = None
    delivered_on: str
    delivered_on_source: Literal["invoice", "issue_date"]


class DebtorListQuery(ListQuery):
    q: SearchText | None = Field(
        default=None, description="part of the name (any case), the SIREN, or a reference of one of its cases"
    )


class DebtorPage(PageOut):
    data: list[DebtorOut]


class InvoiceListQuery(ListQuery):
    debtor_id: IdFilter | None = None
    status: Literal["open", "paid", "cancelled"] | None = None
    overdue: bool | None = Field(default=None, description="true: still open after the due date")
    due_before: IsoDate | None = Field(default=None, description="due strictly before this date (YYYY-MM-DD)")


class InvoiceItem(BaseModel):
    id: str
    debtor_id: str
    number: str
    issue_date: str
    due_date: str
    amount_due: str
    currency: str
    status: Literal["open", "paid", "cancelled"]
    overdue: bool
    paid: str
    balance: str
    created_at: str | None
    credited: str = Field(description="the sum of its credit notes (the balance is after payments and credits)")


class InvoicePage(PageOut):
    data: list[InvoiceItem]


class PaymentListQuery(ListQuery):
    invoice_id: IdFilter | None = None


class PaymentItem(BaseModel):
    id: str
    invoice_id: str
    amount: str
    paid_on: str
    reference: str | None
    created_at: str | None


class PaymentPage(PageOut):
    data: list[PaymentItem]
