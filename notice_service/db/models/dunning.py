"""Dunning: plans (versioned), the tenant's dunning settings, a debtor's plan, runs and their items, and the
steps taken on each case (the table that makes "never the same step twice" a unique key)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, Base
from notice_service.db.types import UTCDateTime


class DunningPlan(Base):
    __tablename__ = "dunning_plans"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    steps: Mapped[list[Any]] = mapped_column(JSON)  # the current version's steps
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DunningPlanVersion(Base):
    """Every version a plan had, so a step taken names the exact steps it followed."""

    __tablename__ = "dunning_plan_versions"
    plan_id: Mapped[str] = mapped_column(ForeignKey("dunning_plans.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    steps: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DunningSettings(Base):
    __tablename__ = "dunning_settings"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    default_plan_id: Mapped[str | None] = mapped_column(ForeignKey("dunning_plans.id"), nullable=True)
    min_interval_days: Mapped[int] = mapped_column(Integer, default=0)
    working_days_only: Mapped[bool] = mapped_column(Boolean, default=False)
    run_at: Mapped[str | None] = mapped_column(String(5), nullable=True)  # "HH:MM" Paris time; None: no schedule
    last_scheduled_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class DebtorPlan(Base):
    __tablename__ = "debtor_plans"
    debtor_id: Mapped[str] = mapped_column(ForeignKey("debtors.id"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("dunning_plans.id"))


class DunningRun(Base):
    __tablename__ = "dunning_runs"
    __table_args__ = (Index("ix_dunning_runs_tenant_created", "tenant_id", "created_at"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # open | completed | cancelled
    trigger: Mapped[str] = mapped_column(String(16))  # api | cli | schedule
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    planning_ms: Mapped[int] = mapped_column(Integer, default=0)
    first_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RunItem(Base):
    __tablename__ = "dunning_run_items"
    __table_args__ = (Index("ix_dunning_run_items_run_state", "run_id", "state"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("dunning_runs.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    debtor_id: Mapped[str] = mapped_column(ForeignKey("debtors.id"))
    plan_id: Mapped[str] = mapped_column(ForeignKey("dunning_plans.id"))
    plan_version: Mapped[int] = mapped_column(Integer)
    step_index: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(8))
    step: Mapped[dict[str, Any]] = mapped_column(JSON)
    invoice_ids: Mapped[list[Any]] = mapped_column(JSON)
    invoice_key: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date] = mapped_column(Date)
    #: how many payments and credit notes its invoices had when proposed: one more, and the letter is stale
    receipts: Mapped[int] = mapped_column(Integer, default=0)
    #: proposed → approved | rejected → issued → dispatched; failed (reason); skipped (reason); cancelled
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    notice_id: Mapped[str | None] = mapped_column(ForeignKey("notices.id"), nullable=True)
    delivery_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class StepTaken(Base):
    """A step of a plan taken on a case for a set of invoices: at most once (the unique key)."""

    __tablename__ = "dunning_steps_taken"
    __table_args__ = (UniqueConstraint("case_id", "step_index", "invoice_key", name="uq_dunning_step_once"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    step_index: Mapped[int] = mapped_column(Integer)
    invoice_key: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    plan_id: Mapped[str] = mapped_column(ForeignKey("dunning_plans.id"))
    plan_version: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(ForeignKey("dunning_run_items.id"))
    taken_on: Mapped[date] = mapped_column(Date)
