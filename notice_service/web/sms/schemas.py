"""Request and response schemas of the SMS step."""

from __future__ import annotations

from pydantic import BaseModel, Field

from notice_service.web.schemas import Strict


class SmsCreate(Strict):
    text: str = Field(
        min_length=1,
        max_length=1000,
        description="the text; at most 3 SMS segments (459 GSM 7-bit characters, or 201 UCS-2 units)",
    )


class SmsOut(BaseModel):
    id: str
    case_id: str
    debtor_id: str
    phone: str
    text: str
    text_sha256: str
    encoding: str = Field(description="GSM-7 or UCS-2")
    segments: int
    status: str = Field(description="sending, accepted or failed")
    provider: str
    provider_message_id: str | None
    error: str | None
    created_at: str
    sent_at: str | None


class SmsList(BaseModel):
    data: list[SmsOut]
