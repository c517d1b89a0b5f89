"""Request and response schemas of ``/v1/debtors`` and ``/v1/invoices`` (pydantic; the OpenAPI document is
generated from them).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

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


class InvoiceCreate(Strict):
    debtor_id: str
    number: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    issue_date: date
    due_date: date
    amount_due: AmountString = Field(description='decimal string, e.g. "1234.56"')
    currency: Literal["EUR"] = "EUR"
    pdf_base64: str | None = Field(default=None, description="optional PDF copy of the invoice, base64")


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
