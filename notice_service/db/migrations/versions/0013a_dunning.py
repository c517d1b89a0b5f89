"""dunning: plans and their versions, settings, debtor plans, runs, run items, steps taken

Revision ID: 0013a_dunning
Revises: 0013p_case_pauses
"""

import sqlalchemy as sa
from alembic import op

revision = "0013a_dunning"
down_revision = "0013p_case_pauses"
branch_labels = None
depends_on = None

_ID = sa.String(36)
_AT = sa.DateTime(timezone=True)


def _tenant() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("tenant_id", _ID, sa.ForeignKey("tenants.id"), nullable=False, index=True)


def upgrade() -> None:
    op.create_table(
        "dunning_plans",
        sa.Column("id", _ID, primary_key=True),
        _tenant(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
    )
    op.create_table(
        "dunning_plan_versions",
        sa.Column("plan_id", _ID, sa.ForeignKey("dunning_plans.id"), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
    )
    op.create_table(
        "dunning_settings",
        sa.Column("tenant_id", _ID, sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("default_plan_id", _ID, sa.ForeignKey("dunning_plans.id"), nullable=True),
        sa.Column("min_interval_days", sa.Integer(), nullable=False),
        sa.Column("working_days_only", sa.Boolean(), nullable=False),
        sa.Column("run_at", sa.String(5), nullable=True),
        sa.Column("last_scheduled_on", sa.Date(), nullable=True),
    )
    op.create_table(
        "debtor_plans",
        sa.Column("debtor_id", _ID, sa.ForeignKey("debtors.id"), primary_key=True),
        _tenant(),
        sa.Column("plan_id", _ID, sa.ForeignKey("dunning_plans.id"), nullable=False),
    )
    op.create_table(
        "dunning_runs",
        sa.Column("id", _ID, primary_key=True),
        _tenant(),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("planning_ms", sa.Integer(), nullable=False),
        sa.Column("first_issued_at", _AT, nullable=True),
        sa.Column("completed_at", _AT, nullable=True),
    )
    op.create_index("ix_dunning_runs_tenant_created", "dunning_runs", ["tenant_id", "created_at"])
    op.create_table(
        "dunning_run_items",
        sa.Column("id", _ID, primary_key=True),
        _tenant(),
        sa.Column("run_id", _ID, sa.ForeignKey("dunning_runs.id"), nullable=False),
        sa.Column("case_id", _ID, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("debtor_id", _ID, sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("plan_id", _ID, sa.ForeignKey("dunning_plans.id"), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("step", sa.JSON(), nullable=False),
        sa.Column("invoice_ids", sa.JSON(), nullable=False),
        sa.Column("invoice_key", sa.String(64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("receipts", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("notice_id", _ID, sa.ForeignKey("notices.id"), nullable=True),
        sa.Column("delivery_id", sa.String(36), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", _AT, nullable=True),
        sa.Column("done_at", _AT, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
    )
    op.create_index("ix_dunning_run_items_run_state", "dunning_run_items", ["run_id", "state"])
    op.create_table(
        "dunning_steps_taken",
        sa.Column("id", _ID, primary_key=True),
        _tenant(),
        sa.Column("case_id", _ID, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("invoice_key", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("plan_id", _ID, sa.ForeignKey("dunning_plans.id"), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("item_id", _ID, sa.ForeignKey("dunning_run_items.id"), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.UniqueConstraint("case_id", "step_index", "invoice_key", name="uq_dunning_step_once"),
    )


def downgrade() -> None:
    op.drop_table("dunning_steps_taken")
    op.drop_index("ix_dunning_run_items_run_state", table_name="dunning_run_items")
    op.drop_table("dunning_run_items")
    op.drop_index("ix_dunning_runs_tenant_created", table_name="dunning_runs")
    op.drop_table("dunning_runs")
    op.drop_table("debtor_plans")
    op.drop_table("dunning_settings")
    op.drop_table("dunning_plan_versions")
    op.drop_table("dunning_plans")
