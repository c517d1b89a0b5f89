"""The OpenAPI 3.1 document built from the ``@operation`` registry (pydantic's JSON Schema 2020-12 is
OpenAPI 3.1's dialect).

What the document promises, and the guards in ``web/guards.py`` keep:

- ids in paths are UUIDs (``format: uuid``); a malformed id answers 404 like an unknown one;
- every authenticated operation answers 401 before anything else, and 429 past its key's rate limit, and
  carries ``RateLimit`` / ``RateLimit-Policy`` headers;
- every error is ``application/problem+json`` (``Problem``); ``default`` covers the 5xx of unavailable
  services;
- a creation links (``links``) to every operation its new id enables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from notice_service import __version__
from notice_service.domain import api_scopes
from notice_service.web.openapi import Operation
from notice_service.web.schemas import Problem

REF = "#/components/schemas/{model}"
PROBLEM_JSON = "application/problem+json"
_ID_SCHEMA = {"type": "string", "format": "uuid"}
_RATE_HEADERS = {
    "RateLimit": {
        "description": 'remaining quota and seconds to the window\'s end, e.g. "default";r=599;t=42',
        "schema": {"type": "string"},
    },
    "RateLimit-Policy": {
        "description": 'the key\'s quota per window, e.g. "default";q=600;w=60',
        "schema": {"type": "string"},
    },
}
SCOPES_DESCRIPTION = (
    "An API key (`nsk_…`). Each operation names the scope it needs in its `security` requirement and in "
    "`x-required-scope`; a key without it gets 403 `insufficient-scope`. Scopes: "
    + "; ".join(f"`{scope}` {meaning}" for scope, meaning in api_scopes.MEANINGS.items())
    + ". Every scope grants `read`. An expired or revoked key gets 401."
)
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 0}}}


class _Components:
    """The ``components.schemas`` being built; two different models with one name are refused."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}
        self._owners: dict[str, str] = {}

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, str]:
        """Add ``model`` (and its definitions) and answer a ``$ref`` to it."""
        name = model.__name__
        owner = f"{model.__module__}.{model.__qualname__}"
        if self._owners.setdefault(name, owner) != owner:
            raise RuntimeError(f"two schemas are named {name}: {self._owners[name]} and {owner}; rename one")
        schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        self.schemas.update(schema.pop("$defs", {}))
        self.schemas[name] = schema
        return {"$ref": REF.format(model=name)}


def _problem(components: _Components, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A problem+json response object."""
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": components.ref(Problem, "serialization")}},
    }
    if headers:
        response["headers"] = headers
    return response


def _success(op: Operation, components: _Components, links: dict[str, Any]) -> dict[str, Any]:
    """The success response: its media type and schema, its headers and links."""
    response: dict[str, Any] = {"description": "Success"}
    if op.status != 204:
        schema: dict[str, Any] = {"type": "object"}  # a free-form JSON object (the OpenAPI document itself)
        if op.response_model is not None:
            schema = components.ref(op.response_model, "serialization")
        elif op.response_media != "application/json":
            schema = {"type": "string", "format": "binary"}
        response["content"] = {op.response_media: {"schema": schema}}
    headers = dict(_RATE_HEADERS) if op.authenticated else {}
    if op.creates:
        headers["Location"] = {"description": "the new resource", "schema": {"type": "string"}}
    if headers:
        response["headers"] = headers
    if links:
        response["links"] = links
    return response


def _error_responses(op: Operation, components: _Components) -> dict[str, Any]:
    """The problems an operation can answer, each for the reason it does."""
    has_body = op.request_model is not None or op.form_model is not None
    reasons: list[tuple[str, str, dict[str, Any] | None]] = []
    if op.authenticated:
        reasons.append(("401", "Missing, unknown, revoked or expired API key (checked before anything else)", None))
        reasons.append(("403", f"The API key lacks the `{op.scope}` scope (`insufficient-scope`)", None))
    elif op.signature_headers:
        reasons.append(("401", "Unknown tenant, or a missing or wrong signature", None))
    if op.path_params or has_body:
        reasons.append(("404", "Not found for this tenant: an id of the path or of the body", None))
    if op.idempotent or op.if_match:
        reasons.append(("409", "Conflict with the resource's state, or the same Idempotency-Key in flight", None))
    if op.if_match:
        reasons.append(("412", "If-Match names an older version: read again, then retry", None))
        reasons.append(("428", "If-Match is missing: send the ETag of your last read", None))
    if has_body:
        reasons.append(("413", "Body too large", None))
        reasons.append(("415", "Unsupported body media type", None))
    reasons.append(("422", "Invalid input: `errors` names each field or parameter", None))
    if op.authenticated:
        reasons.append(("429", "Rate limit of this API key exceeded", {**_RETRY_AFTER, **_RATE_HEADERS}))
    reasons.append(("default", "Problem (e.g. 503 when a service the operation needs is unavailable)", None))
    return {code: _problem(components, text, headers) for code, text, headers in reasons}


def _link_to(creates: str, target: Operation) -> dict[str, Any] | None:
    """How a new ``creates`` id feeds ``target``: its one path id, or an id (or id list) of its JSON body."""
    expression = "$response.body#/id"
    if target.path_params == [creates]:
        return {"parameters": {creates: expression}}
    fields = target.request_model.model_fields if target.request_model is not None else {}
    if target.path_params or not fields:
        return None
    if creates in fields:
        return {"requestBody": {creates: expression}}
    if creates + "s" in fields:
        return {"requestBody": {creates + "s": [expression]}}
    return None


def _links(op: Operation, operations: Sequence[Operation]) -> dict[str, Any]:
    """From a creation to every operation its new ``id`` enables (path id, or a body field of that name)."""
    if not op.creates:
        return {}
    links: dict[str, Any] = {}
    for target in operations:
        link = _link_to(op.creates, target) if target is not op else None
        if link is not None:
            description = f"{target.method.upper()} {target.path} with the new id"
            links[target.operation_id] = {"operationId": target.operation_id, **link, "description": description}
    return links


def _parameters(op: Operation, components: _Components) -> list[dict[str, Any]]:
    """Path ids, query parameters (required when the field has no default) and ``Idempotency-Key``."""
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": dict(_ID_SCHEMA)} for name in op.path_params
    ]
    if op.query_model is not None:
        schema = op.query_model.model_json_schema(ref_template=REF, mode="validation")
        required = set(schema.get("required", []))
        for name, field_schema in schema.get("properties", {}).items():
            field_schema.pop("title", None)
            description = field_schema.pop("description", None)
            param = {"name": name, "in": "query", "required": name in required, "schema": field_schema}
            if description:
                param["description"] = description
            params.append(param)
    params += [
        {"name": name, "in": "header", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in op.signature_headers
    ]
    if op.if_match:
        params.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,  # the server requires it: 428 without it, documented as that problem
                "schema": {"type": "string", "minLength": 1},
                "description": "the ETag of your last read; 412 when the resource changed since, 428 when missing",
            }
        )
    if op.idempotent:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                "description": "replays answer the first response; reuse with another body is refused",
            }
        )
    return params


def _request_body(op: Operation, components: _Components) -> dict[str, Any] | None:
    """The JSON body, or the form (its fields and files) of a multipart or form-encoded operation."""
    if op.request_model is not None:
        schema = components.ref(op.request_model, "validation")
        return {"required": True, "content": {op.request_media: {"schema": schema}}}
    if op.form_model is None:
        return None
    form = op.form_model.model_json_schema(ref_template=REF, mode="validation")
    components.schemas.update(form.pop("$defs", {}))
    for name in op.form_files:
        form.setdefault("properties", {})[name] = {"type": "string", "format": "binary"}
        form.setdefault("required", []).append(name)
    form.pop("additionalProperties", None)
    components.schemas[op.form_model.__name__] = form
    return {
        "required": True,
        "content": {op.form_media: {"schema": {"$ref": REF.format(model=op.form_model.__name__)}}},
    }


def _operation_object(op: Operation, operations: Sequence[Operation], components: _Components) -> dict[str, Any]:
    """One operation of ``paths``."""
    responses = {str(op.status): _success(op, components, _links(op, operations))}
    for status in op.other_statuses:
        responses[str(status)] = _success(op, components, {})
    responses.update(_error_responses(op, components))
    item: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "responses": responses,
    }
    params = _parameters(op, components)
    if params:
        item["parameters"] = params
    body = _request_body(op, components)
    if body is not None:
        item["requestBody"] = body
    if not op.authenticated:
        item["security"] = []
    elif op.scope is not None:
        item["security"] = [{"bearer": [op.scope]}]  # OpenAPI 3.1: for a non-OAuth scheme, the roles it needs
        item["x-required-scope"] = op.scope
    if op.creates:
        item["x-creates"] = op.creates  # the path parameter the new id fills (what ``links`` are drawn from)
    return item


def build_document(operations: Sequence[Operation]) -> dict[str, Any]:
    """The whole document; operation ids are unique (a duplicate is an error, not a silent overwrite)."""
    ids = [op.operation_id for op in operations]
    duplicates = sorted({name for name in ids if ids.count(name) > 1})
    if duplicates:
        raise RuntimeError(f"operation ids used twice: {', '.join(duplicates)}")
    components = _Components()
    paths: dict[str, Any] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method] = _operation_object(op, operations, components)
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
            "schemas": components.schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": SCOPES_DESCRIPTION}},
        },
    }
