"""The case page's promise, call and pause forms on real components (SQLite and PostgreSQL): each recorded
through its use case and shown on the page, cancelled or resumed by a button; a second active promise refused
next to its field; each role may only what it should; a sweep of bad inputs, each error next to its field and
nothing written; another tenant's case or pause is a 404 page."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.calls import CaseCall
from notice_service.db.models.pauses import CasePause
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.pages.support import Login, make_people, post, sign_in, tenant_of

NIL = "00000000-0000-0000-0000-000000000000"


def count(services: Services, model: Any, case_id: str) -> int:
    """The case's rows of ``model`` (audit records: those on the case); a PostgreSQL database outlives a test."""
    column = model.subject_id if model is AuditRecord else model.case_id
    with services.db.reading() as session:
        return int(session.execute(select(func.count()).select_from(model).where(column == case_id)).scalar_one())


def pauses(services: Services, case_id: str) -> list[tuple[str, str | None]]:
    with services.db.reading() as session:
        query = select(CasePause.kind, CasePause.outcome).where(CasePause.case_id == case_id)
        rows = session.execute(query.order_by(CasePause.created_at)).all()
        return [(kind, outcome) for kind, outcome in rows]


def test_promise_call_and_pause_then_cancel_and_resume(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], services: Services
) -> None:
    case_id = seeded[2]
    page = f"/app/dossiers/{case_id}"
    sign_in(client, people["credit"])
    promised = post(client, f"{page}/promesses", {"promise_amount": "500,00", "promise_on": "2026-12-15"}, page=page)
    assert promised.status_code == 303 and promised.headers["Location"].endswith("#promesse")
    html = client.get(page).get_data(as_text=True)
    assert "500,00\u00a0€" in html and "15 décembre 2026" in html and "En cours" in html
    assert "Promesse de paiement" in html and "Annuler la promesse" in html
    second = post(client, f"{page}/promesses", {"promise_amount": "100", "promise_on": "2026-12-01"}, page=page)
    body = second.get_data(as_text=True)
    assert second.status_code == 409 and 'id="e-promise_amount"' in body and "déjà en cours" in body
    cancel = post(client, f"{page}/promesses/{pauses_ids(services, case_id)[0]}/annulation", {}, page=page)
    assert cancel.status_code == 303 and pauses(services, case_id) == [("promise", "cancelled")]
    again = post(client, f"{page}/promesses/{pauses_ids(services, case_id)[0]}/annulation", {}, page=page)
    assert again.status_code == 409 and 'id="e-suspensions"' in again.get_data(as_text=True)
    call = {"called_at": "2026-11-20T10:15", "caller": "Julie (recouvrement)", "outcome": "promise"}
    call |= {"notes": "rappelle vendredi", "call_promise_amount": "300", "call_promise_on": "2026-12-04"}
    assert post(client, f"{page}/appels", call, page=page).status_code == 303
    assert count(services, CaseCall, case_id) == 1 and pauses(services, case_id)[-1] == ("promise", None)
    html = client.get(page).get_data(as_text=True)
    assert "Julie (recouvrement)" in html and "rappelle vendredi" in html and "300,00\u00a0€" in html
    paused = {"pause_until": "2026-12-31", "pause_reason": "negotiation", "pause_note": "échéancier en discussion"}
    assert post(client, f"{page}/pauses", paused, page=page).status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert "Négociation en cours" in html and "Reprendre les relances" in html and "31 décembre 2026" in html
    twice = post(client, f"{page}/pauses", paused, page=page)
    assert twice.status_code == 409 and 'id="e-pause_until"' in twice.get_data(as_text=True)
    manual = next(pid for pid, kind in pauses_ids(services, case_id, with_kind=True) if kind == "manual")
    assert post(client, f"{page}/pauses/{manual}/reprise", {}, page=page).status_code == 303
    assert ("manual", "resumed") in pauses(services, case_id)
    with services.db.reading() as session:
        actions = list(session.execute(select(AuditRecord.action).where(AuditRecord.subject_id == case_id)).scalars())
    assert {"promise:made", "promise:cancelled", "call:recorded", "case:paused", "case:resumed"} <= set(actions)


def pauses_ids(services: Services, case_id: str, with_kind: bool = False) -> list[Any]:
    with services.db.reading() as session:
        query = select(CasePause.id, CasePause.kind).where(CasePause.case_id == case_id)
        rows = session.execute(query.order_by(CasePause.created_at)).all()
    return [(pid, kind) if with_kind else pid for pid, kind in rows]


BAD = [
    ("promesses", {"promise_amount": "", "promise_on": "2026-12-15"}, "promise_amount"),
    ("promesses", {"promise_amount": "-5", "promise_on": "2026-12-15"}, "promise_amount"),
    ("promesses", {"promise_amount": "5000", "promise_on": "2026-12-15"}, "promise_amount"),  # over the balance
    ("promesses", {"promise_amount": "1e999", "promise_on": "2026-12-15"}, "promise_amount"),
    ("promesses", {"promise_amount": "50", "promise_on": "2026-11-01"}, "promise_on"),  # in the past
    ("promesses", {"promise_amount": "50", "promise_on": "2027-06-01"}, "promise_on"),  # beyond 90 days
    ("promesses", {"promise_amount": "50", "promise_on": "15/12/2026"}, "promise_on"),
    ("promesses", {"promise_amount": "50", "promise_on": "2026-12-15", "promise_note": "n" * 501}, "promise_note"),
    ("appels", {"called_at": "", "caller": "Julie", "outcome": "reached"}, "called_at"),
    ("appels", {"called_at": "hier", "caller": "Julie", "outcome": "reached"}, "called_at"),
    ("appels", {"called_at": "2026-11-21T10:00", "caller": "Julie", "outcome": "reached"}, "called_at"),
    ("appels", {"called_at": "1999-01-01T10:00", "caller": "Julie", "outcome": "reached"}, "called_at"),
    ("appels", {"called_at": "2026-11-20T10:00", "caller": "", "outcome": "reached"}, "caller"),
    ("appels", {"called_at": "2026-11-20T10:00", "caller": "Julie", "outcome": "bogus"}, "outcome"),
    (
        "appels",
        {"called_at": "2026-11-20T10:00", "caller": "Julie", "outcome": "reached", "notes": "x" * 2001},
        "notes",
    ),
    (
        "appels",
        {"called_at": "2026-11-20T10:00", "caller": "Julie", "outcome": "promise", "call_promise_on": "2026-12-04"},
        "call_promise_amount",
    ),
    (
        "appels",
        {
            "called_at": "2026-11-20T10:00",
            "caller": "Julie",
            "outcome": "promise",
            "call_promise_amount": "9999",
            "call_promise_on": "2026-12-04",
        },
        "call_promise_amount",
    ),
    (
        "appels",
        {
            "called_at": "2026-11-20T10:00",
            "caller": "Julie",
            "outcome": "promise",
            "call_promise_amount": "20",
            "call_promise_on": "2026-10-04",
        },
        "call_promise_on",
    ),
    ("pauses", {"pause_until": "", "pause_reason": "negotiation"}, "pause_until"),
    ("pauses", {"pause_until": "2026-11-20", "pause_reason": "negotiation"}, "pause_until"),  # today
    ("pauses", {"pause_until": "2028-01-01", "pause_reason": "negotiation"}, "pause_until"),
    ("pauses", {"pause_until": "2026-12-31", "pause_reason": "bored"}, "pause_reason"),
    ("pauses", {"pause_until": "2026-12-31", "pause_reason": "other", "pause_note": ""}, "pause_note"),
    ("pauses", {"pause_until": "2026-12-31", "pause_reason": "negotiation", "pause_note": "n" * 501}, "pause_note"),
]


def test_bad_inputs_are_tied_to_their_field_and_nothing_is_written(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], services: Services
) -> None:
    case_id = seeded[2]
    page = f"/app/dossiers/{case_id}"
    sign_in(client, people["credit"])
    before = [count(services, model, case_id) for model in (CasePause, CaseCall, AuditRecord)]
    for action, data, bad in BAD:
        answer = post(client, f"{page}/{action}", data, page=page)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422, (action, data, answer.status_code)
        assert f'id="e-{bad}"' in html and f'aria-describedby="e-{bad}' in html, (action, data, bad)
        assert "rien n’a été enregistré" in html
    assert [count(services, model, case_id) for model in (CasePause, CaseCall, AuditRecord)] == before


def test_roles_csrf_and_foreign_ids(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], other_api: Api, services: Services
) -> None:
    case_id = seeded[2]
    page = f"/app/dossiers/{case_id}"
    forms = (
        ("promesses", {"promise_amount": "50", "promise_on": "2026-12-15"}),
        ("appels", {"called_at": "2026-11-20T10:00", "caller": "Julie", "outcome": "reached"}),
        ("pauses", {"pause_until": "2026-12-31", "pause_reason": "negotiation"}),
    )
    for role in ("viewer", "approver", "lawyer"):
        visitor = client.application.test_client()
        sign_in(visitor, people[role])
        html = visitor.get(page).get_data(as_text=True)
        assert "Enregistrer la promesse" not in html and "Suspendre" not in html, role
        for action, data in forms:
            assert post(visitor, f"{page}/{action}", data, page=page).status_code == 403, (role, action)
    sign_in(client, people["credit"])
    for action, data in forms:
        assert client.post(f"{page}/{action}", data=data).status_code == 400  # no CSRF token
    assert [count(services, model, case_id) for model in (CasePause, CaseCall)] == [0, 0]
    assert post(client, f"{page}/promesses", dict(forms[0][1]), page=page).status_code == 303
    promise_id = pauses_ids(services, case_id)[0]
    outsider = client.application.test_client()
    sign_in(outsider, make_people(services, tenant_of(other_api), prefix="other-")["admin"])
    for action, data in (*forms, (f"promesses/{promise_id}/annulation", {}), (f"pauses/{promise_id}/reprise", {})):
        answer = post(outsider, f"{page}/{action}", data)
        assert answer.status_code == 404 and "Page introuvable" in answer.get_data(as_text=True), action
    for path in (
        f"{page}/promesses/{NIL}/annulation",
        f"{page}/pauses/{promise_id}/reprise",
        f"{page}/pauses/x/reprise",
    ):
        assert post(client, path, {}, page=page).status_code == 404, path  # a promise is cancelled, not resumed
    assert pauses(services, case_id) == [("promise", None)] and count(services, CaseCall, case_id) == 0
