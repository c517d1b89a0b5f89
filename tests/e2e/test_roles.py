"""Each role in the browser: what it sees and what it may do. A viewer has no action button, and a POST it
forges with its own session's CSRF token is refused with the 403 page, nothing written."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.users import User
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.dunning.planning import plan_run
from tests.e2e.browser import axe_check, log_in
from tests.e2e.conftest import Live, drain, garage_on_a_manual_plan
from tests.functional.lifecycle_support import case, invoice

ACTIONS = (
    "Préparer et prévisualiser",
    "Enregistrer le paiement",
    "Clore le dossier",
    "Exporter le dossier",
    "Enregistrer la promesse",
    "Enregistrer l’appel",
    "Suspendre",
)
CREDIT = {"Préparer et prévisualiser", "Enregistrer le paiement", "Clore le dossier"}
EXPECTED = {
    "viewer": set(),
    "approver": set(),
    "lawyer": {"Exporter le dossier"},
    "credit": CREDIT | {"Enregistrer la promesse", "Enregistrer l’appel", "Suspendre"},
}
#: On a run's pages: who plans, who approves (a run with a proposal), who cancels.
RUN_ACTIONS = {
    "viewer": set(),
    "lawyer": set(),
    "approver": {"Tout approuver", "Approuver la sélection", "Rejeter la sélection"},
    "credit": {"Planifier", "Annuler la tournée"},
}


def records(live: Live) -> int:
    with live.services.db.reading() as session:
        return int(session.execute(select(func.count()).select_from(AuditRecord)).scalar_one())


def test_each_role_sees_only_its_actions(page: Page, live: Live) -> None:
    for role, allowed in EXPECTED.items():
        page.context.clear_cookies()
        log_in(page, live.url, live.people[role])
        expect(page.get_by_role("link", name="Paramètres")).to_have_count(0)
        page.goto(f"{live.url}/app/dossiers/{live.case_id}")
        axe_check(page)
        for name in ACTIONS:
            expect(page.get_by_role("button", name=name)).to_have_count(1 if name in allowed else 0)
        forbidden = page.goto(f"{live.url}/app/parametres")
        assert forbidden is not None and forbidden.status == 403
        expect(page.get_by_role("heading", name="Accès refusé")).to_be_visible()
        axe_check(page)


def test_a_viewers_forged_post_is_refused(page: Page, live: Live) -> None:
    page.context.clear_cookies()
    log_in(page, live.url, live.people["viewer"])
    page.goto(f"{live.url}/app/dossiers/{live.case_id}")
    expect(page.get_by_text("Votre rôle permet de consulter ce dossier, pas d’y agir.")).to_be_visible()
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    before = records(live)
    for action, form in (
        ("paiements", {"invoice_id": "x", "amount": "10.00", "paid_on": "2026-04-02"}),
        ("cloture", {"reason": "paid"}),
        ("courriers", {"kind": "formal_notice", "as_of": "2026-06-30"}),
        ("export", {}),
    ):
        answer = page.request.post(
            f"{live.url}/app/dossiers/{live.case_id}/{action}", form={**form, "csrf_token": token}, max_redirects=0
        )
        assert answer.status == 403, action
        assert "Accès refusé" in answer.text()
    assert records(live) == before


def a_run_with_a_proposal(live: Live) -> str:
    """A run of 30 June planned by the credit person, its letter drafted, nothing approved yet: the reminder of
    a debtor of its own (the journey's run took the Garage's)."""
    joinery = garage_on_a_manual_plan(live.api, "Menuiserie Leroy SARL", "552120222")
    case(live.api, joinery, invoice(live.api, joinery, "F-2026-0077", "320.00", due="2026-06-01"))
    login = live.people["credit"]
    tenant_id = tenant_of(live, login.user_id)
    run = plan_run(live.services, Actor(tenant_id, "user", login.user_id, "write"), date(2026, 6, 30))
    drain(live)
    return run.run_id


def tenant_of(live: Live, user_id: str) -> str:

    with live.services.db.reading() as session:
        return str(session.get_one(User, user_id).tenant_id)


def test_each_role_on_the_runs_pages(page: Page, live: Live) -> None:
    run_id = a_run_with_a_proposal(live)
    for role, allowed in RUN_ACTIONS.items():
        page.context.clear_cookies()
        log_in(page, live.url, live.people[role])
        page.get_by_role("link", name="Tournées").click()
        axe_check(page)
        expect(page.get_by_role("button", name="Planifier")).to_have_count(1 if "Planifier" in allowed else 0)
        page.goto(f"{live.url}/app/runs/{run_id}")
        axe_check(page)
        for name in ("Tout approuver", "Approuver la sélection", "Rejeter la sélection", "Annuler la tournée"):
            expect(page.get_by_role("button", name=name)).to_have_count(1 if name in allowed else 0)
