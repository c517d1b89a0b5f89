"""The retention purge (README "Personal data (RGPD)"): list what may go (``purgeable``), purge one debtor
(``purge_debtor``; ``notice-service privacy purge`` runs it for each purgeable debtor).

A purge runs in one transaction per debtor, the debtor's row locked and its eligibility judged again under the
lock (``eligibility.py``): the personal data goes (``scrub.py``; what it left in dossiers, webhook answers and
failed jobs' errors, ``traces.py``), the tombstone stays (``purged_at``, the
placeholder name, amounts and ids), a ``privacy_purges`` row lists the documents kept under Object Lock and until
when (``retained.py``), and a ``debtor:purged`` audit record names the cases, the reasons and the kept documents
by digest only (no personal data, so the chain verifies as before). A debtor with an open case, or a case not yet
purgeable, is refused (409, nothing written).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from notice_service.db import audit_repository
from notice_service.db.models.claims import Debtor
from notice_service.db.models.privacy import PrivacyPurge
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.audit.records import JsonValue
from notice_service.domain.deadlines import PARIS
from notice_service.errors import Conflict
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.privacy import scrub, traces
from notice_service.use_cases.privacy.eligibility import DebtorVerdict, debtor_verdict, purgeable_debtors
from notice_service.use_cases.privacy.retained import document_keys, latest, retained_documents, store_locks


@dataclass(frozen=True)
class PurgeResult:
    purge_id: str
    debtor_id: str
    case_ids: tuple[str, ...]
    retained: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        until = latest(self.retained)
        return {
            "purge_id": self.purge_id,
            "debtor_id": self.debtor_id,
            "case_ids": list(self.case_ids),
            "retained": self.retained,
            "retained_until": until.isoformat() if until else None,
        }


def verdict_json(verdict: DebtorVerdict) -> dict[str, Any]:
    return {
        "debtor_id": verdict.debtor_id,
        "kind": verdict.kind,
        "purgeable": verdict.purgeable,
        "open_invoices_outside_cases": verdict.open_invoices_outside_cases,
        "cases": [case.as_json() for case in verdict.cases],
    }


def purgeable(services: Services, tenant_id: str, closed_before: date | None = None) -> list[dict[str, Any]]:
    """What a purge would remove today for ``tenant_id`` (the dry run): per debtor, each case and why, and
    (``scrubbed``) the dossiers and webhook deliveries outside its own rows whose data it blanks (``traces.py``)."""
    with services.db.reading() as session:
        found = purgeable_debtors(
            session, tenant_id, services.clock.now(), services.settings.privacy_retention_days, closed_before
        )
        return [
            {
                **verdict_json(v),
                "scrubbed": traces.held_traces(session, scrub.debtor_rows(session, tenant_id, v.debtor_id)),
            }
            for v in found
        ]


def _refuse(verdict: DebtorVerdict) -> None:
    if verdict.purgeable:
        return
    if not verdict.cases:
        detail = "The debtor cannot be purged: it has no case (its data is not yet due for deletion)."
    elif verdict.blocking:
        detail = (
            f"The debtor cannot be purged: {len(verdict.blocking)} of its cases are not purgeable (open, or closed "
            "and neither prescribed nor past NOTICE_PRIVACY_RETENTION_DAYS); close them or wait."
        )
    else:
        detail = "The debtor cannot be purged: it has open invoices outside any case."
    raise Conflict(detail, extra={"debtor": verdict_json(verdict)})


def _store_locks(
    services: Services, actor: Actor, debtor_id: str, today: date, closed_before: date | None
) -> dict[str, datetime | None]:
    """Before the purge's transaction (slow I/O stays out of it): the store's lock date of each of the debtor's
    documents; nothing for a debtor the transaction will refuse."""
    retention_days = services.settings.privacy_retention_days
    with services.db.reading() as session:
        debtor = get_owned(session, Debtor, actor.tenant_id, debtor_id)
        if (
            debtor.purged_at is not None
            or not debtor_verdict(session, debtor, today, retention_days, closed_before).purgeable
        ):
            return {}
        keys = document_keys(session, scrub.debtor_rows(session, actor.tenant_id, debtor_id))
    return store_locks(services, sorted(keys))


def purge_debtor(services: Services, actor: Actor, debtor_id: str, closed_before: date | None = None) -> PurgeResult:
    """Purge one debtor of ``actor``'s tenant; ``NotFound`` for another tenant's, ``Conflict`` when not purgeable."""
    now = services.clock.now()
    today = now.astimezone(PARIS).date()
    locks = _store_locks(services, actor, debtor_id, today, closed_before)
    with services.db.transaction() as session:
        debtor = get_owned(session, Debtor, actor.tenant_id, debtor_id, lock=True)
        if debtor.purged_at is not None:
            raise Conflict(f"The debtor was already purged on {debtor.purged_at.date().isoformat()}.")
        verdict = debtor_verdict(session, debtor, today, services.settings.privacy_retention_days, closed_before)
        _refuse(verdict)
        case_ids = tuple(case.case_id for case in verdict.cases)
        target = scrub.debtor_rows(session, actor.tenant_id, debtor.id)
        retained = retained_documents(services, session, target, locks)  # the store asked again only for new keys
        scrub.scrub_identity(session, target, now)
        scrub.scrub_follow_up(session, target)
        scrub.scrub_letters(session, target)
        scrub.scrub_feeds(session, target)
        traces.scrub_traces(session, target)
        reasons = [{"case_id": c.case_id, "reason": c.reason} for c in verdict.cases]
        row = PrivacyPurge(
            id=new_id(), tenant_id=actor.tenant_id, debtor_id=debtor.id, case_ids=list(case_ids), reasons=reasons,
            retained=retained, retained_until=latest(retained), purged_by=f"{actor.kind}:{actor.id}", purged_at=now,
        )  # fmt: skip
        session.add(row)
        data: dict[str, JsonValue] = {
            "purge_id": row.id,
            "cases": [dict(reason) for reason in reasons],
            "retained": [{"kind": d["kind"], "key": d["key"], "retain_until": d["retain_until"]} for d in retained],
        }
        audit_repository.append(
            session, actor.tenant_id, [actor.record("debtor:purged", "debtor", debtor.id, data=data)], now
        )
    return PurgeResult(row.id, debtor_id, case_ids, retained)
