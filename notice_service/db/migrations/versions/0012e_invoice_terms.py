"""invoice terms: the invoice's own CGV penalty rate and clause, and its delivery or completion date

Revision ID: 0012e_invoice_terms
Revises: 0011_audit_append_guard

``contractual_rate`` ("12.5" or "3x_legal") and ``penalty_clause`` override the tenant profile's for one
invoice (issue 11, issue 12 finding 4); ``delivered_on`` is the delivery of the goods or completion of the
service, from which consumer prescription runs (C. conso. L218-2, issue 12 finding 8). All nullable: existing
invoices keep the profile's rate and count from their issue date.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012e_invoice_terms"
down_revision = "0012b_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Three nullable columns on ``invoices``."""
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("contractual_rate", sa.String(16), nullable=True))
        batch.add_column(sa.Column("penalty_clause", sa.Text(), nullable=True))
        batch.add_column(sa.Column("delivered_on", sa.Date(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    op.drop_column("invoices", "delivered_on")  # plain DROP COLUMN: a batch copy cannot drop a table others reference
    op.drop_column("invoices", "penalty_clause")  # plain DROP COLUMN: a batch copy cannot drop a table others reference
    op.drop_column(
        "invoices", "contractual_rate"
    )  # plain DROP COLUMN: a batch copy cannot drop a table others reference
