"""Tenant isolation, automated from the operation registry the OpenAPI document is built from: every route
called by another tenant (a valid admin key of its own) with the victim's ids in its path, in its body or in
its list filters, and with the victim's cursors. Each answer is 404 (or, for a list, the attacker's own empty
page, or a 4xx problem for a foreign cursor), never the victim's data; nothing anywhere in the database is
written or audited (the whole database's fingerprint is unchanged)."""

from __future__ import annotations

import uuid
from typing import Any

from notice_service.services import Services
from notice_service.web.openapi import Operation
from tests.functional.api.test_generated_client import BODIES
from tests.functional.attacks.support import (
    OWN_BODIES,
    Tenant,
    authenticated_operations,
    body_of,
    call,
    changed,
    fingerprint,
    leaked,
    path_of,
)

PROBLEM = "application/problem+json"


def _bearer(tenant: Tenant) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant.key}"}


def _victim_etag(victim: Tenant, op: Operation) -> str:
    """The victim's own current ETag of the resource (the strongest If-Match an attacker could send)."""
    answer = victim.api.get(path_of(op, victim.ids))
    return str(answer.headers.get("ETag") or '"0"')


def _uses_ids(op: Operation) -> bool:
    """Whether the operation's body names ids (``BODIES`` reads them from ``ids``)."""
    make = OWN_BODIES.get(op.operation_id) or BODIES.get(op.operation_id)
    if make is None:
        return False
    read: set[str] = set()

    class Recorder(dict[str, str]):
        def __getitem__(self, key: str) -> str:
            read.add(key)
            return "00000000-0000-4000-8000-000000000000"

    make(Recorder())
    return bool(read)


def _shape(answer: Any, ids: dict[str, str]) -> tuple[int, str, str]:
    """An answer's status, problem type and detail with the ids it names replaced by their names."""
    body = answer.json if answer.mimetype == PROBLEM else {}
    detail = str(body.get("detail", ""))
    for name, value in ids.items():
        detail = detail.replace(value, "{" + name + "}")
    return answer.status_code, str(body.get("type", "")), detail


def test_every_route_with_another_tenants_ids_answers_as_for_ids_that_do_not_exist(
    attacker: Tenant, victim: Tenant, services: Services
) -> None:
    """A victim's id in a path is 404; in a body (a debtor of an invoice …) the 422 naming the field that an id
    nobody has gets: the answers are the same, so they tell nothing, not even that the id exists."""
    targets = [op for op in authenticated_operations() if op.path_params or (op.method != "get" and _uses_ids(op))]
    assert len(targets) > 40, [op.operation_id for op in targets]
    ghosts = {name: str(uuid.uuid4()) for name in victim.ids}
    before = fingerprint(services)
    wrong: list[str] = []
    for op in targets:
        headers = _bearer(attacker)
        if op.if_match:
            headers["If-Match"] = _victim_etag(victim, op)
        answer = call(attacker.api.client, op, victim.ids, headers)
        ghost = call(attacker.api.client, op, ghosts, headers)
        sent = path_of(op, victim.ids) + repr(body_of(op, victim.ids))
        shape = _shape(answer, victim.ids)
        if answer.mimetype != PROBLEM or shape != _shape(ghost, ghosts):
            wrong.append(f"{op.operation_id}: {shape} vs {_shape(ghost, ghosts)} for ids nobody has")
        elif shape[0] not in (404, 422) or (op.path_params and shape[0] != 404):
            wrong.append(f"{op.operation_id}: {answer.status_code} {answer.get_data(as_text=True)[:200]}")
        if leaked(answer, victim, sent):
            wrong.append(f"{op.operation_id}: leaked {leaked(answer, victim, sent)}")
    assert not wrong, "\n".join(wrong)
    assert changed(before, fingerprint(services)) == []


def _filters(op: Operation) -> list[str]:
    """The id-valued query parameters of a list (``debtor_id``, ``case_id`` …)."""
    model = op.query_model
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items() if name.endswith("_id")]


def _rows(answer: Any) -> list[Any]:
    body = answer.json
    if not isinstance(body, dict):
        return []
    rows = body.get("data", body.get("items", []))
    return rows if isinstance(rows, list) else []


def test_lists_filtered_by_the_victims_ids_or_paged_with_its_cursors_show_nothing_of_it(
    attacker: Tenant, victim: Tenant, services: Services
) -> None:
    lists = [op for op in authenticated_operations() if op.method == "get" and not op.path_params]
    filtered = [(op, name) for op in lists for name in _filters(op)]
    assert len(filtered) >= 5, filtered
    cursors = {}
    for op in lists:
        if op.query_model is not None and "cursor" in op.query_model.model_fields:
            page = call(victim.api.client, op, victim.ids, _bearer(victim), query={"limit": "1"})
            if page.status_code == 200 and page.json.get("next_cursor"):
                cursors[op.operation_id] = page.json["next_cursor"]
    assert len(cursors) >= 3, cursors
    before = fingerprint(services)
    wrong: list[str] = []
    attempts = [
        (op, {name: victim.ids.get(name.removesuffix("_id") + "_id", victim.tenant_id)}) for op, name in filtered
    ]
    attempts += [(op, {"cursor": cursors[op.operation_id]}) for op in lists if op.operation_id in cursors]
    for op, query in attempts:
        answer = call(attacker.api.client, op, victim.ids, _bearer(attacker), query=query)
        if answer.status_code >= 500 or (answer.status_code >= 400 and answer.mimetype != PROBLEM):
            wrong.append(f"{op.operation_id} {query}: {answer.status_code}")
        elif answer.status_code == 200 and _rows(answer):
            wrong.append(f"{op.operation_id} {query}: {len(_rows(answer))} rows")
        if leaked(answer, victim, repr(query)):
            wrong.append(f"{op.operation_id} {query}: leaked {leaked(answer, victim, repr(query))}")
    assert not wrong, "\n".join(wrong)
    assert changed(before, fingerprint(services)) == []
