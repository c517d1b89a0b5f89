"""Helpers for the update and life-cycle tests: a debtor with invoices and a case, PATCH requests, and what
the outbox and the audit log hold (read from the database, as the worker and the verifier would)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.outbox import EVENT_ID, OutboxMessage
from notice_service.services import Services
from tests.functional.conftest import Api

DEBTOR = {
    "kind": "business",
    "name": "Boulangerie Martin SARL",
    "siren": "732829320",
    "address": {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris", "country": "FR"},
}
MERGE_PATCH = "application/merge-patch+json"


def debtor(api: Api) -> str:
    created = api.post("/v1/debtors", DEBTOR)
    assert created.status_code == 201, created.json
    return str(created.json["id"])


def invoice(api: Api, debtor_id: str, number: str, amount: str, due: str = "2026-03-31") -> str:
    body = {"debtor_id": debtor_id, "number": number, "issue_date": "2026-03-01", "due_date": due, "amount_due": amount}
    created = api.post("/v1/invoices", body)
    assert created.status_code == 201, created.json
    return str(created.json["id"])


def case(api: Api, debtor_id: str, *invoice_ids: str) -> str:
    created = api.post("/v1/cases", {"debtor_id": debtor_id, "invoice_ids": list(invoice_ids)})
    assert created.status_code == 201, created.json
    return str(created.json["id"])


def patch(api: Api, path: str, body: Any, *, etag: str | None, content_type: str = MERGE_PATCH) -> Any:
    headers = dict(api.headers)
    if etag is not None:
        headers["If-Match"] = etag
    return api.client.patch(path, data=json.dumps(body), headers=headers, content_type=content_type)


def topics(services: Services, tenant_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The tenant's outbox events in order: (topic, payload), without the outbox's own keys (the event-feed id
    ``EVENT_ID`` the webhook delivery reuses)."""
    with services.db.reading() as session:
        rows = session.execute(
            select(OutboxMessage).where(OutboxMessage.tenant_id == tenant_id).order_by(OutboxMessage.id)
        ).scalars()
        return [(row.topic, {k: v for k, v in row.payload.items() if k != EVENT_ID}) for row in rows]


def actions(services: Services, tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's audit records in order, decoded."""
    with services.db.reading() as session:
        rows = session.execute(
            select(AuditRecord.canonical).where(AuditRecord.tenant_id == tenant_id).order_by(AuditRecord.index)
        ).scalars()
        return [json.loads(row) for row in rows]


def tenant_id(api: Api) -> str:
    me = api.get("/v1/tenant")
    assert me.status_code == 200, me.json
    return str(me.json["id"])
