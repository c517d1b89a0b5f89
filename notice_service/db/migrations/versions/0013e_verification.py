"""verification codes: the /v/<code> every issued letter prints (issue 15, public verification)

Revision ID: 0013e_verification
Revises: 0013d_users

Notices drafted before this revision have no code: issuing one of them makes its code then, before rendering.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013e_verification"
down_revision = "0013d_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notices", sa.Column("verification_code", sa.String(20), nullable=True))
    op.create_index("ix_notices_verification_code", "notices", ["verification_code"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_notices_verification_code", table_name="notices")
    op.drop_column("notices", "verification_code")
