"""The purge needs an admin key, checked by the request guard before the ``Idempotency-Key`` is claimed: a refused
purge is not saved as that key's answer, so an admin's retry with the same key is answered afresh; on SQLite and
PostgreSQL."""

from __future__ import annotations

from notice_service.web.openapi import OPERATIONS
from tests.functional.conftest import Api

UNKNOWN = "00000000-0000-0000-0000-000000000000"


def test_the_purge_declares_the_admin_scope() -> None:
    (purge,) = [op for op in OPERATIONS if op.operation_id == "purge_debtor_personal_data"]
    assert purge.scope == "admin"


def test_a_refused_purge_is_not_replayed_to_an_admin_key(api: Api) -> None:
    created = api.post("/v1/api-keys", {"name": "privacy write", "scope": "write"})
    assert created.status_code == 201, created.json
    writer = Api(api.client, created.json["key"])

    refused = writer.post(f"/v1/debtors/{UNKNOWN}/purge", key="purge-scope-1")
    assert refused.status_code == 403 and refused.json["required_scope"] == "admin"

    retried = api.post(f"/v1/debtors/{UNKNOWN}/purge", key="purge-scope-1")
    assert retried.status_code == 404, retried.json
    assert "Idempotent-Replayed" not in retried.headers
