# ruff: noqa: S608  (fixed rows of this test, no input)
"""Migration ``0012a_lists`` on a database holding rows written before it, on SQLite and PostgreSQL: a paid
invoice becomes ``paid``, each case gets its earliest unpaid due date and furthest ladder letter, the events
queued before it enter the feed under the ``webhook-id`` their deliveries carried, and it downgrades cleanly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text

from notice_service.db import engine as engine_module
from notice_service.db.engine import make_engine

BEFORE = "0011_audit_append_guard"
T = "11111111-1111-4111-8111-111111111111"
ROWS = [
    f"INSERT INTO tenants VALUES ('{T}', 'Atelier', '404833048', '{{}}', '2026-01-01 00:00:00')",
    f"""INSERT INTO debtors (id, tenant_id, kind, name, siren, address_lines, postal_code, city, country, created_at)
        VALUES ('d1', '{T}', 'business', 'Martin', '732829320', '[]', '75019', 'Paris', 'FR', '2026-01-01 00:00:00')""",
    *[
        f"""INSERT INTO invoices (id, tenant_id, debtor_id, number, issue_date, due_date, amount_due, currency,
            created_at) VALUES ('{i}', '{T}', 'd1', '{i}', '2026-01-01', '{due}', '100.00', 'EUR',
            '2026-01-02 00:00:00')"""
        for i, due in (("i1", "2026-02-01"), ("i2", "2026-03-01"), ("i3", "2026-04-01"))
    ],
    f"INSERT INTO payments VALUES ('p1', '{T}', 'i1', '60.00', '2026-02-10', NULL, '2026-02-10 00:00:00')",
    f"INSERT INTO payments VALUES ('p2', '{T}', 'i1', '40.00', '2026-02-11', NULL, '2026-02-11 00:00:00')",
    f"INSERT INTO payments VALUES ('p3', '{T}', 'i2', '10.00', '2026-02-11', NULL, '2026-02-11 00:00:00')",
    f"INSERT INTO cases (id, tenant_id, debtor_id, reference, status, created_at) "
    f"VALUES ('c1', '{T}', 'd1', 'DOS-1', 'open', '2026-03-01 00:00:00')",
    f"INSERT INTO cases (id, tenant_id, debtor_id, reference, status, created_at) "
    f"VALUES ('c2', '{T}', 'd1', 'DOS-2', 'open', '2026-03-01 00:00:00')",
    "INSERT INTO case_invoices VALUES ('c1', 'i1', 0)",
    "INSERT INTO case_invoices VALUES ('c1', 'i2', 1)",
    "INSERT INTO case_invoices VALUES ('c2', 'i1', 0)",
    *[
        f"""INSERT INTO notices (id, tenant_id, case_id, kind, variant, status, as_of, options, letter_data,
            statement, template_digest, created_at, issued_at) VALUES ('{n}', '{T}', 'c1', '{kind}', 'b2b', '{status}',
            '2026-03-10', '{{}}', '{{}}', '{{}}', 'x', '2026-03-10 00:00:00', {issued})"""
        for n, kind, status, issued in (
            ("n1", "reminder", "issued", "'2026-03-10 00:00:00'"),
            ("n2", "pre_reminder", "issued", "'2026-03-11 00:00:00'"),
            ("n3", "formal_notice", "draft", "NULL"),
        )
    ],
]
PAYLOAD = {"payment_id": "p3", "invoice_id": "i2", "_outbox_message_id": 0}


def _config(connection: object) -> Config:
    """Alembic's configuration on the service's migrations, bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(Path(engine_module.__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


def _run(engine: Engine, verb: str, target: str) -> None:
    """``alembic upgrade|downgrade target`` in one transaction."""
    with engine.begin() as connection:
        getattr(command, verb)(_config(connection), target)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty SQLite file, or a fresh PostgreSQL database; its pool is closed afterwards (an engine left to
    the garbage collector leaves its PostgreSQL connections open: a ResourceWarning, an error here)."""
    if request.param == "sqlite":
        made = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        made = make_engine(request.getfixturevalue("postgres_url"))
    yield made
    made.dispose()


def test_rows_written_before_the_lists_are_backfilled(engine: Engine) -> None:
    _run(engine, "upgrade", BEFORE)
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement))
        outbox = text(
            "INSERT INTO outbox (tenant_id, topic, payload, created_at, available_at, attempts) "
            "VALUES (:t, :topic, :payload, '2026-02-11 00:00:00', '2026-02-11 00:00:00', 1)"
        )
        connection.execute(outbox, {"t": T, "topic": "payment.recorded", "payload": json.dumps(PAYLOAD)})
        connection.execute(outbox, {"t": T, "topic": "audit.mirror", "payload": "{}"})
        outbox_id = connection.execute(text("SELECT id FROM outbox WHERE topic = 'payment.recorded'")).scalar_one()
    _run(engine, "upgrade", "heads")
    with engine.connect() as connection:
        statuses = dict(connection.execute(text("SELECT id, status FROM invoices")).all())
        progress = {
            row[0]: (row[1], row[2])
            for row in connection.execute(text("SELECT id, ladder_stage, unpaid_due FROM cases"))
        }
        events = connection.execute(text("SELECT id, tenant_id, type, data FROM events")).all()
    assert statuses == {"i1": "paid", "i2": "open", "i3": "open"}
    unpaid = progress["c1"][1]
    assert progress["c1"][0] == "reminder" and str(unpaid)[:10] == date(2026, 3, 1).isoformat()
    assert progress["c2"] == (None, None)  # its one invoice is paid; no letter issued
    assert len(events) == 1
    event_id, tenant, kind, data = events[0]
    assert (event_id, tenant, kind) == (f"msg_{T.replace('-', '')[:12]}_{outbox_id}", T, "payment.recorded")
    assert (json.loads(data) if isinstance(data, str) else data) == {"payment_id": "p3", "invoice_id": "i2"}
    _run(engine, "downgrade", BEFORE)
    schema = inspect(engine)
    assert "events" not in schema.get_table_names()
    assert "status" not in {column["name"] for column in schema.get_columns("invoices")}
    assert "ladder_stage" not in {column["name"] for column in schema.get_columns("cases")}
    with engine.connect() as connection:  # the rows themselves are untouched
        assert connection.execute(text("SELECT count(*) FROM invoices")).scalar_one() == 3
    engine.dispose()
