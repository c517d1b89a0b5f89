"""audit append: on PostgreSQL, a function that appends one leaf hash to the head's Merkle compact range

Revision ID: 0009_audit_append
Revises: 0006_audit_speed

``audit_compact_append(border, size, leaf)`` is ``domain.merkle.CompactRange.append`` in PL/pgSQL (the border
as concatenated 32-byte hashes, largest subtree first): the one-statement append of
``db.audit_repository`` keeps the compact range in the same ``UPDATE`` that takes the head row lock.
A NULL border stays NULL (a log whose range is rebuilt from its leaves on first use).
"""

from alembic import op

revision = "0009_audit_append"
down_revision = "0006_audit_speed"
branch_labels = None
depends_on = None

COMPACT_APPEND = r"""
CREATE OR REPLACE FUNCTION audit_compact_append(border bytea, size integer, leaf bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    node bytea := leaf;
    carry integer := size;
    rest bytea := border;
BEGIN
    IF rest IS NULL THEN
        RETURN NULL;
    END IF;
    WHILE carry & 1 = 1 LOOP
        node := sha256('\x01'::bytea || substring(rest FROM length(rest) - 31 FOR 32) || node);
        rest := substring(rest FROM 1 FOR length(rest) - 32);
        carry := carry >> 1;
    END LOOP;
    RETURN rest || node;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(COMPACT_APPEND)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_compact_append(bytea, integer, bytea)")
