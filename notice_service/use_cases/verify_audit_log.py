"""Verifying each tenant's audit log from the database: canonical form, indexes and the hash chain.

The Merkle tree, checkpoints and the store-side mirror are verified by the standalone verifier
(``audit/verify.py``) once exported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from notice_service.db import audit_repository
from notice_service.domain.audit_log import GENESIS_PREV, leaf_hash, verify_chain
from notice_service.services import Services
from notice_service.use_cases.tenant_onboarding import list_tenant_ids


@dataclass(frozen=True)
class LogReport:
    tenant_id: str
    records: int
    head_size: int
    failure: str | None


def verify_tenant_log(services: Services, tenant_id: str) -> LogReport:
    last = [GENESIS_PREV]

    def remembering(records: Iterator[bytes]) -> Iterator[bytes]:
        for canonical in records:
            last[0] = leaf_hash(canonical)
            yield canonical

    with services.db.reading() as session:
        head = audit_repository.head_of(session, tenant_id)
        records = remembering(audit_repository.iter_records(session, tenant_id))
        checked, chain_break = verify_chain(records, log=head.origin)
        failure = None
        if chain_break is not None:
            failure = f"record {chain_break.index}: {chain_break.reason}"
        elif checked != head.size:
            failure = f"log has {checked} records but its head says {head.size}"
        elif last[0] != head.last_leaf_hash:
            failure = f"record {checked - 1}: its leaf hash differs from the one the log head recorded at append"
        return LogReport(tenant_id=tenant_id, records=checked, head_size=head.size, failure=failure)


def verify_all_logs(services: Services) -> list[LogReport]:
    return [verify_tenant_log(services, tenant_id) for tenant_id in list_tenant_ids(services)]
