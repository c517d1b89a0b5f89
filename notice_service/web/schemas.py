"""Schemas shared by every blueprint: the strict base, amounts, addresses, ``Created`` and ``Problem``.

Each feature's own request and response schemas live beside its blueprint (``web/<feature>/schemas.py``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, StringConstraints

_AMOUNT_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"


def _amount_from_string(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError('amounts are decimal strings such as "1234.56", not JSON numbers')
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount_from_string),
    Field(json_schema_extra={"type": "string", "pattern": _AMOUNT_PATTERN, "examples": ["1234.56"]}),
    PlainSerializer(lambda d: format(d, "f"), return_type=str),
]


AmountString = Annotated[str, StringConstraints(pattern=_AMOUNT_PATTERN)]


ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(Strict):
    lines: list[Annotated[str, StringConstraints(max_length=38)]] = Field(min_length=1, max_length=4)
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    city: ShortText
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "FR"


class Created(BaseModel):
    id: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str]] = Field(default_factory=list)
