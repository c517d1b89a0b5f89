"""life-cycle: API key scopes and last use, case closing, invoice cancellation and credit notes

Revision ID: 0012b_lifecycle
Revises: 0011_audit_append_guard

Existing API keys become ``admin`` so every integration keeps working; a key's ``last_used_at`` is written at
most once a minute. A case carries why and when it was closed; an invoice when it was cancelled. Credit notes
(avoirs) are their own table, numbered uniquely per tenant like invoices.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012b_lifecycle"
down_revision = "0012a_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("scope", sa.String(length=8), nullable=False, server_default="admin"))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("closed_reason", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("closed_note", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "credit_notes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_credit_note_number"),
    )
    op.create_index("ix_credit_notes_invoice_id", "credit_notes", ["invoice_id"])
    op.create_index("ix_credit_notes_tenant_id", "credit_notes", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_credit_notes_tenant_id", table_name="credit_notes")
    op.drop_index("ix_credit_notes_invoice_id", table_name="credit_notes")
    op.drop_table("credit_notes")
    op.drop_column("invoices", "cancelled_at")  # plain DROP COLUMN: a batch copy cannot drop a table others reference
    op.drop_column("cases", "closed_at")  # plain DROP COLUMN: a batch copy cannot drop a table others reference
    op.drop_column("cases", "closed_note")  # plain DROP COLUMN: a batch copy cannot drop a table others reference
    op.drop_column("cases", "closed_reason")  # plain DROP COLUMN: a batch copy cannot drop a table others reference
    op.drop_column("api_keys", "last_used_at")  # plain DROP COLUMN: a batch copy cannot drop a table others reference
    op.drop_column("api_keys", "scope")  # plain DROP COLUMN: a batch copy cannot drop a table others reference
