"""A case's promises to pay (``/v1/cases/{id}/promises``), manual pauses (``…/pauses``, ``…/resume``) and calls
(``…/calls``): what changes the course of its dunning from outside the plan. The rules are ``domain.pauses``'."""

from __future__ import annotations

from flask import Blueprint, Response

from notice_service.use_cases.cases import calls, manual_pauses, promises
from notice_service.web.cases.follow_up_schemas import (
    CallCreate,
    CallList,
    CallOut,
    PauseCreate,
    PauseEnd,
    PauseList,
    PauseOut,
    PromiseCreate,
)
from notice_service.web.context import actor, services
from notice_service.web.idempotency import idempotent
from notice_service.web.openapi import operation, parse_json
from notice_service.web.responses import json_response

case_follow_up = Blueprint("case_follow_up", __name__, url_prefix="/v1/cases")


@operation(
    case_follow_up,
    "/<case_id>/promises",
    "POST",
    "Record a promise to pay: the case is paused until its date, then the promise is kept or broken",
    request_model=PromiseCreate,
    response_model=PauseOut,
    status=201,
    creates="promise_id",
    idempotent=True,
)
@idempotent
def create_promise(case_id: str) -> Response:
    body = parse_json(PromiseCreate)
    promise_id = promises.record_promise(services(), actor(), case_id, body.to_input())
    return json_response(PauseOut, promises.get_case_pause(services(), actor(), case_id, promise_id), 201)


@operation(case_follow_up, "/<case_id>/promises", "GET", "List the case's promises to pay", response_model=PauseList)
def list_promises(case_id: str) -> Response:
    return json_response(PauseList, {"data": promises.list_case_pauses(services(), actor(), case_id, "promise")})


@operation(
    case_follow_up,
    "/<case_id>/promises/<promise_id>/cancel",
    "POST",
    "Cancel a running promise to pay (the case resumes)",
    request_model=PauseEnd,
    response_model=PauseOut,
)
def cancel_promise(case_id: str, promise_id: str) -> Response:
    body = parse_json(PauseEnd)
    promises.cancel_promise(services(), actor(), case_id, promise_id, body.note)
    return json_response(PauseOut, promises.get_case_pause(services(), actor(), case_id, promise_id))


@operation(
    case_follow_up,
    "/<case_id>/pauses",
    "POST",
    "Pause the case's dunning until a resume date",
    request_model=PauseCreate,
    response_model=PauseOut,
    status=201,
    creates="pause_id",
    idempotent=True,
)
@idempotent
def create_pause(case_id: str) -> Response:
    body = parse_json(PauseCreate)
    pause_id = manual_pauses.pause_case(services(), actor(), case_id, body.until, body.reason, body.note)
    return json_response(PauseOut, promises.get_case_pause(services(), actor(), case_id, pause_id), 201)


@operation(
    case_follow_up, "/<case_id>/pauses", "GET", "List the case's pauses (promises and manual)", response_model=PauseList
)
def list_pauses(case_id: str) -> Response:
    return json_response(PauseList, {"data": promises.list_case_pauses(services(), actor(), case_id)})


@operation(
    case_follow_up,
    "/<case_id>/pauses/<pause_id>/resume",
    "POST",
    "Resume a manual pause before its date",
    request_model=PauseEnd,
    response_model=PauseOut,
)
def resume_pause(case_id: str, pause_id: str) -> Response:
    body = parse_json(PauseEnd)
    manual_pauses.resume_pause(services(), actor(), case_id, pause_id, body.note)
    return json_response(PauseOut, promises.get_case_pause(services(), actor(), case_id, pause_id))


@operation(
    case_follow_up,
    "/<case_id>/calls",
    "POST",
    "Record a call to the debtor: when, who, the outcome, notes and an optional promise to pay",
    request_model=CallCreate,
    response_model=CallOut,
    status=201,
    creates="call_id",
    idempotent=True,
)
@idempotent
def create_call(case_id: str) -> Response:
    body = parse_json(CallCreate)
    call_id = calls.record_call(services(), actor(), case_id, body.to_input())
    found = [c for c in calls.list_case_calls(services(), actor(), case_id) if c["id"] == call_id]
    return json_response(CallOut, found[0], 201)


@operation(case_follow_up, "/<case_id>/calls", "GET", "List the case's calls", response_model=CallList)
def list_calls(case_id: str) -> Response:
    return json_response(CallList, {"data": calls.list_case_calls(services(), actor(), case_id)})
