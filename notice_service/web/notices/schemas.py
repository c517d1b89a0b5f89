"""Response schemas of a notice and its décompte (pydantic; the OpenAPI document is generated from them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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
    rate_basis: dict[str, Any] | None = None
    payments: list[dict[str, Any]] = Field(default_factory=list)


class Statement(BaseModel):
    as_of: str
    principal: str
    interest: str
    indemnities: str
    paid: str
    total: str
    invoices: list[StatementInvoice]
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
