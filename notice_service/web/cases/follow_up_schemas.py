"""Request and response schemas of a case's promises to pay, manual pauses and calls (``web/cases/follow_up.py``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from notice_service.domain.pauses import CALL_OUTCOMES, MAX_NOTE, PAUSE_REASONS, PROMISE_HORIZON_DAYS
from notice_service.use_cases.cases.calls import MAX_NOTES, CallInput
from notice_service.use_cases.cases.promises import PromiseInput
from notice_service.web.schemas import AmountString, Strict

CallOutcome = Literal[CALL_OUTCOMES]  # type: ignore[valid-type]
PauseReason = Literal[PAUSE_REASONS]  # type: ignore[valid-type]


class PromiseCreate(Strict):
    amount: AmountString = Field(description="more than zero, at most the case's balance")
    date: dt.date = Field(
        description=f"the day the debtor promised to pay by: today (Europe/Paris) to {PROMISE_HORIZON_DAYS} days "
        "ahead; the case is paused until then and the promise judged the day after"
    )
    note: str | None = Field(default=None, max_length=MAX_NOTE, description="kept on the promise; audited by SHA-256")

    def to_input(self) -> PromiseInput:
        return PromiseInput(Decimal(self.amount), self.date, self.note)


class PauseCreate(Strict):
    until: dt.date = Field(description="the day the dunning resumes: tomorrow (Paris) to 365 days ahead")
    reason: PauseReason = Field(description="why; a note is required for other")
    note: str | None = Field(default=None, max_length=MAX_NOTE, description="kept on the pause; audited by SHA-256")


class PauseEnd(Strict):
    note: str | None = Field(default=None, max_length=MAX_NOTE, description="why (audited by SHA-256 only)")


class CallCreate(Strict):
    called_at: dt.datetime = Field(description="when the call took place, with its offset; not in the future")
    caller: str = Field(min_length=1, max_length=200, description="who called (kept on the call; audited by hash)")
    outcome: CallOutcome = Field(description="promise exactly when the call carries a promise")
    notes: str | None = Field(default=None, max_length=MAX_NOTES, description="kept on the call; audited by hash")
    promise: PromiseCreate | None = Field(default=None, description="recorded as POST …/promises records one")

    def to_input(self) -> CallInput:
        promise = self.promise.to_input() if self.promise else None
        return CallInput(self.called_at, self.caller, self.outcome, self.notes, promise)


class PauseOut(BaseModel):
    id: str
    case_id: str
    kind: Literal["promise", "manual"]
    starts_on: str
    until: str = Field(description="a promise's date, or the day a manual pause resumes")
    amount: str | None = Field(description="a promise's amount")
    reason: str | None
    note: str | None
    created_by: str
    created_at: str
    status: Literal["active", "ended"]
    outcome: Literal["kept", "broken", "resumed", "cancelled"] | None
    ended_at: str | None


class PauseList(BaseModel):
    data: list[PauseOut]


class CallOut(BaseModel):
    id: str
    case_id: str
    called_at: str
    caller: str
    outcome: str
    notes: str | None
    notes_sha256: str | None
    promise_id: str | None
    created_at: str


class CallList(BaseModel):
    data: list[CallOut]
