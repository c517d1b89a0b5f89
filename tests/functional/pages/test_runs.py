"""The runs' pages on real components (SQLite and PostgreSQL): credit plans the day's run, the proposal is
listed by step, an approver approves some then all (the worker executes them, the progress fragment follows),
a failed item shows its reason and is retried; each role may only what it should; bad inputs (no selection, a
foreign or malformed item, a future day, no CSRF token, another tenant's run) change nothing."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.dunning import DunningRun, RunItem
from notice_service.services import Services
from notice_service.worker import run_until_idle
from tests.functional.conftest import Api
from tests.functional.lifecycle_support import case, debtor, invoice
from tests.functional.pages.support import Login, make_people, post, sign_in, tenant_of

MANUAL_PLAN = {
    "name": "Relance approuvée",
    "steps": [{"offset_days": 1, "action": "reminder", "channel": "email", "mode": "manual"}],
    "default": True,
}
NIL = "00000000-0000-0000-0000-000000000000"


def count(services: Services, model: type) -> int:
    with services.db.reading() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def run_records(services: Services) -> int:
    with services.db.reading() as session:
        query = select(func.count()).select_from(AuditRecord).where(AuditRecord.action.like("run%"))
        return int(session.execute(query).scalar_one())


def states(services: Services, run_id: str) -> list[str]:
    with services.db.reading() as session:
        query = select(RunItem.state).where(RunItem.run_id == run_id).order_by(RunItem.id)
        return list(session.execute(query).scalars())


def plan(client: FlaskClient, as_of: str) -> str:
    answer = post(client, "/app/runs", {"as_of": as_of}, page="/app/runs")
    assert answer.status_code == 303, answer.get_data(as_text=True)[-1500:]
    return str(answer.headers["Location"]).rsplit("/", 1)[-1]


def three_cases(api: Api) -> list[str]:
    assert api.post("/v1/plans", MANUAL_PLAN).status_code == 201
    ids = []
    for n in range(3):
        d = debtor(api)
        ids.append(case(api, d, invoice(api, d, f"F-R{n}", "250.00", due="2026-05-29")))
    return ids


def item_ids(html: str) -> list[str]:
    return re.findall(r'name="item_ids" value="([0-9a-f-]{36})"', html)


def test_plan_approve_some_then_all_and_follow_execution(
    client: FlaskClient, people: dict[str, Login], api: Api, services: Services
) -> None:
    three_cases(api)
    sign_in(client, people["credit"])
    run_id = plan(client, "2026-06-30")
    run_until_idle(services)  # the worker drafts the proposed letters
    html = client.get(f"/app/runs/{run_id}").get_data(as_text=True)
    assert "Proposition à approuver (3)" in html and "Étape 1 : Relance de paiement (3)" in html
    assert "Boulangerie Martin SARL" in html and "Aperçu" in html
    assert item_ids(html) == [] and "Tout approuver" not in html  # credit proposes; an approver approves
    assert "Tournée du 30 juin 2026" in client.get("/app/runs").get_data(as_text=True)
    approver = client.application.test_client()
    sign_in(approver, people["approver"])
    ids = item_ids(approver.get(f"/app/runs/{run_id}").get_data(as_text=True))
    assert len(ids) == 3
    page = f"/app/runs/{run_id}"
    answer = post(approver, f"/app/runs/{run_id}/approbation", {"item_ids": ids[:1]}, page=page)
    assert answer.status_code == 303
    assert "1 élément(s) approuvé(s)." in approver.get(page).get_data(as_text=True)
    fragment = approver.get(f"/app/runs/{run_id}/progression").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in fragment and "1 en cours" in fragment  # polled while items move
    assert "<html" not in fragment
    rejected = post(approver, f"/app/runs/{run_id}/rejet", {"item_ids": ids[1:2]}, page=page)
    assert rejected.status_code == 303
    assert post(approver, f"/app/runs/{run_id}/approbation", {"all": "1"}, page=page).status_code == 303
    run_until_idle(services)
    done = states(services, run_id)
    assert "proposed" not in done and "approved" not in done and done.count("rejected") == 1
    fragment = approver.get(f"/app/runs/{run_id}/progression").get_data(as_text=True)
    assert "every 2s" not in fragment and "Terminée" in fragment  # no more polling once done
    with services.db.reading() as session:
        actions = set(session.execute(select(AuditRecord.action).where(AuditRecord.subject_id == run_id)).scalars())
        assert {"run:planned", "run:approved", "run:rejected"} <= actions


def test_a_failed_item_shows_its_reason_and_is_retried(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], services: Services
) -> None:
    sign_in(client, people["credit"])
    run_id = plan(client, "2026-11-20")  # the ECB rate of 2026-S2 is not published: the draft fails
    run_until_idle(services)
    html = client.get(f"/app/runs/{run_id}").get_data(as_text=True)
    assert "Éléments en échec (1)" in html and "rate-unknown" in html
    retry = re.search(r'action="(/app/runs/[^"]+/relance)"', html)
    assert retry
    viewer = client.application.test_client()
    sign_in(viewer, people["viewer"])
    assert "Relancer" not in viewer.get(f"/app/runs/{run_id}").get_data(as_text=True)
    assert post(viewer, retry.group(1), {}, page="/app/runs").status_code == 403
    assert states(services, run_id) == ["failed"]
    answer = post(client, retry.group(1), {}, page=f"/app/runs/{run_id}")
    assert answer.status_code == 303 and states(services, run_id) == ["approved"]
    again = post(client, retry.group(1), {}, page=f"/app/runs/{run_id}")  # not failed any more
    assert again.status_code == 409 and 'id="e-failed"' in again.get_data(as_text=True)
    run_until_idle(services)
    assert states(services, run_id) == ["failed"]  # the rate is still unknown: failed again, with its reason


def test_each_role_may_only_its_run_actions(
    client: FlaskClient, people: dict[str, Login], api: Api, services: Services
) -> None:
    three_cases(api)
    sign_in(client, people["credit"])
    run_id = plan(client, "2026-06-30")
    run_until_idle(services)
    page = f"/app/runs/{run_id}"
    for role in ("viewer", "lawyer", "approver", "credit", "admin"):
        visitor = client.application.test_client()
        sign_in(visitor, people[role])
        html = visitor.get(page).get_data(as_text=True)
        assert visitor.get("/app/runs").status_code == 200
        assert ("Tout approuver" in html) == (role in ("approver", "admin")), role
        assert ("Planifier" in visitor.get("/app/runs").get_data(as_text=True)) == (role in ("credit", "admin"))
        assert ("Annuler la tournée" in html) == (role in ("credit", "admin")), role
    before = (count(services, DunningRun), count(services, AuditRecord))
    for role, path, data in (
        ("viewer", "/app/runs", {"as_of": "2026-06-30"}),
        ("lawyer", "/app/runs", {"as_of": "2026-06-30"}),
        ("approver", "/app/runs", {"as_of": "2026-06-30"}),
        ("viewer", f"{page}/approbation", {"all": "1"}),
        ("credit", f"{page}/approbation", {"all": "1"}),
        ("lawyer", f"{page}/rejet", {"all": "1"}),
        ("approver", f"{page}/annulation", {}),
        ("viewer", f"{page}/annulation", {}),
    ):
        visitor = client.application.test_client()
        sign_in(visitor, people[role])
        answer = post(visitor, path, data, page="/app/runs")
        assert answer.status_code == 403 and "Accès refusé" in answer.get_data(as_text=True), (role, path)
    assert (count(services, DunningRun), count(services, AuditRecord)) == before
    assert set(states(services, run_id)) == {"proposed"}
    cancelled = post(client, f"{page}/annulation", {}, page=page)
    assert cancelled.status_code == 303 and set(states(services, run_id)) == {"cancelled"}
    assert post(client, f"{page}/annulation", {}, page=page).status_code == 409


def test_bad_inputs_change_nothing(
    client: FlaskClient, people: dict[str, Login], api: Api, other_api: Api, services: Services
) -> None:
    three_cases(api)
    sign_in(client, people["credit"])
    run_id = plan(client, "2026-06-30")
    run_until_idle(services)
    for as_of, status in (("2026-11-21", 422), ("", 422), ("30/06/2026", 422), ("2026-02-30", 422)):
        answer = post(client, "/app/runs", {"as_of": as_of}, page="/app/runs")
        html = answer.get_data(as_text=True)
        assert answer.status_code == status and 'id="e-as_of"' in html, as_of
        assert 'aria-describedby="e-as_of' in html and "rien n’a été enregistré" in html
    assert client.post("/app/runs", data={"as_of": "2026-06-30"}).status_code == 400  # no CSRF token
    approver = client.application.test_client()
    sign_in(approver, people["approver"])
    page = f"/app/runs/{run_id}"
    ids = item_ids(approver.get(page).get_data(as_text=True))
    before = (count(services, DunningRun), count(services, AuditRecord), states(services, run_id))
    bad: list[dict[str, Any]] = [
        {},
        {"item_ids": ["not-a-uuid"]},
        {"item_ids": [NIL]},
        {"item_ids": [ids[0], NIL]},
        {"item_ids": [ids[0], ids[0]]},
        {"all": "0"},
    ]
    for data in bad:
        for action in ("approbation", "rejet"):
            answer = post(approver, f"{page}/{action}", data, page=page)
            html = answer.get_data(as_text=True)
            assert answer.status_code == 422, (action, data)
            assert 'id="e-item_ids"' in html and 'aria-describedby="e-item_ids"' in html, (action, data)
    assert approver.post(f"{page}/approbation", data={"all": "1"}).status_code == 400  # no CSRF token
    retry = post(client, f"{page}/elements/{ids[0]}/relance", {}, page=page)  # proposed, not failed
    assert retry.status_code == 409 and 'id="e-failed"' in retry.get_data(as_text=True)
    assert post(client, f"{page}/elements/{NIL}/relance", {}, page=page).status_code == 404
    assert (count(services, DunningRun), count(services, AuditRecord), states(services, run_id)) == before
    records = run_records(services)
    outsider = client.application.test_client()
    sign_in(outsider, make_people(services, tenant_of(other_api), prefix="other-")["admin"])
    for path in (page, f"{page}/progression", "/app/runs/not-a-uuid", f"/app/runs/{NIL}"):
        answer = outsider.get(path)
        assert answer.status_code == 404 and "Page introuvable" in answer.get_data(as_text=True), path
    for path, data in (
        (f"{page}/approbation", {"all": "1"}),
        (f"{page}/rejet", {"item_ids": ids}),
        (f"{page}/annulation", {}),
        (f"{page}/elements/{ids[0]}/relance", {}),
    ):
        assert post(outsider, path, data, page="/app/runs").status_code == 404, path
    assert run_id not in outsider.get("/app/runs").get_data(as_text=True)
    assert (count(services, DunningRun), run_records(services), states(services, run_id)) == (
        before[0],
        records,
        before[2],
    )


def test_a_future_day_is_refused_in_french_next_to_its_field(client: FlaskClient, people: dict[str, Login]) -> None:
    sign_in(client, people["credit"])
    answer = post(client, "/app/runs", {"as_of": "2026-11-21"}, page="/app/runs")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="e-as_of"' in html and "pas un jour futur" in html
