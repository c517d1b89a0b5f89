"""JSON responses checked against their response schema, so the OpenAPI document never lies."""

from __future__ import annotations

from typing import Any

from flask import Response
from pydantic import BaseModel


def json_response(model: type[BaseModel], data: Any, status: int = 200, location: str | None = None) -> Response:
    body = model.model_validate(data).model_dump_json(by_alias=True)
    response = Response(body, status=status, mimetype="application/json")
    if location:
        response.headers["Location"] = location
    return response
