"""Request and response schemas of the dunning plans and runs (the OpenAPI document is generated from them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from notice_service.domain.dunning.plans import MAX_OFFSET, MAX_STEPS, MIN_OFFSET
from notice_service.web.schemas import ShortText, Strict

Action = Literal[
    "pre_reminder", "reminder", "second_reminder", "formal_notice", "payment_plan_offer", "sms", "call_task",
    "injonction_proposal",
]  # fmt: skip
ChannelName = Literal["email", "letter", "email_and_letter", "registered_letter", "sms", "phone", "none"]
ItemState = Literal["proposed", "approved", "rejected", "issued", "dispatched", "failed", "skipped", "cancelled"]


class StepIn(Strict):
    """One step: ``offset_days`` from the carrying invoice's due date (``anchor`` ``due_date``, negative before
    it) or from the previous step taken (``previous``); ``auto`` steps are approved by the plan."""

    offset_days: int = Field(ge=MIN_OFFSET, le=MAX_OFFSET, strict=True)
    action: Action
    channel: ChannelName
    mode: Literal["auto", "manual"] = "manual"
    anchor: Literal["due_date", "previous"] = "due_date"
    tone: Literal["courteous", "firm"] | None = None
    deadline_days: int | None = Field(default=None, ge=1, le=60, strict=True, description="formal_notice only (8)")


class PlanIn(Strict):
    name: ShortText
    steps: list[StepIn] = Field(min_length=1, max_length=MAX_STEPS)
    default: bool = Field(default=False, strict=True, description="make it the tenant's default plan")


class StepOut(BaseModel):
    offset_days: int
    action: str
    channel: str
    mode: str
    anchor: str
    tone: str | None
    deadline_days: int | None


class PlanOut(BaseModel):
    id: str
    name: str
    version: int
    default: bool
    steps: list[StepOut]
    created_at: datetime
    updated_at: datetime


class PlanList(BaseModel):
    data: list[PlanOut]


class DebtorPlanIn(Strict):
    plan_id: str | None = Field(description="the plan the debtor follows; null: the tenant's default")


class DebtorPlanOut(BaseModel):
    debtor_id: str
    plan_id: str | None
    own: bool


class DunningSettingsIn(Strict):
    default_plan_id: str | None = None
    min_interval_days: int | None = Field(default=None, ge=0, le=90, strict=True, description="days between contacts")
    working_days_only: bool | None = Field(
        default=None,
        strict=True,
        description="send only on working days at the debtor's address (no weekend or holiday)",
    )
    run_at: str | None = Field(
        default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="the daily run's time, Paris (HH:MM)"
    )
    no_daily_run: bool = Field(default=False, strict=True, description="true: the worker plans no daily run")


class DunningSettingsOut(BaseModel):
    default_plan_id: str | None
    min_interval_days: int
    working_days_only: bool
    run_at: str | None


class RunCreate(Strict):
    as_of: date = Field(description="the day planned (Paris), today or earlier")


class ItemsDecision(Strict):
    item_ids: list[str] | None = Field(default=None, min_length=1, max_length=1000)
    all: bool = Field(default=False, strict=True, description="every proposed item (whose draft is ready)")

    @model_validator(mode="after")
    def one_of(self) -> ItemsDecision:
        if (self.item_ids is None) == (not self.all):
            raise ValueError('give item_ids or "all": true, not both')
        return self


class RunCounts(BaseModel):
    proposed: int
    approved: int
    rejected: int
    issued: int
    dispatched: int
    failed: int
    skipped: int
    cancelled: int


class RunProgress(BaseModel):
    items_per_second: float | None
    estimated_seconds_left: float | None
    waiting_approval: int


class ItemError(BaseModel):
    item_id: str
    case_id: str
    reason: str


class RunOut(BaseModel):
    id: str
    as_of: date
    status: str
    trigger: str
    created_at: datetime
    completed_at: datetime | None
    planning_seconds: float
    total: int
    counts: RunCounts
    progress: RunProgress
    errors: list[ItemError]


class RunList(BaseModel):
    data: list[RunOut]


class RunListQuery(Strict):
    limit: int = Field(default=20, ge=1, le=100)


class ItemListQuery(Strict):
    state: ItemState | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class ItemOut(BaseModel):
    id: str
    case_id: str
    debtor_id: str
    action: str
    channel: str
    mode: str
    step_index: int
    plan_id: str
    plan_version: int
    due_on: date
    invoice_ids: list[str]
    state: str
    reason: str | None
    notice_id: str | None
    preview: str | None = Field(description="the draft's preview PDF (GET), once drafted")
    delivery_id: str | None


class ItemList(BaseModel):
    data: list[ItemOut]
