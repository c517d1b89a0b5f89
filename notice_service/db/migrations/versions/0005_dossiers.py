"""evidence dossiers for an injonction de payer

Revision ID: 0005_dossiers
Revises: 0003_audit
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_dossiers"
down_revision = "0003_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossiers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("archive_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("layout", sa.JSON(), nullable=False),
        sa.Column("layout_key", sa.String(length=200), nullable=False),
        sa.Column("zip_time", sa.String(length=19), nullable=False),
        sa.Column("checkpoint_size", sa.Integer(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dossiers_tenant_id", "dossiers", ["tenant_id"])
    op.create_index("ix_dossiers_case_id", "dossiers", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_dossiers_case_id", table_name="dossiers")
    op.drop_index("ix_dossiers_tenant_id", table_name="dossiers")
    op.drop_table("dossiers")
