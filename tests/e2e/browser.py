"""What the browser tests do on every page: sign in through the form, and check the page with axe-core
(``axe-playwright-python``, offline): no serious or critical violation."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.functional.pages.support import Login

AXE = Axe()


def axe_check(page: Page) -> None:
    results = AXE.run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    summary = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in bad]
    assert not bad, f"{page.url}: {summary}"


def log_in(page: Page, base: str, login: Login) -> None:
    page.goto(f"{base}/app/login")
    axe_check(page)
    page.get_by_label("Adresse e-mail").fill(login.email)
    page.get_by_label("Mot de passe").fill(login.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/app/")
