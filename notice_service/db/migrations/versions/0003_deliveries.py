"""deliveries, facts, evidence, LRE consents, inbound webhook secrets, notice deadlines

Revision ID: 0003_delivery
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_delivery"
down_revision = "0002"
branch_labels = None
depends_on = None


def _id(name: str = "id") -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.String(length=36), nullable=False)


def _tenant() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("tenant_id", sa.String(length=36), sa.ForeignKey("tenants.id"), nullable=False, index=True)


def _moment(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        _id(),
        _tenant(),
        sa.Column("notice_id", sa.String(36), sa.ForeignKey("notices.id"), nullable=False, index=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        _moment("status_at", nullable=True),
        sa.Column("tracking_number", sa.String(15), nullable=True, index=True),
        sa.Column("provider_reference", sa.String(255), nullable=True, index=True),
        sa.Column("recipient", sa.String(254), nullable=True),
        _moment("created_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "delivery_facts",
        _id(),
        _tenant(),
        sa.Column("delivery_id", sa.String(36), sa.ForeignKey("deliveries.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        _moment("occurred_at"),
        _moment("recorded_at"),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_event_id", sa.String(255), nullable=False),
        sa.Column("payload_key", sa.String(200), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_id", "source_event_id", name="uq_delivery_fact_source"),
    )
    op.create_table(
        "delivery_evidence",
        _id(),
        _tenant(),
        sa.Column("delivery_id", sa.String(36), sa.ForeignKey("deliveries.id"), nullable=False, index=True),
        sa.Column("fact_id", sa.String(36), sa.ForeignKey("delivery_facts.id"), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("shown_on", sa.Date(), nullable=True),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("document_key", sa.String(200), nullable=False),
        _moment("created_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "electronic_consents",
        _id(),
        _tenant(),
        sa.Column("debtor_id", sa.String(36), sa.ForeignKey("debtors.id"), nullable=False, index=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("evidence_sha256", sa.String(64), nullable=False),
        sa.Column("evidence_key", sa.String(200), nullable=False),
        _moment("created_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "inbound_webhook_secrets",
        _id(),
        _tenant(),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        _moment("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "provider", name="uq_inbound_secret_provider"),
    )
    op.create_table(
        "notice_deadlines",
        sa.Column("notice_id", sa.String(36), sa.ForeignKey("notices.id"), nullable=False),
        _tenant(),
        sa.Column("receipt_on", sa.Date(), nullable=False),
        sa.Column("receipt_deemed", sa.Boolean(), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=False, index=True),
        _moment("expired_at", nullable=True),
        sa.PrimaryKeyConstraint("notice_id"),
    )


def downgrade() -> None:
    for table in (
        "notice_deadlines",
        "inbound_webhook_secrets",
        "electronic_consents",
        "delivery_evidence",
        "delivery_facts",
        "deliveries",
    ):
        op.drop_table(table)
