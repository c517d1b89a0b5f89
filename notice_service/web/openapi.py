"""Routes that describe themselves: ``@operation`` registers a view and what it accepts and answers.

The registry (``OPERATIONS``, and ``operation_for_endpoint`` for the request guards) is turned into the OpenAPI
3.1 document by ``web/openapi_document.py``. What an operation declares is what the server does:

- ``request_model`` (JSON), ``form_model`` + ``form_files`` (multipart or form-encoded) and ``query_model``
  (query parameters; a field without a default is a required parameter);
- ``status`` and ``other_statuses`` (e.g. 200 when a fact was already recorded), ``response_model`` and
  ``response_media`` (one schema per response: component names are unique, a clash is an error);
- ``creates``: the path parameter a creation's ``id`` fills, from which the document draws its ``links``;
- ``signature_headers``: the headers an unauthenticated (provider) operation checks instead of an API key;
- ``scope``: the API-key scope the operation needs (``domain/api_scopes.py``); by default ``read`` for a GET and
  ``write`` for anything else, so only ``issue``, ``dispatch`` and ``admin`` operations name theirs. The request
  guard (``web/context.py``) refuses a key without it (403) before the view runs; the document lists it in the
  operation's ``security`` requirement and in ``x-required-scope``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, request
from pydantic import BaseModel

from notice_service.domain.api_scopes import SCOPES
from notice_service.errors import FieldError, InvalidInput, UnsupportedMediaType
from notice_service.web.nul import refuse_nul

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Operation:
    """One documented operation: its route, what it accepts and what it answers."""

    operation_id: str
    method: str
    path: str
    summary: str
    tag: str
    request_model: type[BaseModel] | None
    response_model: type[BaseModel] | None
    status: int
    response_media: str
    idempotent: bool
    authenticated: bool
    query_model: type[BaseModel] | None = None
    request_media: str = "application/json"
    if_match: bool = False
    form_model: type[BaseModel] | None = None
    form_files: tuple[str, ...] = ()
    form_media: str = "multipart/form-data"
    other_statuses: tuple[int, ...] = ()
    creates: str | None = None
    signature_headers: tuple[str, ...] = ()
    scope: str | None = None

    @property
    def path_params(self) -> list[str]:
        """The ``{names}`` of the path, in order."""
        return re.findall(r"{(\w+)}", self.path)


OPERATIONS: list[Operation] = []
_BY_ENDPOINT: dict[str, Operation] = {}


def operation(blueprint: Blueprint, rule: str, method: str, summary: str, **declared: Any) -> Callable[[F], F]:
    """Register ``view`` on ``blueprint`` and describe it (see the module docstring for ``declared``)."""

    def register(view: F) -> F:
        blueprint.add_url_rule(rule, view_func=view, methods=[method])
        path = (blueprint.url_prefix or "") + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)
        described = Operation(
            operation_id=view.__name__,
            method=method.lower(),
            path=path,
            summary=summary,
            tag=blueprint.name,
            request_model=declared.pop("request_model", None),
            response_model=declared.pop("response_model", None),
            status=declared.pop("status", 200),
            response_media=declared.pop("response_media", "application/json"),
            idempotent=declared.pop("idempotent", False),
            authenticated=(authenticated := declared.pop("authenticated", True)),
            scope=declared.pop("scope", None) or _default_scope(method, authenticated),
            **declared,
        )
        if described.scope is not None and described.scope not in SCOPES:
            raise ValueError(f"{described.operation_id}: unknown scope {described.scope!r}, not one of {SCOPES}")
        OPERATIONS.append(described)
        _BY_ENDPOINT[f"{blueprint.name}.{view.__name__}"] = described
        return view

    return register


def _default_scope(method: str, authenticated: bool) -> str | None:
    """``read`` for a GET, ``write`` for anything else; none for an operation without an API key."""
    if not authenticated:
        return None
    return "read" if method.upper() in ("GET", "HEAD") else "write"


def operation_for_endpoint(endpoint: str | None) -> Operation | None:
    """The operation a Flask endpoint name serves, if it is a documented one."""
    return _BY_ENDPOINT.get(endpoint or "")


def parse_json(model: type[M]) -> M:
    """The request body validated against ``model``; problems name each bad field."""
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON with 'Content-Type: application/json'.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.", errors=[FieldError("body", "not a JSON object")])
    refuse_nul(body)
    return model.model_validate(body)  # ``web.schemas.Strict`` checks the texts' lengths as sent
