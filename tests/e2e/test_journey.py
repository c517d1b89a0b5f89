"""A real browser (Debian's chromium through Playwright) against the live server: the mise en demeure from the
debtor's search to the downloaded dossier, each role's view, and the axe check on every page."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.browser import axe_check, log_in
from tests.e2e.conftest import Live, drain, screenshot_dir


def ar_scan(path: Path) -> Path:
    """A scanned acknowledgement of receipt (a PNG, as a scanner makes)."""
    image = Image.new("RGB", (600, 400), "white")
    image.save(path, format="PNG")
    return path


def test_mise_en_demeure_journey(page: Page, live: Live, tmp_path: Path) -> None:
    shots = screenshot_dir(tmp_path)
    base = live.url
    log_in(page, base, live.people["admin"])
    axe_check(page)
    page.screenshot(path=str(shots / "tableau-de-bord.png"), full_page=True)

    page.get_by_role("link", name="Débiteurs").click()
    page.get_by_label("Nom, SIREN ou référence de dossier").fill("boulangerie")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("link", name="Boulangerie Martin SARL").first).to_be_visible()
    axe_check(page)
    page.screenshot(path=str(shots / "debiteurs.png"), full_page=True)

    page.goto(f"{base}/app/dossiers")
    axe_check(page)
    page.screenshot(path=str(shots / "dossiers.png"), full_page=True)
    page.goto(f"{base}/app/dossiers/{live.case_id}")
    expect(page.get_by_role("heading", name="Dossier", exact=False).first).to_be_visible()
    axe_check(page)

    page.get_by_label("Type de courrier").select_option("formal_notice")
    page.get_by_label("Décompte arrêté au").fill("2026-06-30")
    page.get_by_role("button", name="Préparer et prévisualiser").click()
    expect(page.get_by_role("heading", name="Mise en demeure")).to_be_visible()
    expect(page.get_by_text("Total dû")).to_be_visible()
    expect(page.get_by_alt_text("Page 1 du courrier")).to_be_visible()
    axe_check(page)
    page.screenshot(path=str(shots / "apercu-mise-en-demeure.png"), full_page=True)

    page.get_by_role("button", name="Approuver et émettre").click()
    expect(page.get_by_text("Émis et signé le")).to_be_visible()
    letter_url = page.url
    page.get_by_label("Canal").select_option("registered_letter")
    page.get_by_role("button", name="Enregistrer l’envoi").click()
    expect(page.get_by_role("heading", name="Envoi registered_letter", exact=False)).to_be_visible()
    page.get_by_label("Pièce", exact=True).select_option("acknowledgement_of_receipt")
    page.get_by_label("Date portée sur la pièce").fill("2026-11-16")
    page.get_by_label("Fichier scanné", exact=False).set_input_files(str(ar_scan(tmp_path / "ar.png")))
    page.get_by_role("button", name="Ajouter la pièce").click()
    expect(page.get_by_text("Reçu le 16 novembre 2026")).to_be_visible()
    axe_check(page)
    page.screenshot(path=str(shots / "courrier-suivi.png"), full_page=True)

    page.get_by_role("link", name="← Dossier", exact=False).click()
    expect(page.locator("#delai")).to_contain_text("J−4")  # 16 Nov + 8 days = 24 Nov; today is 20 Nov
    expect(page.locator("#delai")).to_contain_text("24 novembre 2026")
    axe_check(page)
    record_a_promise(page)
    page.locator("#export").get_by_label("Arrêter les intérêts au dernier taux officiel confirmé").check()
    page.get_by_role("button", name="Exporter le dossier").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le dossier (ZIP)").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        assert any(name.endswith(".pdf") for name in archive.namelist())
    page.screenshot(path=str(shots / "dossier.png"), full_page=True)
    run_and_approve(page, live, shots)
    verify_on_the_public_page(page, live, letter_url, tmp_path)

    page.goto(f"{base}/app/")
    expect(page.get_by_text("Délais expirant cette semaine")).to_be_visible()
    expect(page.get_by_role("link", name=live_reference(page, live))).to_be_visible()
    expect(page.get_by_text("Taux de recouvrement", exact=True)).to_be_visible()  # the KPIs, pulled in by htmx
    axe_check(page)
    page.goto(f"{base}/app/indicateurs")
    axe_check(page)
    page.goto(f"{base}/app/parametres")
    axe_check(page)
    page.screenshot(path=str(shots / "parametres.png"), full_page=True)
    page.goto(f"{base}/app/password")
    axe_check(page)


def live_reference(page: Page, live: Live) -> str:
    """The case's reference as its page shows it."""
    page.goto(f"{live.url}/app/dossiers/{live.case_id}")
    heading = page.get_by_role("heading", level=1).inner_text()
    reference = heading.removeprefix("Dossier ").split(" ")[0]
    page.goto(f"{live.url}/app/")
    return reference


def record_a_promise(page: Page) -> None:
    """On the case page: the debtor promises 200 € by 10 December; the case's dunning waits for it."""
    promise = page.locator("#promesse")
    promise.get_by_label("Montant promis (€)").fill("200,00")
    promise.get_by_label("Payé au plus tard le").fill("2026-12-10")
    page.get_by_role("button", name="Enregistrer la promesse").click()
    expect(page.locator("#suspensions")).to_contain_text("Promesse de paiement")
    expect(page.locator("#suspensions")).to_contain_text("10 décembre 2026")
    expect(page.get_by_role("button", name="Annuler la promesse")).to_be_visible()
    axe_check(page)


def run_and_approve(page: Page, live: Live, shots: Path) -> None:
    """Plan the run of 30 June, approve its proposal, follow its execution without reloading (htmx polls)."""
    page.get_by_role("link", name="Tournées").click()
    axe_check(page)
    page.get_by_label("Jour de la tournée").fill("2026-06-30")
    page.get_by_role("button", name="Planifier").click()
    expect(page.get_by_role("heading", name="Tournée du 30 juin 2026")).to_be_visible()
    drain(live)  # the worker drafts the letter the approver will see
    page.reload()
    expect(page.get_by_text("Étape 1 : Relance de paiement", exact=False)).to_be_visible()
    expect(page.get_by_role("cell", name="Garage Dupont SAS", exact=True)).to_be_visible()
    axe_check(page)
    page.screenshot(path=str(shots / "tournee.png"), full_page=True)
    page.get_by_role("button", name="Tout approuver", exact=False).click()
    expect(page.get_by_text("élément(s) approuvé(s)", exact=False)).to_be_visible()
    expect(page.locator("#progression")).to_contain_text("1 en cours")
    drain(live)  # the worker issues the approved reminder
    expect(page.locator("#statut-tournee")).to_have_text("Terminée", timeout=10_000)  # polled, not reloaded
    expect(page.locator("#progression")).to_contain_text("Émis")
    axe_check(page)


def verify_on_the_public_page(page: Page, live: Live, letter_url: str, tmp_path: Path) -> None:
    """The recipient's check: the letter's short URL, then its PDF compared with the signed one."""
    page.goto(letter_url)
    link = page.locator("#verification").get_attribute("href")
    assert link and "/v/" in link
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le PDF signé").click()
    pdf = tmp_path / "mise-en-demeure.pdf"
    download_info.value.save_as(pdf)
    # The recipient is another person: a browser context of their own, never signed in. (Clearing this context's
    # cookies raced with the letter page's image requests, whose responses set the session cookie again.)
    recipient = page.context.browser.new_context()
    try:
        public = recipient.new_page()
        public.goto(f"{live.url}{urlsplit(link).path}")
        expect(public.get_by_role("heading", name="Ce code correspond à un courrier émis")).to_be_visible()
        axe_check(public)
        public.get_by_label("Fichier PDF du courrier", exact=False).set_input_files(str(pdf))
        public.get_by_role("button", name="Comparer").click()
        expect(public.get_by_role("heading", name="Résultat : identique")).to_be_visible()
        axe_check(public)
        public.goto(f"{live.url}/app/")
        expect(public.get_by_label("Adresse e-mail")).to_be_visible()  # the recipient has no session: login form
    finally:
        recipient.close()
