"""API keys: several scopes, an expiry, the successor a rotation issued

Revision ID: 0014g_keys
Revises: 0014f_privacy

The single ``scope`` (``read`` < ``write`` < ``admin``) becomes ``scopes``, space-separated, of ``read``,
``write``, ``issue``, ``dispatch`` and ``admin`` (``domain/api_scopes.py``). Existing keys keep what they could
do: ``admin`` keys get every scope (the column's default), ``write`` keys everything but ``admin``, ``read`` keys
``read``. ``expires_at`` (null: never) and ``successor_id`` (the key ``rotate`` issued) are new and empty.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014g_keys"
down_revision = "0014f_privacy"
branch_labels = None
depends_on = None

ALL = "read write issue dispatch admin"
WRITE = "read write issue dispatch"


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("scopes", sa.String(length=64), nullable=False, server_default=ALL))
    op.add_column("api_keys", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_keys", sa.Column("successor_id", sa.String(length=36), nullable=True))
    op.execute("UPDATE api_keys SET scopes = 'read' WHERE scope = 'read'")
    op.execute(sa.text("UPDATE api_keys SET scopes = :scopes WHERE scope = 'write'").bindparams(scopes=WRITE))
    op.drop_column("api_keys", "scope")  # plain DROP COLUMN: a batch copy cannot drop a table others reference


def downgrade() -> None:
    op.add_column("api_keys", sa.Column("scope", sa.String(length=8), nullable=False, server_default="admin"))
    op.execute("UPDATE api_keys SET scope = 'read' WHERE scopes = 'read'")
    op.execute("UPDATE api_keys SET scope = 'write' WHERE scopes <> 'read' AND scopes NOT LIKE '%admin%'")
    op.drop_column("api_keys", "successor_id")  # plain DROP COLUMN: a batch copy cannot drop a table others reference
    op.drop_column("api_keys", "expires_at")  # plain DROP COLUMN: a batch copy cannot drop a table others reference
    op.drop_column("api_keys", "scopes")  # plain DROP COLUMN: a batch copy cannot drop a table others reference
