"""The query and the answer of ``GET /v1/kpis`` (amounts are decimal strings, ratios decimal strings)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from notice_service.web.listing import IsoDate


class KpiQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # by alias only: ``from``, never ``from_``

    from_: IsoDate | None = Field(
        default=None, alias="from", description="first day (Europe/Paris), default `to` − 89 days"
    )
    to: IsoDate | None = Field(default=None, description="last day (Europe/Paris), default today")


class Dso(BaseModel):
    days: str | None = Field(description="null when nothing was invoiced in the period")
    receivables: str
    sales: str
    period_days: int
    formula: str


class Recovery(BaseModel):
    chased_invoices: int
    chased: str
    recovered: str
    rate: str | None = Field(description="recovered / chased, 4 decimals; null when nothing was chased")
    formula: str


class Step(BaseModel):
    kind: str
    cases: int
    paid_after: int
    share: str | None
    median_days_to_pay: str | None


class Reminders(BaseModel):
    paid_invoices: int
    reminders: int
    per_paid_invoice: str | None
    formula: str


class Bucket(BaseModel):
    bucket: str = Field(description="current (not yet due), 0-30, 31-60, 61-90 or over_90 days past due")
    count: int
    amount: str


class Aging(BaseModel):
    at: str
    buckets: list[Bucket]
    total: str


class KpisOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    dso: Dso
    recovery: Recovery
    steps: list[Step]
    reminders: Reminders
    aging: Aging
