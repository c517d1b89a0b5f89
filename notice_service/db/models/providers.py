"""Provider accounts per tenant (Merci Facteur …): where to reach the provider, the non-secret credentials in
clear, the secret ones encrypted (envelope: a data key per row, wrapped by ``NOTICE_SECRETS_KEY``), the return
address, the account's shared "not before" time after a 429 (every worker honours it), and the next moment a call
is allowed under ``NOTICE_PROVIDER_CALLS_PER_MINUTE`` (taken under the row lock, ``delivery/rate_limit.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, Base
from notice_service.db.types import UTCDateTime


class ProviderAccount(Base):
    __tablename__ = "provider_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "provider", name="uq_provider_accounts_tenant_provider"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    environment: Mapped[str] = mapped_column(String(16))  # sandbox, production or custom (an explicit base URL)
    base_url: Mapped[str] = mapped_column(String(500))
    public_credentials: Mapped[dict[str, Any]] = mapped_column(JSON)
    secret_hints: Mapped[dict[str, Any]] = mapped_column(JSON)  # field → its last 4 characters
    wrapped_key: Mapped[str] = mapped_column(Text)  # base64: nonce + the data key sealed by the settings key
    sealed_secrets: Mapped[str] = mapped_column(Text)  # base64: nonce + the secret fields sealed by the data key
    return_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    next_call_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # None: no call yet
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
