"""the SMS step: a debtor's mobile number and opt-out, the SMS sent, the numbers that opted out

Revision ID: 0013c_sms
Revises: 0013b_calls
"""

import sqlalchemy as sa
from alembic import op

revision = "0013c_sms"
down_revision = "0013b_calls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("debtors", sa.Column("phone", sa.String(16), nullable=True))
    op.add_column("debtors", sa.Column("sms_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("debtor_id", sa.String(36), sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("encoding", sa.String(8), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_message_id", sa.String(100), nullable=True),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_sms_idempotency_key"),
    )
    op.create_table(
        "sms_opt_outs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("debtor_id", sa.String(36), sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "phone", name="uq_sms_opt_out_phone"),
    )


def downgrade() -> None:
    op.drop_table("sms_opt_outs")
    op.drop_table("sms_messages")
    op.drop_column("debtors", "sms_opt_out")
    op.drop_column("debtors", "phone")
