"""What the attacker suite shares: two tenants (a victim holding one of every resource, an attacker), the
whole database as a fingerprint (every row of every table, so "nothing written or audited" is checked over
all of it, the audit log and the outbox included), and a generic request for any documented operation built
from the served OpenAPI document's operation list (``web/openapi.OPERATIONS``)."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from notice_service.db.models.base import Base
from notice_service.services import Services
from notice_service.use_cases.tenants.onboarding import create_tenant
from notice_service.web.openapi import OPERATIONS, Operation
from notice_service.worker import run_until_idle
from tests.functional.api.seed import fixture_rates, seed
from tests.functional.api.test_generated_client import BODIES, CALL_STEP, QUERIES
from tests.functional.conftest import CREDITOR_PROFILE, Api

VICTIM_NAME = "Victime Industries SA"
VICTIM_DEBTOR = "Boulangerie Martin SARL"  # the seed's debtor: the attacker's own debtor has another name
ATTACKER_DEBTOR = {
    "kind": "business",
    "name": "Quincaillerie Attaquant",
    "siren": "552100554",
    "address": {"lines": ["1 rue du Test"], "postal_code": "69001", "city": "Lyon", "country": "FR"},
}


# The generated client's bodies, but for the provider account: the round trip points it at a twin it starts;
# here nothing may reach a provider (the account's PUT is refused before it would check the credentials).
OWN_BODIES = {
    "put_merci_facteur_account": lambda ids: {
        "environment": "custom",
        "base_url": "http://127.0.0.1:9",
        "credentials": {"service_id": "s", "secret_key": "k", "user_id": "u"},
        "return_address": {"lines": ["Atelier"], "postal_code": "69002", "city": "Lyon"},
    },
    "put_maileva_account": lambda ids: {
        "environment": "custom",
        "base_url": "http://127.0.0.1:9",
        "credentials": {"client_id": "c", "client_secret": "s", "username": "u", "password": "p"},
        "return_address": {"lines": ["Atelier"], "postal_code": "69002", "city": "Lyon"},
    },
    "put_ar24_account": lambda ids: {
        "environment": "custom",
        "base_url": "http://127.0.0.1:9",
        "credentials": {"token": "t", "private_key": "k", "user_id": "u"},
        "return_address": {"lines": ["Atelier"], "postal_code": "69002", "city": "Lyon"},
    },
}


@dataclass
class Tenant:
    api: Api
    tenant_id: str
    key: str
    ids: dict[str, str] = field(default_factory=dict)


def _id(answer: Any) -> str:
    assert answer.status_code in (200, 201, 202), answer.json
    return str(answer.json["id"])


def seed_victim(client: FlaskClient, services: Services) -> Tenant:
    """A tenant holding one of every resource a path names (``seed`` and the rest: a promise, a pause, a plan, a
    run with an item, a dossier, a second key, a webhook delivery), each id by its path-parameter name."""
    fixture_rates(services)
    created = create_tenant(services, name=VICTIM_NAME, siren="404833048", profile=CREDITOR_PROFILE)
    api = Api(client, created.api_key)
    ids = seed(api)
    case = ids["case_id"]
    ids["promise_id"] = _id(api.post(f"/v1/cases/{case}/promises", {"amount": "10.00", "date": "2026-11-30"}))
    ids["pause_id"] = _id(api.post(f"/v1/cases/{case}/pauses", {"until": "2026-12-20", "reason": "negotiation"}))
    ids["dossier_id"] = _id(api.post(f"/v1/cases/{case}/dossiers", {}))
    ids["plan_id"] = _id(api.post("/v1/plans", {"name": "Appels", "steps": [CALL_STEP], "default": True}))
    debtor = _id(api.post("/v1/debtors", {**ATTACKER_DEBTOR, "name": "Second débiteur victime"}))
    invoice = {"debtor_id": debtor, "number": "V-2", "issue_date": "2026-03-01", "due_date": "2026-03-31"}
    invoice_id = _id(api.post("/v1/invoices", {**invoice, "amount_due": "99.00"}))
    _id(api.post("/v1/cases", {"debtor_id": debtor, "invoice_ids": [invoice_id]}))
    ids["run_id"] = _id(api.post("/v1/runs", {"as_of": "2026-11-20"}))
    run_until_idle(services)  # plans the run; sends notice.issued to the subscription (a webhook delivery)
    items = api.get(f"/v1/runs/{ids['run_id']}/items").json["data"]
    assert items, "the victim's run has an item"
    ids["item_id"] = items[0]["id"]
    ids["key_id"] = _id(api.post("/v1/api-keys", {"name": "victime", "scopes": ["read"]}))
    deliveries = api.get("/v1/webhooks/deliveries").json["items"]
    assert deliveries, "the victim has a webhook delivery"
    ids["webhook_delivery_id"] = deliveries[0]["id"]
    ids["tenant"] = created.tenant_id
    return Tenant(api, created.tenant_id, created.api_key, ids)


def make_attacker(client: FlaskClient, services: Services) -> Tenant:
    created = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
    api = Api(client, created.api_key)
    assert api.get("/v1/tenant").status_code == 200  # the key's last use is written now, not during an attack
    return Tenant(api, created.tenant_id, created.api_key)


def fingerprint(services: Services) -> dict[str, str]:
    """A digest of every row of every table: any write, anywhere, changes it."""
    digests = {}
    with services.db.reading() as session:
        for table in Base.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in session.execute(select(table)).all())
            digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def authenticated_operations() -> list[Operation]:
    return [op for op in OPERATIONS if op.authenticated]


def path_of(op: Operation, ids: dict[str, str]) -> str:
    """The operation's path with each ``{name}`` filled from ``ids`` (a missing one fails: seed it)."""
    missing = [name for name in op.path_params if name not in ids]
    assert not missing, f"{op.operation_id}: the victim has no {missing}: add it to seed_victim"
    return re.sub(r"{(\w+)}", lambda m: ids[m.group(1)], op.path)


# Queries whose generated-client values are the client's own enums (importable only inside that test): as sent.
OWN_QUERIES: dict[str, Any] = {
    "quote_delivery": lambda ids: {"channel": "registered_letter", "provider": "merci_facteur"}
}


def body_of(op: Operation, ids: dict[str, str]) -> dict[str, Any] | None:
    if op.request_model is None and op.form_model is None:
        return None
    make = OWN_BODIES.get(op.operation_id) or BODIES.get(op.operation_id)
    assert make is not None, f"{op.operation_id} takes a body: add one to BODIES (test_generated_client.py)"
    return make(ids)


def call(client: FlaskClient, op: Operation, ids: dict[str, str], headers: dict[str, str], **extra: Any) -> Any:
    """One request for ``op``: its path from ``ids``, its body (JSON, merge patch or form), its query."""
    path = path_of(op, ids)
    body = body_of(op, ids)
    make_query = OWN_QUERIES.get(op.operation_id) or QUERIES.get(op.operation_id, lambda ids: {})
    query = {k.rstrip("_"): str(v) for k, v in make_query(ids).items()}
    query |= extra.pop("query", {})
    kwargs: dict[str, Any] = {"headers": dict(headers), "query_string": query, **extra}
    if op.if_match:
        kwargs["headers"].setdefault("If-Match", '"0000"')
    if body is not None and op.form_model is not None:
        kwargs["data"] = {k: (io.BytesIO(v), f"{k}.bin") if isinstance(v, bytes) else v for k, v in body.items()}
        kwargs["content_type"] = op.form_media
    elif body is not None:
        kwargs["json"] = body
        kwargs["headers"]["Content-Type"] = op.request_media
    return client.open(path, method=op.method.upper(), **kwargs)


def leaked(answer: Any, victim: Tenant, sent: str) -> list[str]:
    """The victim's data in an answer: its tenant's id and name, its debtor's name, or any id of its resources
    that the request itself did not carry (``sent``: the path and body as sent)."""
    text = answer.get_data(as_text=True)
    markers = [victim.tenant_id, VICTIM_NAME, VICTIM_DEBTOR]
    markers += [value for value in victim.ids.values() if value not in sent]
    return [marker for marker in markers if marker in text]
