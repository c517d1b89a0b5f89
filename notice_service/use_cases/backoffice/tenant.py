"""The signed-in person's tenant as the settings page shows it: its JSON and ETag (the profile form sends the
ETag back, so two people editing at once cannot overwrite each other silently)."""

from __future__ import annotations

from typing import Any

from notice_service.db.models.tenants import Tenant
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.tenants.onboarding import tenant_json
from notice_service.use_cases.versions import etag_of


def tenant_with_etag(services: Services, actor: Actor) -> tuple[dict[str, Any], str]:
    with services.db.reading() as session:
        body = tenant_json(session.get_one(Tenant, actor.tenant_id))
    return body, etag_of(body)
