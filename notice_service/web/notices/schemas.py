"""Response schemas of a notice, its décompte and the notice list (pydantic; the OpenAPI document is
generated from them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from notice_service.web.listing import IdFilter, ListQuery, PageOut


class StatementPeriod(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: str = Field(alias="from")
    to: str
    days: int
    rate: str
    amount: str


class StatementInvoice(BaseModel):
    invoice_id: str
    number: str
    issue_date: str
    due_date: str
    amount_due: str
    paid: str
    balance: str
    interest: str
    indemnity: str
    periods: list[dict[str, Any]]
    credited: str = Field(default="0.00", description="the invoice's credit notes (avoirs) up to as_of")
    credit_notes: list[dict[str, Any]] = Field(default_factory=list, description="number, issued_on, amount")
    rate_basis: dict[str, Any] | None = None
    payments: list[dict[str, Any]] = Field(default_factory=list)


class Statement(BaseModel):
    as_of: str
    principal: str
    interest: str
    indemnities: str
    paid: str
    credited: str = Field(default="0.00", description="credit notes, taken off the total like payments")
    total: str
    invoices: list[StatementInvoice]
    interest_until: str | None = Field(default=None, description="the arrêté: interest computed up to this day")
    arrete: str | None = Field(default=None, description="the arrêté sentence claiming the later interest")
    day_count_fr: str | None = None
    imputation_fr: str | None = None
    notice_received_on: str | None = Field(
        default=None,
        description="consumer: receipt of the mise en demeure, interest at the taux légal runs from the next day",
    )


class NoticeOut(BaseModel):
    id: str
    case_id: str
    kind: str
    variant: str
    status: Literal["draft", "issued"]
    as_of: str
    options: dict[str, Any]
    statement: Statement
    template_digest: str
    document: dict[str, Any] | None
    signature: dict[str, Any] | None
    storage: dict[str, Any] | None
    completeness: dict[str, Any] | None
    created_at: str | None
    issued_at: str | None
    verification_url: str | None = Field(
        default=None,
        description="the public page printed on the letter (QR code and short URL) where anyone holding it "
        "checks it is genuine; a draft's answers only once it is issued",
    )


class NoticeListQuery(ListQuery):
    case_id: IdFilter | None = None
    kind: Literal["pre_reminder", "reminder", "second_reminder", "formal_notice", "payment_plan"] | None = None
    status: Literal["draft", "issued"] | None = None


class NoticeItem(BaseModel):
    id: str
    case_id: str
    kind: str
    variant: str
    status: str
    as_of: str
    document_sha256: str | None
    created_at: str | None
    issued_at: str | None


class NoticePage(PageOut):
    data: list[NoticeItem]
