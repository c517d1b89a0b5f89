"""audit speed: the WORM mirror's frontier per log (one segment per worker run), the cache of large subtrees

Revision ID: 0006_audit_speed
Revises: 0003_audit
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_audit_speed"
down_revision = "0003_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_mirrors",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_table(
        "audit_subtrees",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("tenant_id", "level", "index"),
    )
    # existing logs start at 0: the worker follows the segments already in the store before writing new ones
    op.execute("INSERT INTO audit_mirrors (tenant_id, size) SELECT tenant_id, 0 FROM audit_heads")


def downgrade() -> None:
    op.drop_table("audit_subtrees")
    op.drop_table("audit_mirrors")
