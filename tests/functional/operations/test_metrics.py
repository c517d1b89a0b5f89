"""``GET /metrics`` on real components (SQLite and PostgreSQL): what issuing a letter does to the figures.

The durations come from the adapters the composition root wrapped (the real WeasyPrint, pyHanko and store);
letters per kind and the outbox figures are read from the database at scrape time, so they are compared with
what the database holds. Histograms are process-wide, so each test compares a scrape before and after.
"""

from __future__ import annotations

import dataclasses
import socket
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from notice_service.adapters.smtp_mailer import SmtpMailer
from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.errors import MailFailed
from notice_service.observability.instrumented import CountedMailer
from notice_service.ports import OutgoingMail
from notice_service.services import Services
from notice_service.worker import pending_count, run_until_idle
from tests.functional import lifecycle_support as support
from tests.functional.conftest import NOW, Api


def scrape(client: FlaskClient, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def issue_formal_notice(api: Api) -> str:
    debtor = support.debtor(api)
    case = support.case(api, debtor, support.invoice(api, debtor, "F-1", "1234.56"))
    issued = api.post(f"/v1/cases/{case}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True})
    assert issued.status_code == 201, issued.json
    return str(issued.json["id"])


def test_issuing_a_letter_moves_every_figure(api: Api, client: FlaskClient, services: Services) -> None:
    before = scrape(client)
    assert value(before, "notice_letters_issued_total", kind="formal_notice") == 0
    issue_formal_notice(api)
    after = scrape(client)

    assert value(after, "notice_letters_issued_total", kind="formal_notice") == 1
    for histogram, labels in [
        ("notice_render_seconds", {"kind": "formal_notice"}),
        ("notice_sign_seconds", {}),
        ("notice_store_seconds", {"operation": "put"}),
        ("notice_audit_append_seconds", {}),
    ]:
        count = value(after, f"{histogram}_count", **labels) - value(before, f"{histogram}_count", **labels)
        took = value(after, f"{histogram}_sum", **labels) - value(before, f"{histogram}_sum", **labels)
        assert count >= 1, histogram
        assert took > 0, histogram
    # a render of a mise en demeure takes real time: the sum is at least one render's worth of milliseconds
    rendered = value(after, "notice_render_seconds_sum", kind="formal_notice")
    assert rendered - value(before, "notice_render_seconds_sum", kind="formal_notice") > 0.01

    depth = value(after, "notice_outbox_depth")
    assert depth == pending_count(services) > 0  # the audit mirror and the notice.issued event wait
    assert value(after, "notice_outbox_oldest_age_seconds") == 0.0  # the fixed clock has not moved


def test_oldest_age_follows_the_clock_and_depth_drains(api: Api, services: Services) -> None:
    issue_formal_notice(api)
    later = dataclasses.replace(services, clock=FixedClock(NOW + timedelta(seconds=90)))
    with create_app(services=later).test_client() as client:
        assert value(scrape(client), "notice_outbox_oldest_age_seconds") == 90.0
        run_until_idle(later)
        drained = scrape(client)
    assert value(drained, "notice_outbox_depth") == pending_count(later) == 0
    assert value(drained, "notice_outbox_oldest_age_seconds") == 0.0


def test_a_metrics_token_is_required_once_set(services: Services) -> None:
    guarded = dataclasses.replace(services, settings=dataclasses.replace(services.settings, metrics_token="m-tok"))
    with create_app(services=guarded).test_client() as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "m-tok "}, {"Authorization": ""}):
            refused = client.get("/metrics", headers=headers)
            assert refused.status_code == 401
            assert refused.mimetype == "application/problem+json"
            assert "NOTICE_METRICS_TOKEN" in refused.json["detail"]
            assert "notice_" not in refused.get_data(as_text=True).replace("notice-service", "")
        assert "notice_outbox_depth" in {name for name, _ in scrape(client, Authorization="Bearer m-tok")}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_provider_failure_is_counted(client: FlaskClient) -> None:
    mailer = CountedMailer(SmtpMailer("127.0.0.1", closed_port(), "relances@atelier.example", starttls=False))
    before = value(scrape(client), "notice_provider_errors_total", provider="smtp", operation="submit")
    mail = OutgoingMail(to="debiteur@example.com", subject="Relance", body="Bonjour")
    with pytest.raises(MailFailed):
        mailer.submit(mail)
    after = value(scrape(client), "notice_provider_errors_total", provider="smtp", operation="submit")
    assert after == before + 1


def test_a_worker_serves_its_own_metrics() -> None:
    """``NOTICE_WORKER_METRICS_PORT``: the worker's process metrics over HTTP (its liveness probe in Kubernetes)."""
    import urllib.request

    from notice_service.observability.metrics import PROVIDER_ERRORS, serve_process_metrics

    port = closed_port()
    serve_process_metrics(port, host="127.0.0.1")
    PROVIDER_ERRORS.labels(provider="webhook", operation="send").inc()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    [sample] = [s for s in families["notice_provider_errors"].samples if s.labels.get("provider") == "webhook"]
    assert sample.value >= 1
    assert "notice_outbox_depth" not in families  # the database's figures are the web pods' to export
