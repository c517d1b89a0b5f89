"""case calls (the outcome of a call to the debtor), the reason of a manual pause, the running pauses' index

Revision ID: 0013b_calls
Revises: 0013a_dunning
"""

import sqlalchemy as sa
from alembic import op

revision = "0013b_calls"
down_revision = "0013a_dunning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_calls",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("caller", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("notes_sha256", sa.String(64), nullable=True),
        sa.Column("promise_id", sa.String(36), sa.ForeignKey("case_pauses.id"), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_calls_case_called", "case_calls", ["case_id", "called_at"])
    op.add_column("case_pauses", sa.Column("reason", sa.String(32), nullable=True))
    running = sa.text("ended_at IS NULL")
    op.create_index("ix_case_pauses_running", "case_pauses", ["until"], postgresql_where=running, sqlite_where=running)


def downgrade() -> None:
    op.drop_index("ix_case_pauses_running", table_name="case_pauses")
    op.drop_column("case_pauses", "reason")
    op.drop_index("ix_case_calls_case_called", table_name="case_calls")
    op.drop_table("case_calls")
