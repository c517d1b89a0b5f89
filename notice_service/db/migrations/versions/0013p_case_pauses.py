"""case pauses: promises to pay and manual pauses of a case's dunning

Revision ID: 0013p_case_pauses
Revises: 0012d_debtor_activity
"""

import sqlalchemy as sa
from alembic import op

revision = "0013p_case_pauses"
down_revision = "0012d_debtor_activity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_pauses",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("amount", sa.String(40), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_case_pauses_tenant_case", "case_pauses", ["tenant_id", "case_id", "until"])


def downgrade() -> None:
    op.drop_index("ix_case_pauses_tenant_case", table_name="case_pauses")
    op.drop_table("case_pauses")
