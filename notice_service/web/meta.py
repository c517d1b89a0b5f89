"""Service metadata: the OpenAPI document, the offline API docs page and a health check."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel

from notice_service.errors import NotFound
from notice_service.web.openapi import OPERATIONS, operation
from notice_service.web.openapi_document import build_document
from notice_service.web.responses import json_response

meta = Blueprint("meta", __name__)
STATIC = Path(__file__).parent / "static"


@operation(meta, "/v1/openapi.json", "GET", "This API's OpenAPI 3.1 document", authenticated=False)
def openapi_json() -> Response:
    return jsonify(build_document(OPERATIONS))


_ASSETS = {"docs.html": "text/html", "docs.js": "text/javascript", "docs.css": "text/css"}


def _asset(name: str) -> Response:
    if name not in _ASSETS:
        raise NotFound(f"No documentation asset {name!r}.")
    return Response((STATIC / name).read_bytes(), mimetype=_ASSETS[name])


@meta.get("/docs")
def docs_page() -> Response:
    """A docs page whose script and styles are served by the app itself (works offline, no CDN)."""
    return _asset("docs.html")


@meta.get("/docs/<asset>")
def docs_asset(asset: str) -> Response:
    return _asset(asset)


class Health(BaseModel):
    """The liveness answer."""

    status: Literal["ok"]


@operation(meta, "/healthz", "GET", "Liveness", authenticated=False, response_model=Health)
def health() -> Response:
    """Liveness: the process answers."""
    return json_response(Health, {"status": "ok"})
