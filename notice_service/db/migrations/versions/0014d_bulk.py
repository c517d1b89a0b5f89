"""the per-provider-account call rate shared by all workers (``provider_rate_limits``)

Revision ID: 0014d_bulk
Revises: 0013i_search

One row per provider account: the next moment a call is allowed, claimed under a row lock by whichever worker
calls next (issue 17's back-pressure toward providers).
"""

import sqlalchemy as sa
from alembic import op

revision = "0014d_bulk"
down_revision = "0013i_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_rate_limits",
        sa.Column("account_id", sa.String(36), sa.ForeignKey("provider_accounts.id"), primary_key=True),
        sa.Column("next_call_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("provider_rate_limits")
