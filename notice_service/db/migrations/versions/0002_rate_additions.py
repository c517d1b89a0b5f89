"""rate additions

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_additions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("effective", sa.Date(), nullable=True),
        sa.Column("confirmed_until", sa.Date(), nullable=True),
        sa.Column("half_year", sa.String(length=7), nullable=True),
        sa.Column("rate", sa.String(length=40), nullable=True),
        sa.Column("particuliers", sa.String(length=40), nullable=True),
        sa.Column("autres_cas", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("rate_additions")
