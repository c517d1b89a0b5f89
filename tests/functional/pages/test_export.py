"""The dossier export on the case page (SQLite and PostgreSQL): the plain form posts, then the case page links the
ZIP (no JavaScript needed); the htmx form shows its progress line while the export runs and swaps in the same
section with the link; the ZIP downloads; bad inputs, roles, CSRF and another tenant's case are refused with
nothing exported."""

from __future__ import annotations

import io
import re
import zipfile

from flask.testing import FlaskClient
from sqlalchemy import func, select

from notice_service.db.models.dossier import Dossier
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.pages.support import Login, make_people, post, sign_in, tenant_of


def dossiers(services: Services, case_id: str) -> int:
    with services.db.reading() as session:
        query = select(func.count()).select_from(Dossier).where(Dossier.case_id == case_id)
        return int(session.execute(query).scalar_one())


def test_export_then_download_with_and_without_javascript(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], services: Services
) -> None:
    page = f"/app/dossiers/{seeded[2]}"
    sign_in(client, people["lawyer"])
    html = client.get(page).get_data(as_text=True)
    assert 'hx-post="' in html and 'hx-indicator="#export-progress"' in html and 'class="htmx-indicator"' in html
    answer = post(client, f"{page}/export", {"arrete": "1"}, page=page)
    assert answer.status_code == 303, answer.get_data(as_text=True)[-1500:]
    target = answer.headers["Location"]
    assert target.endswith("#export") and "export=" in target
    shown = client.get(target).get_data(as_text=True)
    section = shown.split('id="export"')[1].split("</section>")[0]
    link = re.search(r'href="(/app/exports/[0-9a-f-]{36}/archive)">Télécharger le dossier \(ZIP\)', section)
    assert link, "the link is in the export section, where htmx swaps it in"
    archive = client.get(link.group(1))
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.get_data())) as opened:
        assert opened.namelist()
    htmx = post(client, f"{page}/export", {"arrete": "1"}, page=page, headers={"HX-Request": "true"})
    assert (
        htmx.status_code == 303 and dossiers(services, seeded[2]) == 2
    )  # htmx follows the redirect and selects #export


def test_export_refusals_write_nothing(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], services: Services, other_api: Api
) -> None:
    page = f"/app/dossiers/{seeded[2]}"
    sign_in(client, people["lawyer"])
    long = post(client, f"{page}/export", {"arrete": "1", "override_reason": "x" * 501}, page=page)
    html = long.get_data(as_text=True)
    assert (
        long.status_code == 422 and 'id="e-override_reason"' in html and 'aria-describedby="e-override_reason' in html
    )
    assert client.post(f"{page}/export", data={"arrete": "1"}).status_code == 400  # no CSRF token
    for role in ("credit", "approver", "viewer"):
        visitor = client.application.test_client()
        sign_in(visitor, people[role])
        assert "Exporter le dossier" not in visitor.get(page).get_data(as_text=True), role
        assert post(visitor, f"{page}/export", {"arrete": "1"}, page=page).status_code == 403, role
    outsider = client.application.test_client()
    sign_in(outsider, make_people(services, tenant_of(other_api), prefix="other-")["admin"])
    assert post(outsider, f"{page}/export", {"arrete": "1"}).status_code == 404
    assert dossiers(services, seeded[2]) == 0
