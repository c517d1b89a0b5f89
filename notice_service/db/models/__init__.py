"""The tables, one module per feature. Every business row carries ``tenant_id``; repositories always filter on it.

Importing any of them imports them all (below), so ``Base.metadata`` always knows every table and every
foreign key resolves; code imports each model from its own module.
"""

from notice_service.db.models import (  # noqa: F401  (registers every table on Base.metadata)
    audit,
    audit_log,
    base,
    calls,
    case_documents,
    cases,
    claims,
    delivery,
    dossier,
    dunning,
    events,
    idempotency,
    notices,
    outbox,
    pauses,
    privacy,
    providers,
    rates,
    sms,
    tenants,
    users,
    webhooks,
)
