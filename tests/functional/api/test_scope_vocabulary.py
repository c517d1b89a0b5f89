"""The scopes are written once (``domain.api_scopes``): the key schemas' ``Literal`` types list exactly its
``SCOPES`` and ``PRESETS``, and both descriptions (OpenAPI's security scheme, the key schemas) name every meaning."""

from __future__ import annotations

from typing import get_args

from notice_service.domain import api_scopes
from notice_service.web import openapi_document
from notice_service.web.tenants import schemas


def test_the_schema_literals_are_the_domains_scopes_and_presets() -> None:
    assert get_args(schemas.Scope) == api_scopes.SCOPES
    assert get_args(schemas.Preset) == tuple(api_scopes.PRESETS)
    assert tuple(api_scopes.MEANINGS) == api_scopes.SCOPES


def test_both_descriptions_say_what_every_scope_grants() -> None:
    for scope, meaning in api_scopes.MEANINGS.items():
        assert f"`{scope}` {meaning}" in openapi_document.SCOPES_DESCRIPTION
        assert f"{scope}: {meaning}" in schemas.SCOPES_DESCRIPTION
