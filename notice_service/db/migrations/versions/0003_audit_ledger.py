"""audit ledger: checkpoints, checkpoint keys, and the Merkle compact range on the log head

Revision ID: 0003_audit
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_audit"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=False),
        sa.Column("note_key", sa.String(length=300), nullable=False),
        sa.Column("key_name", sa.String(length=200), nullable=False),
        sa.Column("key_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=True),
        sa.Column("token_key", sa.String(length=300), nullable=True),
        sa.Column("token_sha256", sa.String(length=64), nullable=True),
        sa.Column("chain_key", sa.String(length=300), nullable=True),
        sa.Column("tsa_url", sa.String(length=500), nullable=True),
        sa.Column("gen_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("anchor_index", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("tenant_id", "size"),
    )
    op.create_table(
        "audit_log_keys",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("key_name", sa.String(length=200), nullable=False),
        sa.Column("vkey", sa.String(length=400), nullable=False),
        sa.Column("valid_from_index", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("tenant_id", "fingerprint"),
    )
    with op.batch_alter_table("audit_heads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compact_range", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_heads", schema=None) as batch_op:
        batch_op.drop_column("compact_range")
    op.drop_table("audit_log_keys")
    op.drop_table("audit_checkpoints")
