"""the per-provider-account call rate shared by all workers (``provider_accounts.next_call_at``)

Revision ID: 0014d_bulk
Revises: 0013i_search

One column on each provider account: the next moment a call is allowed, claimed under the account's row lock by
whichever worker calls next (issue 17's back-pressure toward providers).
"""

import sqlalchemy as sa
from alembic import op

revision = "0014d_bulk"
down_revision = "0013i_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("provider_accounts", sa.Column("next_call_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column(
        "provider_accounts", "next_call_at"
    )  # plain DROP COLUMN: a batch copy cannot drop a referenced table
