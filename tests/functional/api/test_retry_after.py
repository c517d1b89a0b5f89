"""``Retry-After`` on a 503 is set in one place (``problems.problem_response``): 30 s for a dependency down (store,
TSA, signer), 5 s for the database; a 429's ``retry_after`` stays a member of its body."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy.exc import OperationalError

from notice_service import errors
from notice_service.web import problems


def test_a_503_says_when_to_retry_and_the_database_sooner() -> None:
    with Flask(__name__).test_request_context("/v1/cases"):
        store = problems.from_notice_error(errors.StoreUnavailable("The store does not answer."))
        database = problems._from_database_outage(OperationalError("SELECT 1", {}, Exception("gone")))
        limited = problems.from_notice_error(errors.RateLimited("Too many.", extra={"retry_after": 40}))
    assert (store.status_code, store.headers["Retry-After"]) == (503, str(problems.RETRY_AFTER_SECONDS))
    assert (database.status_code, database.headers["Retry-After"]) == (503, "5")
    assert limited.status_code == 429 and json.loads(limited.get_data())["retry_after"] == 40
