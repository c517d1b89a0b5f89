"""What every list route shares: the query-string model (``limit``, ``cursor`` and the list's filters, a
pydantic model so the OpenAPI document describes each parameter), its parsing into a problem that names the
parameter, and the page body ``{"data": [...], "next_cursor": ...}``.

Unknown parameters, a parameter given twice, and bad values are all a 422 ``invalid-input`` whose ``errors``
name the parameter; the pagination itself (cursor checks, keyset order) is ``use_cases.listing``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, TypeVar

from flask import request
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from notice_service.errors import FieldError, InvalidInput
from notice_service.use_cases.listing import DEFAULT_LIMIT, MAX_CURSOR_LENGTH, MAX_LIMIT, PageRequest

Q = TypeVar("Q", bound=BaseModel)

IdFilter = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
    Field(json_schema_extra={"format": "uuid"}),
]
"""A filter on one of the tenant's ids: a UUID (an id of no row of the tenant matches nothing)."""


def _iso_text(pattern: str, what: str) -> Callable[[object], object]:
    """A before-validator that lets only ISO text through (pydantic's lax mode would read ``0`` or ``0.5`` as a
    Unix time, which the document's ``format`` refuses)."""

    def check(value: object) -> object:
        if isinstance(value, str) and re.fullmatch(pattern, value):
            return value
        raise ValueError(f"must be {what}")

    return check


IsoDate = Annotated[date, BeforeValidator(_iso_text(r"\d{4}-\d{2}-\d{2}", "a date YYYY-MM-DD"))]
IsoDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text(r"\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})", "an ISO time with its offset")),
]
SearchText = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]


class ListQuery(BaseModel):
    """``limit`` and ``cursor``, which every list accepts; each list adds its filters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="rows per page, 1 to 100")
    cursor: str | None = Field(
        default=None,
        max_length=MAX_CURSOR_LENGTH,
        description="the next_cursor of the previous page; absent for the first page",
    )

    def page(self) -> PageRequest:
        """The page this query asks for."""
        return PageRequest(limit=self.limit, cursor=self.cursor)


def _field_errors(model: type[BaseModel], error: ValidationError) -> list[FieldError]:
    """Each bad parameter by name; an unknown one with the list of those this list accepts."""
    accepted = ", ".join(model.model_fields)
    found = []
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "query"
        if item["type"] == "extra_forbidden":
            found.append(FieldError(name, f"unknown parameter; this list accepts: {accepted}"))
        else:
            found.append(FieldError(name, item["msg"]))
    return found


def parse_query(model: type[Q], detail: str = "The query has invalid parameters.") -> Q:
    """The request's query string validated against ``model`` (any list's or operation's query model);
    ``InvalidInput`` with ``detail`` naming each bad or repeated parameter."""
    repeated = [name for name in request.args if len(request.args.getlist(name)) > 1]
    if repeated:
        errors = [FieldError(name, "give this parameter once") for name in repeated]
        raise InvalidInput(detail, errors=errors)
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise InvalidInput(detail, errors=_field_errors(model, error)) from None


class PageOut(BaseModel):
    """``next_cursor``: pass it as ``cursor`` for the next page; ``null`` on the last one."""

    next_cursor: str | None
