"""provider accounts (encrypted credentials, shared back-off) and what a delivery through a provider records

Revision ID: 0013f_providers
Revises: 0013e_verification
"""

import sqlalchemy as sa
from alembic import op

revision = "0013f_providers"
down_revision = "0013e_verification"
branch_labels = None
depends_on = None

_DELIVERY_COLUMNS = (
    ("price", sa.String(20)),
    ("currency", sa.String(3)),
    ("failure_code", sa.String(40)),
    ("failure_reason", sa.Text()),
    ("level", sa.String(32)),
)


def upgrade() -> None:
    op.create_table(
        "provider_accounts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("base_url", sa.String(500), nullable=False),
        sa.Column("public_credentials", sa.JSON(), nullable=False),
        sa.Column("secret_hints", sa.JSON(), nullable=False),
        sa.Column("wrapped_key", sa.Text(), nullable=False),
        sa.Column("sealed_secrets", sa.Text(), nullable=False),
        sa.Column("return_address", sa.JSON(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "provider", name="uq_provider_accounts_tenant_provider"),
    )
    for name, kind in _DELIVERY_COLUMNS:
        op.add_column("deliveries", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for name, _kind in reversed(_DELIVERY_COLUMNS):
        op.drop_column("deliveries", name)
    op.drop_table("provider_accounts")
