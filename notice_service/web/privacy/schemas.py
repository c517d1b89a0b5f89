"""Queries and answers of the personal-data routes (dates ISO, Europe/Paris)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from notice_service.web.listing import IsoDate


class PurgeableQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    before: IsoDate | None = Field(default=None, description="only cases closed before this day")


class CaseVerdictOut(BaseModel):
    case_id: str
    reference: str
    status: str
    closed_on: str | None
    prescribed_from: str | None = Field(description="the first day every claim of the case is prescribed")
    purgeable: bool
    reason: str = Field(description="prescribed, retention_period; or why not: open, not_yet, closed_after_before")


class DebtorVerdictOut(BaseModel):
    debtor_id: str
    kind: str
    purgeable: bool
    open_invoices_outside_cases: int
    cases: list[CaseVerdictOut]
    scrubbed: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Ids of the rows outside the debtor's own whose personal data the purge blanks "
        "(`dossiers`, `webhook_deliveries`).",
    )


class PurgeableList(BaseModel):
    data: list[DebtorVerdictOut]


class RetainedDocument(BaseModel):
    kind: str
    id: str
    key: str
    retain_until: str = Field(description="kept under Object Lock (or the configured retention) until then")
    source: str = Field(description="store (its lock date) or configured (NOTICE_RETENTION_DAYS)")


class PurgeOut(BaseModel):
    purge_id: str
    debtor_id: str
    case_ids: list[str]
    retained: list[RetainedDocument]
    retained_until: str | None
