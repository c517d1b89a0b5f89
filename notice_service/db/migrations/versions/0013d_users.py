"""users of the back office, their failed sign-ins (throttling) and the drafts approvers rejected

Revision ID: 0013d_users
Revises: 0013c_sms
"""

import sqlalchemy as sa
from alembic import op

revision = "0013d_users"
down_revision = "0013c_sms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_failures_email_ip", "login_failures", ["email", "ip", "failed_at"])
    op.create_table(
        "notice_rejections",
        sa.Column("notice_id", sa.String(36), sa.ForeignKey("notices.id"), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("rejected_by", sa.String(64), nullable=False),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notice_rejections")
    op.drop_index("ix_login_failures_email_ip", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_table("users")
