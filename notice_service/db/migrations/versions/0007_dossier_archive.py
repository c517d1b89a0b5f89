"""dossier archive: the ZIP stored write-once as one object (its key and storage version id)

Revision ID: 0007_dossier_archive
Revises: 0005_dossiers
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_dossier_archive"
down_revision = "0005_dossiers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: dossiers exported before this revision have no stored ZIP; they are rebuilt from their parts.
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("archive_key", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("archive_version_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("archive_version_id")
        batch.drop_column("archive_key")
