"""Request and response schemas of ``/v1/tenant`` and ``/v1/api-keys``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from notice_service.domain import api_scopes
from notice_service.web.schemas import Strict

Scope = Literal["read", "write", "issue", "dispatch", "admin"]
Preset = Literal["read", "write", "admin"]
SCOPES_DESCRIPTION = (
    "; ".join(f"{scope}: {meaning}" for scope, meaning in api_scopes.MEANINGS.items())
    + ". Every scope also grants read."
)


class ApiKeyOut(BaseModel):
    id: str
    name: str
    scopes: list[Scope] = Field(description=SCOPES_DESCRIPTION)
    created_at: str | None
    last_used_at: str | None = Field(description="precise to the minute: written at most once a minute")
    expires_at: str | None = Field(description="when the key stops working (null: never)")
    revoked_at: str | None
    successor_id: str | None = Field(description="the key a rotation issued in its place")


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(
        description="the secret, shown once: only its SHA-256 is kept (a replay with the same Idempotency-Key "
        "answers the key without it)"
    )


class ApiKeyCreate(Strict):
    # not stripped: a name the schema refuses (a control character, over 100 characters with the spaces
    # around it) is refused as sent, never shortened into one it accepts (schemathesis' negative data)
    name: Annotated[
        str, StringConstraints(strip_whitespace=False, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    ]
    scopes: list[Scope] | None = Field(default=None, min_length=1, max_length=5, description=SCOPES_DESCRIPTION)
    scope: Preset | None = Field(
        default=None,
        description="deprecated preset, added to scopes: read = [read]; write = every scope but admin; admin = all",
    )
    expires_at: AwareDatetime | None = Field(default=None, description="a future time with its offset; null: never")


class ApiKeyRotate(Strict):
    grace_seconds: Annotated[int, Field(strict=True, ge=0, le=2_592_000)] = Field(
        default=86_400, description="how long the old key keeps working, 0 to 30 days (default one day)"
    )


class ApiKeyRotated(BaseModel):
    successor: ApiKeyCreated = Field(description="the new key, its secret shown once")
    previous: ApiKeyOut = Field(description="the old key, now expiring at the end of the grace period")


class ApiKeyList(BaseModel):
    data: list[ApiKeyOut]
    next_cursor: str | None = Field(default=None, description="always null: every key is on one page")


class TenantOut(BaseModel):
    id: str
    name: str
    siren: str
    profile: dict[str, Any]
    api_key: ApiKeyOut = Field(description="the key of this request")
    scopes: list[Scope] = Field(description="what the key of this request may do (its scopes and what they grant)")


class TenantPatch(Strict):
    """A JSON merge patch (RFC 7396) of the tenant: only its ``profile`` changes here (``null`` removes a
    field); the name and SIREN are the operator's (``notice-service tenants``)."""

    profile: dict[str, Any]
