"""Updating a debtor with a JSON merge patch (RFC 7396), guarded by ``If-Match``.

The patch applies to the debtor's representation (``GET /v1/debtors/{id}``) without its read-only members
(``id``, ``created_at``); the result must be a valid debtor, checked like a new one (the caller's ``parse``
turns it into a ``DebtorInput``, so every field the debtor schema has can be patched). Letters keep the data
frozen when they were drafted, so an issued letter keeps the address it was issued with. The change is audited
(``debtor:updated``, naming the fields changed and, for an address, the SHA-256 of the old and the new one's
canonical JSON: the audit log holds no personal data, issue 18) and announced (``debtor.updated``) in the
transaction that writes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any

from notice_service.db import audit_repository
from notice_service.db.models.claims import Debtor
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.merge_patch import merge_patch
from notice_service.domain.siren import normalise_siren
from notice_service.domain.webhook_events import EventType
from notice_service.errors import FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.claims.debtors import DebtorInput, validate_debtor
from notice_service.use_cases.claims.queries import debtor_json
from notice_service.use_cases.versions import check_if_match, etag_of

READ_ONLY = ("id", "created_at", "sms_opt_out")  # an opt-out is POST /v1/debtors/{id}/sms-opt-out


def _columns(data: DebtorInput) -> dict[str, Any]:
    """The debtor's column values for ``data``, normalised as on registration."""
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    values["name"] = data.name.strip()
    values["siren"] = normalise_siren(data.siren) if data.siren else None
    values["address_lines"] = [line.strip() for line in data.address_lines if line.strip()]
    values["postal_code"], values["city"] = data.postal_code.strip(), data.city.strip()
    return values


def _record_data(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What changed, for the audit record: the fields, and the old and new address by digest when it moved."""
    changed = sorted(key for key in after if before.get(key) != after.get(key))
    data: dict[str, Any] = {"fields": changed}
    if "address" in changed:
        data["address"] = {"from_sha256": _digest(before["address"]), "to_sha256": _digest(after["address"])}
    return data


def _digest(address: Any) -> str:
    """The SHA-256 of an address's canonical JSON (sorted keys, no spaces, UTF-8)."""
    return hashlib.sha256(json.dumps(address, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def update_debtor(
    services: Services,
    actor: Actor,
    debtor_id: str,
    patch: Mapping[str, Any],
    if_match: str | None,
    parse: Callable[[dict[str, Any]], DebtorInput],
) -> dict[str, Any]:
    """Apply ``patch`` to one of the tenant's debtors whose ETag is in ``if_match``; answers its new JSON."""
    now = services.clock.now()
    with services.db.transaction() as session:
        debtor = get_owned(session, Debtor, actor.tenant_id, debtor_id, lock=True)
        before = debtor_json(debtor)
        check_if_match(if_match, etag_of(before))
        read_only = [FieldError(key, "read-only: leave it out of the patch") for key in READ_ONLY if key in patch]
        if read_only:
            raise InvalidInput("The debtor cannot be updated.", errors=read_only)
        editable = {key: value for key, value in before.items() if key not in READ_ONLY}
        data = parse(merge_patch(editable, patch))
        errors = validate_debtor(data)
        if errors:
            raise InvalidInput("The debtor cannot be updated.", errors=errors)
        for name, value in _columns(data).items():
            setattr(debtor, name, value)
        session.flush()
        after = debtor_json(debtor)
        change = _record_data(before, after)
        if change["fields"]:
            record = actor.record("debtor:updated", "debtor", debtor.id, data=change)
            audit_repository.append(session, actor.tenant_id, [record], now)
            payload = {"debtor_id": debtor.id, "fields": change["fields"], "updated_at": now.isoformat()}
            queue_event(
                session, tenant_id=actor.tenant_id, topic=EventType.DEBTOR_UPDATED.value, payload=payload, at=now
            )
        return after
