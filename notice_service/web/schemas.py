"""Schemas shared by every blueprint: the strict base, amounts, addresses, ``Created`` and ``Problem``.

Each feature's own request and response schemas live beside its blueprint (``web/<feature>/schemas.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, StringConstraints, model_validator
from pydantic.fields import FieldInfo

from notice_service.errors import FieldError, InvalidInput

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
    """Unknown fields refused and the whitespace around a text stripped, but a text's length is checked as sent:
    the document's ``maxLength`` counts what is sent, so stripping must not shorten a refused text into an
    accepted one (schemathesis' negative data found it). The outer model checks its nested ones, so each error
    names its field from the body's top (``address.city``), for every body, merge patches included."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _length_as_sent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            too_long = list(_over_long(cls, data, ""))
            if too_long:
                raise InvalidInput("Some text fields are longer than the schema allows.", errors=too_long)
        return data


def _over_long(model: type[BaseModel], body: dict[str, Any], prefix: str) -> Iterator[FieldError]:
    """Each text of ``body`` longer than its field's ``max_length``, nested objects and lists walked."""
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in body:
            yield from _value_over_long(field.annotation, field.metadata, body[key], f"{prefix}{name}")


def _value_over_long(annotation: Any, metadata: Iterable[Any], value: object, where: str) -> Iterator[FieldError]:
    for kind, constraints in _alternatives(annotation, tuple(metadata)):
        if isinstance(value, str) and kind is str:
            limit = _max_length(constraints)
            if limit is not None and len(value) > limit:
                yield FieldError(where, f"at most {limit} characters, spaces included")
            return
        if isinstance(value, dict) and isinstance(kind, type) and issubclass(kind, BaseModel):
            yield from _over_long(kind, value, f"{where}.")
            return
        if isinstance(value, list) and get_origin(kind) is list and get_args(kind):
            for index, item in enumerate(value):  # the list's own constraints count its items, not theirs
                yield from _value_over_long(get_args(kind)[0], (), item, f"{where}.{index}")
            return


def _alternatives(annotation: Any, metadata: tuple[Any, ...]) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """The types an annotation allows (``Optional`` and unions unwrapped), each with the constraints that apply
    to it (``Annotated``'s, and the field's own)."""
    if get_origin(annotation) is Annotated:
        inner, *more = get_args(annotation)
        yield from _alternatives(inner, (*metadata, *more))
    elif get_origin(annotation) in (Union, UnionType):
        for arg in get_args(annotation):
            yield from _alternatives(arg, metadata)
    else:
        yield annotation, metadata


def _max_length(constraints: Iterable[Any]) -> int | None:
    for constraint in constraints:
        inner = constraint.metadata if isinstance(constraint, FieldInfo) else [constraint]
        limit = next((m.max_length for m in inner if getattr(m, "max_length", None) is not None), None)
        if limit is not None:
            return int(limit)
    return None


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
