"""Routes that describe themselves: ``@operation`` registers a view and its schemas, ``openapi_document``
turns the registry into an OpenAPI 3.1 document (pydantic's JSON Schema 2020-12 is OpenAPI 3.1's dialect).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, request
from pydantic import BaseModel

from notice_service import __version__
from notice_service.errors import FieldError, InvalidInput, UnsupportedMediaType
from notice_service.web.schemas import Problem

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])
REF = "#/components/schemas/{model}"
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": "the ETag of your last read; 412 when the resource changed since, 428 when missing",
}


@dataclass(frozen=True)
class Operation:
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
    request_media: str = "application/json"
    if_match: bool = False
    query_model: type[BaseModel] | None = None


OPERATIONS: list[Operation] = []


def operation(
    blueprint: Blueprint,
    rule: str,
    method: str,
    summary: str,
    *,
    request_model: type[BaseModel] | None = None,
    response_model: type[BaseModel] | None = None,
    status: int = 200,
    response_media: str = "application/json",
    idempotent: bool = False,
    authenticated: bool = True,
    request_media: str = "application/json",
    if_match: bool = False,
    query_model: type[BaseModel] | None = None,
) -> Callable[[F], F]:
    def register(view: F) -> F:
        blueprint.add_url_rule(rule, view_func=view, methods=[method])
        path = (blueprint.url_prefix or "") + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)
        OPERATIONS.append(
            Operation(
                method.lower(),
                path,
                summary,
                blueprint.name,
                request_model,
                response_model,
                status,
                response_media,
                idempotent,
                authenticated,
                request_media,
                if_match,
                query_model,
            )
        )
        return view

    return register


def parse_json(model: type[M]) -> M:
    """The request body validated against ``model``; problems name each bad field."""
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON with 'Content-Type: application/json'.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.", errors=[FieldError("body", "not a JSON object")])
    return model.model_validate(body)


def _schema(model: type[BaseModel], components: dict[str, Any], mode: str) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _responses(op: Operation, components: dict[str, Any]) -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": _schema(Problem, components, "serialization")}}
    content: dict[str, Any] = {op.response_media: {}}
    if op.response_model is not None:
        content[op.response_media] = {"schema": _schema(op.response_model, components, "serialization")}
    responses: dict[str, Any] = {str(op.status): {"description": "Success", "content": content}}
    for code, text in (
        ("401", "Missing or unknown API key"),
        ("404", "Not found for this tenant"),
        ("422", "Invalid input"),
        ("default", "Problem"),
    ):
        responses[code] = {"description": text, "content": problem}
    if op.if_match:
        responses["412"] = {"description": "If-Match names an older version", "content": problem}
        responses["428"] = {"description": "If-Match is missing", "content": problem}
    return responses


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """One ``in: query`` parameter per field of a list's query model, with its schema and description."""
    schema = model.model_json_schema(ref_template=REF, mode="validation")
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


def _operation_object(op: Operation, components: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"summary": op.summary, "tags": [op.tag], "responses": _responses(op, components)}
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    if op.query_model is not None:
        params.extend(_query_parameters(op.query_model))
    if op.idempotent:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "replays answer the first response; reuse with another body is refused",
            }
        )
    if op.if_match:
        params.append(IF_MATCH)
    if params:
        item["parameters"] = params
    if op.request_model is not None:
        item["requestBody"] = {
            "required": True,
            "content": {op.request_media: {"schema": _schema(op.request_model, components, "validation")}},
        }
    if not op.authenticated:
        item["security"] = []
    return item


def openapi_document() -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation_object(op, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "notice-service API",
            "version": __version__,
            "description": "French dunning letters and mises en demeure: signed, archived, audited.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
