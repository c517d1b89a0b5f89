"""Request and response schemas of ``/v1/debtors``, ``/v1/invoices`` and ``/v1/payments`` (pydantic; the
OpenAPI document is generated from them).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from notice_service.web.listing import IdFilter, ListQuery, PageOut, SearchText
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
    due_before: date | None = Field(default=None, description="due strictly before this date (YYYY-MM-DD)")


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
