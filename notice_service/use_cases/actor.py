"""Who is acting, for which tenant; recorded as the ``actor`` of audit records."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from notice_service.domain.api_scopes import ALL_SCOPES
from notice_service.domain.audit.records import DocumentRef, JsonValue, RecordDraft


@dataclass(frozen=True)
class Actor:
    tenant_id: str
    kind: str  # "api_key" | "operator" | "worker"
    id: str
    scopes: frozenset[str] = ALL_SCOPES  # what the actor may do (domain/api_scopes.py); operators and workers: all

    def record(
        self,
        action: str,
        subject_type: str,
        subject_id: str,
        *,
        documents: tuple[DocumentRef, ...] = (),
        data: Mapping[str, JsonValue] | None = None,
    ) -> RecordDraft:
        return RecordDraft(
            actor_type=self.kind,
            actor_id=self.id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            documents=documents,
            data=data,
        )


def new_id() -> str:
    return str(uuid.uuid4())
