"""The request id and the JSON request line: one line per request, carrying the id the response echoes.

A caller's ``X-Request-Id`` is kept when it is 1–128 visible ASCII characters; anything else (empty, too long,
spaces, control or non-ASCII characters) is replaced by a fresh UUID, never echoed into a header or a log.
"""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from flask.testing import FlaskClient

from notice_service.observability.logs import REQUEST_ID, JsonFormatter, configure_logging
from tests.functional.conftest import Api


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "notice_service.request"]


def test_the_callers_request_id_is_echoed_and_logged(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="notice_service.request")
    response = api.client.get("/v1/debtors", headers={**api.headers, "X-Request-Id": "req-7f3a.b_c:1"})
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "req-7f3a.b_c:1"
    [line] = request_lines(caplog)
    assert line["request_id"] == "req-7f3a.b_c:1"
    assert line["method"] == "GET" and line["path"] == "/v1/debtors" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and str(line["time"]).endswith("+00:00")
    assert "Bearer" not in json.dumps(line)  # the key is never logged
    assert REQUEST_ID.get() is None  # the id does not outlive its request


@pytest.mark.parametrize(
    "given", ["", "a" * 129, "two words", "tab\there", "é-accent", "nul\x00", "line\nbreak", "\x7f"]
)
def test_a_bad_request_id_is_replaced(client: FlaskClient, caplog: pytest.LogCaptureFixture, given: str) -> None:
    caplog.set_level(logging.INFO, logger="notice_service.request")
    if "\n" in given:  # the test client refuses to send a header with a newline at all
        with pytest.raises(ValueError):
            client.get("/healthz", headers={"X-Request-Id": given})
        return
    response = client.get("/healthz", headers={"X-Request-Id": given})
    echoed = response.headers["X-Request-Id"]
    assert str(uuid.UUID(echoed)) == echoed
    [line] = request_lines(caplog)
    assert line["request_id"] == echoed


def test_every_answer_gets_an_id(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    """Refused before the view (401, 404, 405) or answered: each request has its own id and its one line."""
    caplog.set_level(logging.INFO, logger="notice_service.request")
    answers = [client.get("/v1/debtors"), client.get("/nowhere"), client.delete("/healthz"), client.get("/readyz")]
    assert [a.status_code for a in answers] == [401, 404, 405, 200]
    ids = [a.headers["X-Request-Id"] for a in answers]
    assert len(set(ids)) == 4
    assert [line["request_id"] for line in request_lines(caplog)] == ids


def test_configure_logging_writes_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    kept = list(root.handlers), root.level
    try:
        configure_logging("warning")
        configure_logging("warning")  # idempotent: still one line per record
        token = REQUEST_ID.set("rid-1")
        logging.getLogger("notice_service.test").warning("store refused %s", "a write", extra={"bucket": "b1"})
        REQUEST_ID.reset(token)
        logging.getLogger("notice_service.test").info("below the level")
    finally:
        root.handlers[:], _ = kept
        root.setLevel(kept[1])
    [line] = [json.loads(text) for text in capsys.readouterr().err.splitlines()]
    assert line["message"] == "store refused a write"
    assert line["request_id"] == "rid-1" and line["bucket"] == "b1" and line["level"] == "WARNING"
