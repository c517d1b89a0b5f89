"""``/v1/tenant`` (who am I, and the creditor profile as a JSON merge patch with ``If-Match``) and
``/v1/api-keys`` (create, list, revoke; admin keys only)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, g

from notice_service.domain.api_scopes import PRESETS
from notice_service.use_cases.tenants.api_keys import (
    create_api_key,
    list_api_keys,
    revoke_api_key,
    rotate_api_key,
    whoami,
)
from notice_service.use_cases.tenants.onboarding import update_profile
from notice_service.web.context import actor, services
from notice_service.web.idempotency import STORED_INSTEAD, idempotent
from notice_service.web.openapi import operation, parse_json
from notice_service.web.patching import MERGE_PATCH, if_match, merge_patch_body, with_etag
from notice_service.web.responses import json_response
from notice_service.web.tenants.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyOut,
    ApiKeyRotate,
    ApiKeyRotated,
    TenantOut,
    TenantPatch,
)

tenants = Blueprint("tenants", __name__, url_prefix="/v1")
NOT_REPLAYED = "(shown once, not replayed: revoke this key and create another if the secret was lost)"


@operation(
    tenants, "/tenant", "GET", "Who am I: the tenant, its profile and this key's scopes", response_model=TenantOut
)
def read_tenant() -> Response:
    body, etag = whoami(services(), actor())
    return with_etag(json_response(TenantOut, body), etag)


@operation(
    tenants,
    "/tenant",
    "PATCH",
    "Update the creditor profile (JSON merge patch; If-Match required; admin keys)",
    request_model=TenantPatch,
    response_model=TenantOut,
    request_media=MERGE_PATCH,
    if_match=True,
    scope="admin",
)
def patch_tenant() -> Response:
    who = actor()
    patch = TenantPatch.model_validate(merge_patch_body())
    update_profile(services(), who.tenant_id, patch.profile, actor=who, if_match=if_match())
    body, etag = whoami(services(), who)
    return with_etag(json_response(TenantOut, body), etag)


@operation(
    tenants,
    "/api-keys",
    "POST",
    "Create an API key (admin keys; the secret is shown once)",
    request_model=ApiKeyCreate,
    response_model=ApiKeyCreated,
    status=201,
    idempotent=True,
    creates="key_id",
    scope="admin",
)
@idempotent
def create_key() -> Response:
    who = actor()
    body = parse_json(ApiKeyCreate)
    scopes = [*(body.scopes or []), *(PRESETS[body.scope] if body.scope else [])]
    key, secret = create_api_key(services(), who, body.name, scopes, body.expires_at)
    # a replay (same Idempotency-Key) answers the key without its secret, which is stored nowhere
    setattr(g, STORED_INSTEAD, json_response(ApiKeyCreated, {**key, "key": NOT_REPLAYED}, 201).get_data(as_text=True))
    return json_response(ApiKeyCreated, {**key, "key": secret}, 201)


@operation(
    tenants, "/api-keys", "GET", "List the tenant's API keys (admin keys)", response_model=ApiKeyList, scope="admin"
)
def list_keys() -> Response:
    return json_response(ApiKeyList, {"data": list_api_keys(services(), actor()), "next_cursor": None})


@operation(
    tenants,
    "/api-keys/<key_id>",
    "DELETE",
    "Revoke an API key (admin keys)",
    response_model=ApiKeyOut,
    scope="admin",
)
def revoke_key(key_id: str) -> Response:
    return json_response(ApiKeyOut, revoke_api_key(services(), actor(), key_id))


@operation(
    tenants,
    "/api-keys/<key_id>/rotate",
    "POST",
    "Rotate an API key: a successor now, the old key expiring after a grace period (admin keys)",
    request_model=ApiKeyRotate,
    response_model=ApiKeyRotated,
    status=201,
    scope="admin",
)
def rotate_key(key_id: str) -> Response:
    body = parse_json(ApiKeyRotate)
    grace = timedelta(seconds=body.grace_seconds)
    successor, secret, previous = rotate_api_key(services(), actor(), key_id, grace)
    answer = {"successor": {**successor, "key": secret}, "previous": previous}
    return json_response(ApiKeyRotated, answer, 201)
