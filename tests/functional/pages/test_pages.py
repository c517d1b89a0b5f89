"""The back office's pages on real components: each role sees and may do only what it should (a forged POST
is a 403 page, nothing written), another tenant's id is a 404 page, security headers, French formats, the
lists' search and filters, the dashboard's figures, the whole mise en demeure journey through plain forms,
and a sweep of bad form inputs (errors next to their field, nothing written); on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re

from flask.testing import FlaskClient
from sqlalchemy import func, select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.case_documents import CaseDispute
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Payment
from notice_service.db.models.notices import Notice
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.pages.support import Login, make_people, post, sign_in, tenant_of

PAGES = ("/app/", "/app/dossiers", "/app/debiteurs", "/app/password")


def count(services: Services, model: type) -> int:
    with services.db.reading() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def draft(client: FlaskClient, case_id: str) -> str:
    answer = post(
        client,
        f"/app/dossiers/{case_id}/courriers",
        {"kind": "formal_notice", "as_of": "2026-06-30", "deadline_days": "8"},
        page=f"/app/dossiers/{case_id}",
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)[-2000:]
    return str(answer.headers["Location"]).rsplit("/", 1)[-1]


def test_headers_language_and_french_formats(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str]
) -> None:
    sign_in(client, people["viewer"])
    for path in (*PAGES, f"/app/dossiers/{seeded[2]}"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        csp = answer.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert answer.headers["Referrer-Policy"] == "same-origin" and answer.headers["X-Frame-Options"] == "DENY"
        html = answer.get_data(as_text=True)
        assert '<html lang="fr">' in html and 'href="#contenu"' in html
        assert "<script>" not in html and " style=" not in html and "nsk_" not in html
    case_page = client.get(f"/app/dossiers/{seeded[2]}").get_data(as_text=True)
    assert "1\u202f234,56\u00a0€" in case_page and "31 mars 2026" in case_page and "1er mars 2026" in case_page


def test_each_role_sees_and_may_only_its_actions(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], services: Services
) -> None:
    _, invoice_id, case_id = seeded
    forms = {
        "work": (
            f"/app/dossiers/{case_id}/paiements",
            {"invoice_id": invoice_id, "amount": "1.00", "paid_on": "2026-04-02"},
        ),
        "export": (f"/app/dossiers/{case_id}/export", {}),
        "admin": ("/app/parametres/utilisateurs", {"email": "new@atelier.example", "role": "viewer"}),
    }
    may = {
        "viewer": set(),
        "lawyer": {"export"},
        "approver": set(),
        "credit": {"work"},
    }
    for role, allowed in may.items():
        browser = client.application.test_client()
        sign_in(browser, people[role])
        html = browser.get(f"/app/dossiers/{case_id}").get_data(as_text=True)
        assert ("Enregistrer le paiement" in html) == ("work" in allowed), role
        assert ("Exporter le dossier" in html) == ("export" in allowed), role
        assert (">Paramètres<" in html) is False, role
        assert browser.get("/app/parametres").status_code == 403
        payments, users = count(services, Payment), count(services, AuditRecord)
        for name, (path, data) in forms.items():
            if name in allowed:
                continue
            refused = post(browser, path, data, page=f"/app/dossiers/{case_id}")
            assert refused.status_code == 403, (role, name)
            assert "Accès refusé" in refused.get_data(as_text=True)
        assert (count(services, Payment), count(services, AuditRecord)) == (payments, users)
    admin = client.application.test_client()
    sign_in(admin, people["admin"])
    html = admin.get(f"/app/dossiers/{case_id}").get_data(as_text=True)
    assert "Enregistrer le paiement" in html and "Exporter le dossier" in html and ">Paramètres<" in html


def test_approver_alone_approves_and_the_same_draft_is_issued(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], services: Services
) -> None:
    case_id = seeded[2]
    credit = client.application.test_client()
    sign_in(credit, people["credit"])
    notice_id = draft(credit, case_id)
    preview = credit.get(f"/app/courriers/{notice_id}").get_data(as_text=True)
    assert "Approuver et émettre" not in preview and "Total dû" in preview
    assert post(credit, f"/app/courriers/{notice_id}/approbation", {}, page="/app/").status_code == 403
    approver = client.application.test_client()
    sign_in(approver, people["approver"])
    page = approver.get(f"/app/courriers/{notice_id}").get_data(as_text=True)
    assert "Approuver et émettre" in page
    with services.db.reading() as session:
        frozen = session.get_one(Notice, notice_id).letter_data
    approved = post(approver, f"/app/courriers/{notice_id}/approbation", {}, page=f"/app/courriers/{notice_id}")
    assert approved.status_code == 303
    with services.db.reading() as session:
        issued = session.get_one(Notice, notice_id)
        assert (issued.status, issued.letter_data) == ("issued", frozen)
        assert session.execute(select(func.count()).where(Notice.case_id == case_id)).scalar_one() == 1
        record = session.execute(
            select(AuditRecord).where(AuditRecord.action == "notice:issued", AuditRecord.tenant_id == issued.tenant_id)
        ).scalar_one()
        assert json.loads(record.canonical)["actor"] == {"type": "user", "id": people["approver"].user_id}
    image = approver.get(f"/app/courriers/{notice_id}/pages/1.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    assert approver.get(f"/app/courriers/{notice_id}/pages/99.png").status_code == 404


def test_rejection_keeps_the_draft_unissued_with_its_reason(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], services: Services
) -> None:
    sign_in(client, people["admin"])
    notice_id = draft(client, seeded[2])
    page = f"/app/courriers/{notice_id}"
    for reason in ("", "  ", "x" * 1001):
        refused = post(client, f"{page}/rejet", {"reason": reason}, page=page)
        assert refused.status_code == 422 and 'id="e-reason"' in refused.get_data(as_text=True)
    assert post(client, f"{page}/rejet", {"reason": "Montant à vérifier avec la compta"}, page=page).status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert "Rejeté" in html and "Montant à vérifier avec la compta" in html and "Approuver et émettre" not in html
    assert post(client, f"{page}/approbation", {}, page=page).status_code == 409
    with services.db.reading() as session:
        kept = session.get_one(Notice, notice_id)
        assert kept.status == "draft"
        record = session.execute(
            select(AuditRecord).where(AuditRecord.action == "notice:rejected", AuditRecord.tenant_id == kept.tenant_id)
        ).scalar_one()
        assert b"Montant" not in record.canonical and json.loads(record.canonical)["data"]["reason_sha256"]


def test_another_tenants_ids_are_404_pages(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], other_api: Api, services: Services
) -> None:
    sign_in(client, people["admin"])
    notice_id = draft(client, seeded[2])
    outsider = client.application.test_client()
    sign_in(outsider, make_people(services, tenant_of(other_api), prefix="other-")["admin"])
    for path in (
        f"/app/dossiers/{seeded[2]}",
        f"/app/courriers/{notice_id}",
        f"/app/courriers/{notice_id}/pages/1.png",
        f"/app/courriers/{notice_id}/pdf",
        "/app/dossiers/not-a-uuid",
        "/app/exports/00000000-0000-0000-0000-000000000000/archive",
    ):
        answer = outsider.get(path)
        assert answer.status_code == 404, path
        assert "Page introuvable" in answer.get_data(as_text=True)
    before = count(services, Payment)
    forged = post(
        outsider,
        f"/app/dossiers/{seeded[2]}/paiements",
        {"invoice_id": seeded[1], "amount": "5", "paid_on": "2026-04-01"},
    )
    assert forged.status_code == 404 and count(services, Payment) == before
    assert seeded[2] not in outsider.get("/app/dossiers").get_data(as_text=True)


def test_lists_search_filter_and_paginate(client: FlaskClient, people: dict[str, Login], api: Api) -> None:
    from tests.functional.lifecycle_support import case, debtor, invoice

    first = debtor(api)
    case_ids = [case(api, first, invoice(api, first, f"F-{n}", "100.00")) for n in range(27)]
    sign_in(client, people["viewer"])
    page_one = client.get("/app/dossiers").get_data(as_text=True)
    assert page_one.count('href="/app/dossiers/') == 25
    cursor = re.search(r'href="/app/dossiers\?cursor=([^"&]+)"', page_one)
    assert cursor
    page_two = client.get(f"/app/dossiers?cursor={cursor.group(1)}").get_data(as_text=True)
    listed = re.findall(r'href="/app/dossiers/([0-9a-f-]{36})"', page_one + page_two)
    assert len(listed) == 27 and set(listed) == set(case_ids)  # keyset pages: none repeated, none missing
    assert client.get("/app/dossiers?cursor=garbage").status_code == 200  # a bad cursor starts again
    assert "Relance de paiement" in page_one and "100,00\u00a0€" in page_one
    found = client.get("/app/debiteurs?q=boulangerie").get_data(as_text=True)
    assert "Boulangerie Martin SARL" in found
    assert "Boulangerie" not in client.get("/app/debiteurs?q=zzz").get_data(as_text=True).split("<main")[1]
    assert "Boulangerie Martin SARL" in client.get("/app/debiteurs?q=732 829 320").get_data(as_text=True)
    none = client.get("/app/dossiers?next_step=formal_notice").get_data(as_text=True)
    assert "Aucun dossier ne correspond." in none
    closed = client.get("/app/dossiers?status=closed&next_step=bogus").get_data(as_text=True)
    assert "Aucun dossier ne correspond." in closed


def test_dashboard_figures(client: FlaskClient, people: dict[str, Login], api: Api) -> None:
    from tests.functional.lifecycle_support import case, debtor, invoice

    d = debtor(api)
    case(api, d, invoice(api, d, "F-OLD", "300.00", due="2026-03-31"))  # > 90 days late on 20 November
    case(api, d, invoice(api, d, "F-NEW", "45.50", due="2026-11-05"))  # 15 days late
    case(api, d, invoice(api, d, "F-NOT", "10.00", due="2026-12-31"))  # not due yet
    sign_in(client, people["viewer"])
    html = client.get("/app/").get_data(as_text=True)
    assert "355,50\u00a0€" in html  # outstanding
    assert "345,50\u00a0€" in html  # overdue
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", html, re.S)
    assert desc and "Non échu : 10,00\u00a0€" in desc.group(1) and "1–30 j : 45,50\u00a0€" in desc.group(1)
    assert "> 90 j : 300,00\u00a0€" in desc.group(1).replace("&gt;", ">")


BAD_FORMS = [
    ("paiements", {"amount": "", "paid_on": "2026-04-02"}, "amount"),
    ("paiements", {"amount": "-3", "paid_on": "2026-04-02"}, "amount"),
    ("paiements", {"amount": "1.234", "paid_on": "2026-04-02"}, "amount"),
    ("paiements", {"amount": "NaN", "paid_on": "2026-04-02"}, "amount"),
    ("paiements", {"amount": "1e999", "paid_on": "2026-04-02"}, "amount"),
    ("paiements", {"amount": "10", "paid_on": "31/04/2026"}, "paid_on"),
    ("paiements", {"amount": "10", "paid_on": "2027-01-01"}, "paid_on"),
    ("paiements", {"amount": "10", "paid_on": "2026-04-02", "reference": "r" * 101}, "reference"),
    (
        "paiements",
        {"amount": "10", "paid_on": "2026-04-02", "invoice_id": "00000000-0000-0000-0000-000000000000"},
        "invoice_id",
    ),
    ("paiements", {"amount": "10\x00", "paid_on": "2026-04-02"}, "amount"),
    ("contestations", {"raised_on": "2026-04-02", "summary": ""}, "summary"),
    ("contestations", {"raised_on": "demain", "summary": "facture contestée"}, "raised_on"),
    ("contestations", {"raised_on": "2026-04-02", "summary": "x" * 1001}, "summary"),
    ("cloture", {"reason": "bored"}, "reason"),
    ("cloture", {"reason": "other", "note": ""}, "note"),
    ("courriers", {"kind": "injonction", "as_of": "2026-06-30"}, "kind"),
    ("courriers", {"kind": "formal_notice", "as_of": "", "deadline_days": "8"}, "as_of"),
    ("courriers", {"kind": "formal_notice", "as_of": "2026-06-30", "deadline_days": "3"}, "deadline_days"),
    ("courriers", {"kind": "formal_notice", "as_of": "2026-06-30", "deadline_days": "huit"}, "deadline_days"),
    ("courriers", {"kind": "formal_notice", "as_of": "2026-11-20", "deadline_days": "8"}, "as_of"),  # no rate yet
    ("courriers", {"kind": "pre_reminder", "as_of": "2026-06-30"}, "kind"),  # every invoice is past due
]


def test_bad_inputs_are_shown_next_to_their_field_and_nothing_is_written(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], services: Services
) -> None:
    _, invoice_id, case_id = seeded
    sign_in(client, people["credit"])
    before = [count(services, model) for model in (Payment, CaseDispute, Notice, AuditRecord)]
    for action, fields, bad in BAD_FORMS:
        data = {"invoice_id": invoice_id, **fields}
        answer = post(client, f"/app/dossiers/{case_id}/{action}", data, page=f"/app/dossiers/{case_id}")
        html = answer.get_data(as_text=True)
        assert answer.status_code in (400, 409, 422), (action, fields, answer.status_code)
        if answer.status_code == 400:  # a NUL byte: refused before any view
            continue
        assert f'id="e-{bad}"' in html and f'aria-describedby="e-{bad}' in html, (action, fields, bad)
        assert "rien n’a été enregistré" in html
    assert [count(services, model) for model in (Payment, CaseDispute, Notice, AuditRecord)] == before
    with services.db.reading() as session:
        assert session.get_one(Case, case_id).status == "open"


def test_proof_upload_bad_inputs_and_then_the_deadline(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], services: Services
) -> None:
    import io

    from PIL import Image

    from notice_service.db.models.delivery import DeliveryFact

    sign_in(client, people["admin"])
    notice_id = draft(client, seeded[2])
    page = f"/app/courriers/{notice_id}"
    assert post(client, f"{page}/approbation", {}, page=page).status_code == 303
    bad_channel = post(client, f"{page}/envois", {"channel": "pigeon"}, page=page)
    assert bad_channel.status_code == 422 and 'id="e-channel"' in bad_channel.get_data(as_text=True)
    bad_tracking = post(
        client, f"{page}/envois", {"channel": "registered_letter", "tracking_number": "RR123"}, page=page
    )
    assert bad_tracking.status_code == 422 and 'id="e-tracking_number"' in bad_tracking.get_data(as_text=True)
    assert post(client, f"{page}/envois", {"channel": "registered_letter"}, page=page).status_code == 303
    delivery = re.search(r"/envois/([0-9a-f-]{36})/preuves", client.get(page).get_data(as_text=True))
    assert delivery
    target = f"{page}/envois/{delivery.group(1)}/preuves"
    scan = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(scan, format="PNG")
    good = {"evidence_kind": "acknowledgement_of_receipt", "shown_on": "2026-11-16"}
    sweep = [
        ({**good}, None, "file"),
        ({**good}, (b"plain text, not a scan", "ar.txt"), "file"),
        ({**good, "shown_on": "2026-12-01"}, (scan.getvalue(), "ar.png"), "shown_on"),
        ({**good, "shown_on": "16/11/2026"}, (scan.getvalue(), "ar.png"), "shown_on"),
        ({**good, "evidence_kind": "selfie"}, (scan.getvalue(), "ar.png"), "evidence_kind"),
    ]
    with services.db.reading() as session:
        facts_before = session.execute(select(func.count()).select_from(DeliveryFact)).scalar_one()
    for fields, upload, bad in sweep:
        data: dict[str, object] = dict(fields)
        if upload is not None:
            data["file"] = (io.BytesIO(upload[0]), upload[1])
        answer = post(client, target, data, page=page, content_type="multipart/form-data")
        assert answer.status_code == 422, (fields, bad, answer.status_code)
        assert f'id="e-{bad}"' in answer.get_data(as_text=True), (fields, bad)
    with services.db.reading() as session:
        assert session.execute(select(func.count()).select_from(DeliveryFact)).scalar_one() == facts_before
    data = {**good, "file": (io.BytesIO(scan.getvalue()), "ar.png")}
    assert post(client, target, data, page=page, content_type="multipart/form-data").status_code == 303
    case_page = client.get(f"/app/dossiers/{seeded[2]}").get_data(as_text=True)
    assert "J−4 : expire le 24 novembre 2026" in case_page


def test_the_indicators_page_shows_the_kpis_and_the_dashboard_pulls_it_in(
    client: FlaskClient, people: dict[str, Login], api: Api
) -> None:
    """DSO by hand: 400 € receivable on 20 November over 300 € invoiced in the 90 days before (the 1 October
    invoice) × 90 days = 120 days; nothing was chased nor paid, so those two read "—"."""
    from tests.functional.lifecycle_support import debtor

    d = debtor(api)
    for number, issued, due, amount in (
        ("F-A", "2026-03-01", "2026-03-31", "100.00"),
        ("F-B", "2026-10-01", "2026-10-31", "300.00"),
    ):
        body = {"debtor_id": d, "number": number, "issue_date": issued, "due_date": due, "amount_due": amount}
        assert api.post("/v1/invoices", body).status_code == 201
    sign_in(client, people["viewer"])
    dashboard = client.get("/app/").get_data(as_text=True)
    assert 'hx-get="/app/indicateurs"' in dashboard and 'href="/app/indicateurs"' in dashboard
    page = client.get("/app/indicateurs")
    assert page.status_code == 200
    html = re.sub(r"\s+", " ", page.get_data(as_text=True))
    assert "<dd>120 jours</dd>" in html
    assert "— (aucune facture relancée)" in html
    assert "Du 23 août 2026 au 20 novembre 2026" in html
    assert post(client, "/app/logout", {}).status_code == 303
    assert client.get("/app/indicateurs").status_code in (302, 303)  # signed out: to the login page
