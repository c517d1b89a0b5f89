"""Request and response schemas of ``/v1/tenant`` and ``/v1/api-keys``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from notice_service.web.schemas import Strict


class ApiKeyOut(BaseModel):
    id: str
    name: str
    scope: Literal["read", "write", "admin"]
    created_at: str | None
    last_used_at: str | None = Field(description="precise to the minute: written at most once a minute")
    revoked_at: str | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the secret, shown once: only its SHA-256 is kept")


class ApiKeyCreate(Strict):
    # not stripped: a name the schema refuses (a control character, over 100 characters with the spaces
    # around it) is refused as sent, never shortened into one it accepts (schemathesis' negative data)
    name: Annotated[
        str, StringConstraints(strip_whitespace=False, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    ]
    scope: Literal["read", "write", "admin"] = Field(
        description="read: reads only; write: also creates, updates, closes; admin: also keys and the tenant profile"
    )


class ApiKeyList(BaseModel):
    data: list[ApiKeyOut]
    next_cursor: str | None = Field(default=None, description="always null: every key is on one page")


class TenantOut(BaseModel):
    id: str
    name: str
    siren: str
    profile: dict[str, Any]
    api_key: ApiKeyOut = Field(description="the key of this request")
    scopes: list[Literal["read", "write", "admin"]] = Field(description="what the key of this request may do")


class TenantPatch(Strict):
    """A JSON merge patch (RFC 7396) of the tenant: only its ``profile`` changes here (``null`` removes a
    field); the name and SIREN are the operator's (``notice-service tenants``)."""

    profile: dict[str, Any]
