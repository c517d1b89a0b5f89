"""Keys, automated over every authenticated operation: no key, another scheme, an unknown key, the victim's
stored hash sent as a key, a revoked key and an expired key are each 401; a key without the scope an operation
declares is 403 naming that scope; the provider operations (signed, not keyed) refuse the victim's tenant
without its signature. Nothing anywhere in the database is written or audited."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from notice_service.adapters.system_clock import FixedClock
from notice_service.domain.api_scopes import SCOPES
from notice_service.services import Services
from notice_service.web.openapi import OPERATIONS
from tests.functional.attacks.support import (
    Tenant,
    authenticated_operations,
    call,
    changed,
    fingerprint,
    leaked,
    path_of,
)
from tests.functional.conftest import NOW

PROBLEM = "application/problem+json"


def _created(owner: Tenant, scopes: list[str], **extra: str) -> dict[str, str]:
    created = owner.api.post("/v1/api-keys", {"name": "k", "scopes": scopes, **extra})
    assert created.status_code == 201, created.json
    return dict(created.json)


def _key(owner: Tenant, scopes: list[str], **extra: str) -> str:
    return _created(owner, scopes, **extra)["key"]


def test_every_route_refuses_missing_wrong_revoked_and_expired_keys(
    attacker: Tenant, victim: Tenant, services: Services
) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    made = _created(attacker, ["admin"])
    revoked, revoked_id = made["key"], made["id"]
    assert attacker.api.client.delete(f"/v1/api-keys/{revoked_id}", headers=attacker.api.headers).status_code == 200
    expiring = _key(attacker, ["admin"], expires_at=(NOW + timedelta(seconds=1)).isoformat())
    clock.advance(timedelta(seconds=1))
    stored_hash = hashlib.sha256(victim.key.encode()).hexdigest()
    headers = {
        "no key": {},
        "basic": {"Authorization": f"Basic {victim.key}"},
        "empty bearer": {"Authorization": "Bearer "},
        "unknown": {"Authorization": "Bearer nsk_" + "A" * 43},
        "the victim's hash": {"Authorization": f"Bearer {stored_hash}"},
        "a truncated key": {"Authorization": f"Bearer {victim.key[:-1]}"},
        "revoked": {"Authorization": f"Bearer {revoked}"},
        "expired": {"Authorization": f"Bearer {expiring}"},
    }
    operations = authenticated_operations()
    before = fingerprint(services)
    wrong = []
    for op in operations:
        for name, sent in headers.items():
            answer = call(attacker.api.client, op, victim.ids, sent)
            if answer.status_code != 401 or answer.mimetype != PROBLEM:
                wrong.append(f"{op.operation_id} with {name}: {answer.status_code}")
            elif leaked(answer, victim, path_of(op, victim.ids)):
                wrong.append(f"{op.operation_id} with {name}: leaked")
    assert not wrong, "\n".join(wrong[:40])
    assert changed(before, fingerprint(services)) == []


def test_every_route_refuses_a_key_without_its_scope(attacker: Tenant, services: Services) -> None:
    """For each operation, a key of the attacker's own tenant holding every scope but the one it needs (for an
    ``admin`` operation, every other one): 403 naming it, on the attacker's own ids (the scope is checked first)."""
    lacking = {
        scope: _key(attacker, [s for s in SCOPES if s not in (scope, "admin")]) for scope in SCOPES if scope != "read"
    }
    for key in lacking.values():  # the keys' first use is written now (at most once a minute), not below
        assert attacker.api.client.get("/v1/tenant", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    targets = [op for op in authenticated_operations() if op.scope != "read"]
    assert {op.scope for op in targets} == set(SCOPES) - {"read"}
    ids = {name: "00000000-0000-4000-8000-000000000000" for op in OPERATIONS for name in op.path_params}
    ids["tenant"] = attacker.tenant_id
    before = fingerprint(services)
    wrong = []
    for op in targets:
        assert op.scope is not None
        answer = call(attacker.api.client, op, ids, {"Authorization": f"Bearer {lacking[op.scope]}"})
        problem = answer.json if answer.mimetype == PROBLEM else {}
        if answer.status_code != 403 or problem.get("required_scope") != op.scope:
            wrong.append(f"{op.operation_id} ({op.scope}): {answer.status_code} {problem.get('required_scope')}")
    assert not wrong, "\n".join(wrong)
    assert changed(before, fingerprint(services)) == []


def test_provider_operations_refuse_the_victims_tenant_without_its_signature(
    attacker: Tenant, victim: Tenant, services: Services
) -> None:
    signed = [op for op in OPERATIONS if not op.authenticated and op.signature_headers]
    assert signed, "the provider webhooks are signed"
    before = fingerprint(services)
    for op in signed:
        forged = {name: "v1,AAAA" if "signature" in name else "x" for name in op.signature_headers}
        for headers in ({}, {"Authorization": f"Bearer {attacker.key}"}, forged):
            answer = call(attacker.api.client, op, victim.ids, headers)
            assert answer.status_code == 401 and answer.mimetype == PROBLEM, (op.operation_id, headers)
    assert changed(before, fingerprint(services)) == []
