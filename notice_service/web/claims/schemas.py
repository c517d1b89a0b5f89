"""Request and response schemas of ``/v1/debtors`` and ``/v1/invoices`` (pydantic; the OpenAPI document is
generated from them).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from notice_service.web.schemas import Address, AmountString, ShortText, Strict


class DebtorCreate(Strict):
    kind: Literal["business", "consumer"]
    name: ShortText
    siren: str | None = Field(default=None, description="9 digits, required for businesses")
    address: Address
    email: str | None = None


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
    contractual_rate: str | None = None
    penalty_clause: str | None = None
    delivered_on: str
    delivered_on_source: Literal["invoice", "issue_date"]
