"""tenant-first trigram index for the debtor name search (``GET /v1/debtors?q=``)

Revision ID: 0013i_search
Revises: 0013f_providers

``0012a_lists`` indexed ``lower(name)`` alone (``gin_trgm_ops``): a rare name made PostgreSQL read the trigram
postings of every tenant's debtors, then drop the other tenants' rows (680 buffers at 200 k debtors per tenant).
With ``btree_gin`` (a trusted extension, like ``pg_trgm``) the GIN index can lead with ``tenant_id``, so the
search reads one tenant's postings only. The first column is ``tenant_id::text``, not the ``varchar`` column
itself: the query compares ``(tenant_id)::text``, which btree_gin's ``varchar`` operator class does not serve
(measured: with the plain column the planner never used the index). Where ``btree_gin`` cannot be created (a
role without the right, an installation without the contrib modules), the migration keeps ``0012a``'s index and
changes nothing, as ``0012a`` does for ``pg_trgm``. SQLite has neither index: its search is a scan of the tenant's rows.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013i_search"
down_revision = "0013f_providers"
branch_labels = None
depends_on = None

OLD = "ix_debtors_name_trgm"
NEW = "ix_debtors_tenant_name_trgm"


def create_tenant_first_index(bind: sa.engine.Connection, extension: str = "btree_gin") -> bool:
    """Create ``NEW`` and drop ``OLD`` in a savepoint; ``False`` (nothing changed) when ``extension`` or the
    index cannot be created."""
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        bind.execute(sa.text(f"CREATE EXTENSION IF NOT EXISTS {extension}"))
        columns = "(tenant_id::text), lower(name) gin_trgm_ops"  # text: the type the query compares tenant_id as
        bind.execute(sa.text(f"CREATE INDEX {NEW} ON debtors USING gin ({columns})"))
        bind.execute(sa.text(f"DROP INDEX IF EXISTS {OLD}"))
        savepoint.commit()
        return True
    except sa.exc.DBAPIError:
        savepoint.rollback()  # the fallback: 0012a's index (if any) stays
        return False


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        create_tenant_first_index(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    exists = bind.execute(sa.text("SELECT to_regclass(:name) IS NOT NULL"), {"name": NEW}).scalar_one()
    if not exists:
        return
    op.execute(f"DROP INDEX {NEW}")
    op.execute(f"CREATE INDEX {OLD} ON debtors USING gin (lower(name) gin_trgm_ops)")
