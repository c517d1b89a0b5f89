"""The public verification page ``/v/<code>`` on real components (SQLite and PostgreSQL): exactly the public
facts of an issued letter and nothing about the debtor, the comparison of an uploaded PDF, the 404 page of an
unknown or malformed code, the quota per client address, the headers, and a sweep of bad inputs (never a 500).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.notices import Notice
from notice_service.domain.verification_codes import canonical, code_digest, grouped
from notice_service.services import Services
from notice_service.settings import Settings
from tests.functional.conftest import NOW, Api
from tests.functional.notices.test_formal_notice_flow import DEBTOR, open_case

PUBLIC_URL = "https://verifier.atelier-durand.example"
UNKNOWN = "/v/ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"
# What the page must never show: the debtor's name, SIREN and address, the amounts, the case's reference.
PERSONAL = (
    str(DEBTOR["name"]),
    "Boulangerie",
    "732829320",
    "732 829 320",
    "Jean Jaurès",
    "75019",
    "1234,56",
    "1 234,56",
    "1234.56",
    "1107",
    "1 107,05",
    "200,00",
    "F-2026-0042",
)


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    """The functional services with a public base URL, as production sets ``NOTICE_PUBLIC_URL``."""
    settings = Settings(data_dir=tmp_path, database_url=database_url, public_url=PUBLIC_URL + "/")
    built = build_services(settings, clock=FixedClock(NOW))
    yield built
    built.db.engine.dispose()


@dataclass(frozen=True)
class Issued:
    notice: dict[str, object]
    path: str  # /v/<grouped code>
    pdf: bytes
    case_reference: str


def issue_one(api: Api, services: Services) -> Issued:
    ids = open_case(api)
    draft = api.post(f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30"})
    assert draft.status_code == 201, draft.json
    issued = api.post(f"/v1/notices/{draft.json['id']}/issue")
    assert issued.status_code == 200, issued.json
    url = issued.json["verification_url"]
    assert url.startswith(PUBLIC_URL + "/v/"), url
    case = api.get(f"/v1/cases/{ids['case_id']}").json
    pdf = api.get(f"/v1/notices/{draft.json['id']}/pdf").data
    return Issued(issued.json, url.removeprefix(PUBLIC_URL), pdf, case["reference"])


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_safe_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src" not in csp  # default-src 'none': no script at all
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Type"].startswith("text/html")


def test_the_page_shows_exactly_the_public_facts_and_no_debtor_data(
    api: Api, client: FlaskClient, services: Services
) -> None:
    issued = issue_one(api, services)
    page = client.get(issued.path)
    assert page.status_code == 200
    assert_safe_headers(page)
    html = page.get_data(as_text=True)
    text = visible_text(html)
    assert '<html lang="fr">' in html and "<script" not in html and "style=" not in html
    facts = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S))
    assert {key: visible_text(value).strip() for key, value in facts.items()} == {
        "Émetteur": "Atelier Durand",
        "SIREN": "404 833 048",
        "Type de courrier": "Mise en demeure de payer",
        "Date d’émission": "20 novembre 2026",
        "Statut": "Émis (signé électroniquement et archivé)",
        "Empreinte SHA-256 du PDF signé": issued.notice["document"]["sha256"],  # type: ignore[index]
    }
    for personal in (*PERSONAL, issued.case_reference):
        assert personal not in html, personal
    assert "Ce code correspond à un courrier émis" in text
    # the code reads back in any case, without hyphens, with I/L/O for 1/1/0
    code = issued.path.removeprefix("/v/")
    assert canonical(code.lower().replace("-", "")) == canonical(code)
    assert client.get("/v/" + code.lower().replace("-", " ")).status_code == 200


def test_compare_says_identical_for_the_signed_pdf_and_different_otherwise(
    api: Api, client: FlaskClient, services: Services
) -> None:
    issued = issue_one(api, services)
    same = client.post(issued.path, data={"document": (BytesIO(issued.pdf), "courrier.pdf")})
    assert same.status_code == 200
    assert_safe_headers(same)
    assert "Résultat : identique" in same.get_data(as_text=True)
    assert "différent" not in visible_text(same.get_data(as_text=True)).split("Résultat")[1]
    tampered = issued.pdf.replace(b"1 107,05", b"1 907,05") if b"1 107,05" in issued.pdf else issued.pdf + b"\n"
    other = client.post(issued.path, data={"document": (BytesIO(tampered), "courrier.pdf")})
    assert other.status_code == 200
    body = other.get_data(as_text=True)
    assert "Résultat : différent" in body and "Résultat : identique" not in body
    assert hashlib.sha256(tampered).hexdigest() in body
    for personal in PERSONAL:
        assert personal not in body, personal
    # the upload is not stored: the store holds the preview and the signed letter only
    documents = sorted(p.name for p in (services.settings.store_path).rglob("*") if p.is_file())
    assert hashlib.sha256(tampered).hexdigest() not in " ".join(documents)


def test_unknown_code_is_a_404_page_telling_how_to_recognise_a_fake(client: FlaskClient, api: Api) -> None:
    page = client.get(UNKNOWN)
    assert page.status_code == 404
    assert_safe_headers(page)
    text = visible_text(page.get_data(as_text=True))
    assert "Aucun courrier ne correspond à ce code" in text
    assert "Comment reconnaître un faux courrier" in text
    assert "Atelier Durand" not in text


def test_a_draft_answers_like_an_unknown_code_and_two_notices_have_different_codes(
    api: Api, client: FlaskClient, services: Services
) -> None:
    issued = issue_one(api, services)
    case_id = issued.notice["case_id"]
    draft = api.post(f"/v1/cases/{case_id}/notices", {"kind": "formal_notice", "as_of": "2026-06-30"})
    assert draft.status_code == 201, draft.json
    draft_path = draft.json["verification_url"].removeprefix(PUBLIC_URL)
    assert draft_path != issued.path
    unknown = client.get(UNKNOWN).get_data(as_text=True)
    drafted = client.get(draft_path)
    assert drafted.status_code == 404 and drafted.get_data(as_text=True) == unknown  # not a hint either
    with services.db.reading() as session:
        codes = session.execute(select(Notice.verification_code).where(Notice.case_id == case_id)).scalars().all()
        every = session.execute(select(Notice.verification_code)).scalars().all()  # the module's other tests too
    assert len(codes) == len(set(codes)) == 2 and all(c is not None and canonical(c) == c for c in codes)
    assert len(every) == len(set(every))


def test_the_issue_record_carries_the_codes_digest_not_the_code(api: Api, services: Services) -> None:
    issued = issue_one(api, services)
    code = canonical(issued.path.removeprefix("/v/"))
    assert code is not None and grouped(code) == issued.path.removeprefix("/v/")
    with services.db.reading() as session:
        rows = session.execute(select(AuditRecord).order_by(AuditRecord.index)).scalars().all()
    issue = [
        json.loads(row.canonical)
        for row in rows
        if row.action == "notice:issued" and row.subject_id == issued.notice["id"]
    ]
    assert len(issue) == 1 and issue[0]["data"]["verification_code_sha256"] == code_digest(code)
    every_record = b"".join(row.canonical for row in rows).decode()
    assert code not in every_record and grouped(code) not in every_record


@pytest.mark.parametrize(
    "path",
    [
        "/v/ABC",  # too short
        "/v/" + "A" * 21,  # one too many
        "/v/" + "7" * 5000,  # very long
        "/v/UUUUU-UUUUU-UUUUU-UUUUU",  # U is not in the alphabet
        "/v/%3Cscript%3Ealert(1)%3C/script%3E",
        "/v/ABCDE-FGHJK-MNPQR-STVW%00",
        "/v/ABCDE/FGHJK/MNPQR/STVWX",
        "/v/%E2%82%AC%E2%82%AC",
        "/v/..%2F..%2Fetc%2Fpasswd",
        "/v/'%20OR%201=1--",
    ],
)
def test_malformed_codes_are_the_same_404_page_never_a_500(client: FlaskClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 404
    assert_safe_headers(page)
    html = page.get_data(as_text=True)
    assert html == client.get(UNKNOWN).get_data(as_text=True)  # nothing of the input echoed back
    posted = client.post(path, data={"document": (BytesIO(b"%PDF-1.7\n"), "x.pdf")})
    assert posted.status_code == 404 and posted.get_data(as_text=True) == html


def multipart(content: bytes, filename: str | None = "gros.pdf") -> tuple[bytes, str]:
    """A multipart body built in memory (the test client would spool a large one to a file it leaves open);
    without ``filename`` the part is a plain form field."""
    boundary = "----verification-test"
    disposition = 'form-data; name="document"' + (f'; filename="{filename}"' if filename else "")
    kind = "Content-Type: application/pdf\r\n" if filename else ""
    head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n{kind}\r\n".encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_bad_uploads_are_the_letters_page_again_naming_the_field(
    api: Api, client: FlaskClient, services: Services
) -> None:
    issued = issue_one(api, services)
    limit = services.settings.max_upload_bytes
    cases = [
        ({}, 422, "Aucun fichier n’a été envoyé"),
        ({"document": (BytesIO(b""), "vide.pdf")}, 422, "Aucun fichier n’a été envoyé"),
        ({"document": (BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 100), "scan.pdf")}, 415, "n’est pas un PDF"),
        ({"document": (BytesIO(b"<html>%PDF-1.7</html>"), "faux.pdf")}, 415, "n’est pas un PDF"),
        ({"document": "%PDF-1.7 as a form field, not a file"}, 422, "Aucun fichier n’a été envoyé"),
        (multipart(b"%PDF-" + b"0" * 600_000, filename=None), 413, "dépasse 10 Mo"),  # a field past the memory cap
        ({f"f{n}": "x" for n in range(1200)}, 413, "dépasse 10 Mo"),  # past the form's count of parts
        (multipart(b"%PDF-" + b"0" * limit), 413, "dépasse 10 Mo"),  # one byte too many: read, then refused
        (multipart(b"%PDF-" + b"0" * (limit + 200_000)), 413, "dépasse 10 Mo"),  # refused by its length
    ]
    for data, status, message in cases:
        if isinstance(data, tuple):
            page = client.post(issued.path, data=data[0], content_type=data[1])
        else:
            page = client.post(issued.path, data=data, content_type="multipart/form-data")
        assert page.status_code == status, (message, page.status_code)
        assert_safe_headers(page)
        html = page.get_data(as_text=True)
        assert message in html, message
        assert 'aria-invalid="true" aria-describedby="document-erreur"' in html
        assert "Ce code correspond à un courrier émis" in html  # the facts are still there
    not_multipart = client.post(issued.path, data=b"%PDF-1.7", content_type="application/pdf")
    assert not_multipart.status_code == 422
    for content_type, body in (
        ("multipart/form-data", b"--x\r\nnot a part"),  # no boundary
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="document"'),  # cut
        ("multipart/form-data; boundary=x", b"\x00\xff" * 100),
    ):
        malformed = client.post(issued.path, data=body, content_type=content_type)
        assert malformed.status_code == 422, (content_type, body[:20], malformed.status_code)  # no file read
        assert_safe_headers(malformed)
        assert "<h1>" in malformed.get_data(as_text=True)
    assert client.put(issued.path).status_code == 405


def test_the_quota_per_client_address_answers_a_429_page(tmp_path: Path, database_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, verification_rate_limit_requests=3)
    built = build_services(settings, clock=FixedClock(NOW))
    try:
        client = create_app(services=built).test_client()
        for _ in range(3):
            assert client.get(UNKNOWN).status_code == 404
        refused = client.get(UNKNOWN)
        assert refused.status_code == 429
        assert_safe_headers(refused)
        assert refused.headers["Retry-After"] == "60"
        assert "Trop de vérifications" in refused.get_data(as_text=True)
        assert client.post(UNKNOWN).status_code == 429  # the form too
        other = client.get(UNKNOWN, environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert other.status_code == 404  # another address has its own quota
        with client.get("/verification-static/verification.css") as stylesheet:
            assert stylesheet.status_code == 200  # the stylesheet is not counted
    finally:
        built.db.engine.dispose()


def test_the_page_has_the_accessibility_basics_and_answers_head(
    api: Api, client: FlaskClient, services: Services
) -> None:
    issued = issue_one(api, services)
    html = client.get(issued.path).get_data(as_text=True)
    assert html.count("<h1>") == 1
    assert all(landmark in html for landmark in ("<header", "<main", "<footer", 'href="#contenu"'))
    inputs = re.findall(r'<input[^>]*\bid="([^"]+)"', html)
    labels = re.findall(r'<label for="([^"]+)"', html)
    assert inputs == labels == ["document"]  # every field has its label
    head = client.head(issued.path)
    assert head.status_code == 200 and head.get_data() == b""
    assert_safe_headers(head)
