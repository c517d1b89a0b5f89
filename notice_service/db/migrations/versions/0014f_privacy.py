"""personal data (RGPD): tombstone columns on debtors and cases, and the record of each purge

Revision ID: 0014f_privacy
Revises: 0014d_bulk

``debtors.purged_at`` and ``cases.purged_at`` mark the rows whose personal data ``notice-service privacy purge``
removed (``use_cases/privacy``); ``privacy_purges`` keeps, per purged debtor, which cases went and which stored
documents remain under Object Lock and until when (their retain-until).
"""

import sqlalchemy as sa
from alembic import op

revision = "0014f_privacy"
down_revision = "0014d_bulk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("debtors", sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cases", sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "privacy_purges",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("debtor_id", sa.String(36), sa.ForeignKey("debtors.id"), nullable=False, index=True),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("retained", sa.JSON(), nullable=False),
        sa.Column("retained_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("purged_by", sa.String(200), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("privacy_purges")
    op.drop_column("cases", "purged_at")
    op.drop_column("debtors", "purged_at")
