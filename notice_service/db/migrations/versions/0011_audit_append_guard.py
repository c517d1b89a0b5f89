"""audit append guard: the one-statement append fails, instead of answering no row, when the head is not as expected

Revision ID: 0011_audit_append_guard
Revises: 0010_merge

On PostgreSQL a lone audit record is appended by the statement that is sent together with the transaction's
``COMMIT`` (``db.audit_repository``, pipelined). If that statement found no head to move (another origin, no
compact range) it would answer no row and the ``COMMIT`` would then keep the business rows without their audit
record. ``audit_append_refused(tenant)`` raises instead, so the transaction is aborted and its ``COMMIT`` becomes
a rollback: nothing is half-written.
"""

from alembic import op

revision = "0011_audit_append_guard"
down_revision = "0010_merge"
branch_labels = None
depends_on = None

APPEND_REFUSED = r"""
CREATE OR REPLACE FUNCTION audit_append_refused(tenant text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'audit log of tenant % has no head with the expected origin and compact range', tenant
        USING ERRCODE = 'P0001', HINT = 'the record was not appended and the transaction is rolled back';
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_REFUSED)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_append_refused(text)")
