"""debtor activity: the activity that decides the court (C. com. L721-3), for business debtors

Revision ID: 0012d_debtor_activity
Revises: 0011_audit_append_guard

Existing business debtors get ``societe_commerciale`` (what the service assumed before: the tribunal de
commerce); consumers keep NULL.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012d_debtor_activity"
down_revision = "0012e_invoice_terms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("debtors") as batch:
        batch.add_column(sa.Column("activity", sa.String(32), nullable=True))
    op.execute("UPDATE debtors SET activity = 'societe_commerciale' WHERE kind = 'business'")


def downgrade() -> None:
    op.drop_column("debtors", "activity")  # plain DROP COLUMN: a batch copy cannot drop a table others reference
