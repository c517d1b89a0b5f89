"""lists: keyset indexes (tenant first), the invoice status, and the tenant event feed

Revision ID: 0012a_lists
Revises: 0011_audit_append_guard

- Every list (``GET /v1/debtors`` …) reads newest first by ``(created_at, id)`` within a tenant, so each table
  gets ``(tenant_id, created_at, id)`` and, per filter that narrows a list a lot, ``(tenant_id, <filter>,
  created_at, id)``: any page is an index range scan of ``limit + 1`` rows, whatever its depth.
- ``invoices.status`` (``open`` | ``paid`` | ``cancelled``) makes the status and overdue filters indexable;
  existing invoices whose payments cover them are backfilled as ``paid``.
- ``events``: the events the webhooks carry, one row per event, listed by ``GET /v1/events``. Events queued
  before this revision are backfilled from the outbox with the ``webhook-id`` their deliveries carried.
- ``cases.ladder_stage`` (the furthest ladder letter issued) and ``cases.unpaid_due`` (earliest due date of its
  open invoices) make ``?next_step=`` a SQL condition (``db.case_progress``); both are backfilled.
- On PostgreSQL, ``pg_trgm`` (a trusted extension) indexes debtor names for ``?q=``; where it cannot be created
  the search still works, by scanning.
"""

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0012a_lists"
down_revision = "0011_audit_append_guard"
branch_labels = None
depends_on = None

EVENT_TYPES = ("notice.issued", "delivery.updated", "deadline.expired", "payment.recorded", "dossier.ready")
KEYSET_INDEXES: dict[str, list[tuple[str, tuple[str, ...] | None]]] = {
    "debtors": [("ix_debtors_tenant_created", ()), ("ix_debtors_tenant_siren", None)],  # None: a look-up index
    "invoices": [
        ("ix_invoices_tenant_created", ()),
        ("ix_invoices_tenant_debtor_created", ("debtor_id",)),
        ("ix_invoices_tenant_status_created", ("status",)),
    ],
    "cases": [
        ("ix_cases_tenant_created", ()),
        ("ix_cases_tenant_status_created", ("status",)),
        ("ix_cases_tenant_debtor_created", ("debtor_id",)),
        ("ix_cases_tenant_reference", None),
        ("ix_cases_tenant_stage_created", ("ladder_stage",)),
    ],
    "notices": [("ix_notices_tenant_created", ()), ("ix_notices_tenant_case_created", ("case_id",))],
    "deliveries": [("ix_deliveries_tenant_created", ()), ("ix_deliveries_tenant_notice_created", ("notice_id",))],
    "payments": [("ix_payments_tenant_created", ()), ("ix_payments_tenant_invoice_created", ("invoice_id",))],
    "dossiers": [("ix_dossiers_tenant_created", ()), ("ix_dossiers_tenant_case_created", ("case_id",))],
}


def _create_indexes() -> None:
    for table, indexes in KEYSET_INDEXES.items():
        for name, middle in indexes:
            lookup = "siren" if table == "debtors" else "reference"
            columns = ["tenant_id", lookup] if middle is None else ["tenant_id", *middle, "created_at", "id"]
            op.create_index(name, table, columns)


def _backfill_invoice_status() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT i.id, i.amount_due, p.amount FROM invoices i JOIN payments p ON p.invoice_id = i.id ORDER BY i.id"
        )
    ).all()
    paid: dict[str, Decimal] = {}
    due: dict[str, Decimal] = {}
    for invoice_id, amount_due, amount in rows:
        due[invoice_id] = Decimal(amount_due)
        paid[invoice_id] = paid.get(invoice_id, Decimal(0)) + Decimal(amount)
    for invoice_id, total in paid.items():
        if total >= due[invoice_id]:
            bind.execute(sa.text("UPDATE invoices SET status = 'paid' WHERE id = :id"), {"id": invoice_id})


LADDER = ("pre_reminder", "reminder", "second_reminder", "formal_notice")


def _backfill_case_progress() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE cases SET unpaid_due = (SELECT min(i.due_date) FROM invoices i JOIN case_invoices ci"
            " ON ci.invoice_id = i.id WHERE ci.case_id = cases.id AND i.status = 'open')"
        )
    )
    stages: dict[str, str] = {}
    issued = bind.execute(sa.text("SELECT case_id, kind FROM notices WHERE issued_at IS NOT NULL")).all()
    for case_id, kind in issued:
        if kind in LADDER and (case_id not in stages or LADDER.index(kind) > LADDER.index(stages[case_id])):
            stages[case_id] = kind
    for case_id, kind in stages.items():
        bind.execute(sa.text("UPDATE cases SET ladder_stage = :kind WHERE id = :id"), {"kind": kind, "id": case_id})


def _backfill_events() -> None:
    bind = op.get_bind()
    outbox = sa.table(
        "outbox",
        sa.column("id"),
        sa.column("tenant_id"),
        sa.column("topic"),
        sa.column("payload", sa.JSON),
        sa.column("created_at"),
    )
    events = sa.table(
        "events",
        sa.column("id"),
        sa.column("tenant_id"),
        sa.column("type"),
        sa.column("occurred_at"),
        sa.column("data", sa.JSON),
    )
    query = sa.select(outbox).where(outbox.c.topic.in_(EVENT_TYPES)).order_by(outbox.c.id)
    for row in bind.execute(query):
        event_id = f"msg_{row.tenant_id.replace('-', '')[:12]}_{row.id}"  # as webhooks.dispatch derived it
        data = {key: value for key, value in (row.payload or {}).items() if not key.startswith("_")}
        bind.execute(
            events.insert().values(
                id=event_id, tenant_id=row.tenant_id, type=row.topic, occurred_at=row.created_at, data=data
            )
        )


def _trigram_index() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        bind.execute(sa.text("CREATE INDEX ix_debtors_name_trgm ON debtors USING gin (lower(name) gin_trgm_ops)"))
        savepoint.commit()
    except sa.exc.DBAPIError:
        savepoint.rollback()


def upgrade() -> None:
    op.add_column("invoices", sa.Column("status", sa.String(length=16), nullable=False, server_default="open"))
    op.add_column("cases", sa.Column("ladder_stage", sa.String(length=32), nullable=True))
    op.add_column("cases", sa.Column("unpaid_due", sa.Date(), nullable=True))
    op.create_table(
        "events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_events_tenant_time", "events", ["tenant_id", "occurred_at", "id"])
    op.create_index("ix_events_tenant_type_time", "events", ["tenant_id", "type", "occurred_at", "id"])
    _create_indexes()
    _backfill_invoice_status()
    _backfill_case_progress()
    _backfill_events()
    _trigram_index()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_debtors_name_trgm")
    for table, indexes in KEYSET_INDEXES.items():
        for name, _ in indexes:
            op.drop_index(name, table_name=table)
    op.drop_table("events")
    # ALTER TABLE … DROP COLUMN in place (SQLite ≥ 3.35): a batch copy of the table would trip the foreign keys
    for table, column in (("invoices", "status"), ("cases", "unpaid_due"), ("cases", "ladder_stage")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
