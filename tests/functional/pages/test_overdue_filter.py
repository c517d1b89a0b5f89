"""The dossiers list's "en retard" filter is a condition of the list query (SQLite and PostgreSQL): with more
late cases than a page holds behind newer cases not yet due, the first page is full of late cases only, and the
keyset pages together hold every late case once and nothing else."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.functional.conftest import Api
from tests.functional.lifecycle_support import case, debtor, invoice
from tests.functional.pages.support import Login, sign_in

CASE_LINK = re.compile(r'href="/app/dossiers/([0-9a-f-]{36})"')


def test_overdue_is_filtered_in_the_query_across_pages(client: FlaskClient, people: dict[str, Login], api: Api) -> None:
    d = debtor(api)
    late = {case(api, d, invoice(api, d, f"F-L{n}", "80.00", due="2026-11-19")) for n in range(27)}
    not_due = {case(api, d, invoice(api, d, f"F-N{n}", "80.00", due="2026-11-20")) for n in range(26)}  # due today
    paid = case(api, d, paid_invoice := invoice(api, d, "F-P", "10.00", due="2026-03-31"))
    paying = {"amount": "10.00", "paid_on": "2026-04-01"}
    assert api.post(f"/v1/invoices/{paid_invoice}/payments", paying, key="pay-f-p").status_code == 201
    sign_in(client, people["viewer"])
    first = client.get("/app/dossiers?overdue=1").get_data(as_text=True)
    on_first = CASE_LINK.findall(first)
    assert len(on_first) == 25 and set(on_first) <= late  # newer cases not yet due do not thin the page
    cursor = re.search(r'href="/app/dossiers\?cursor=([^"&]+)&amp;overdue=1"', first)
    assert cursor, "the next page keeps the filter"
    second = CASE_LINK.findall(client.get(f"/app/dossiers?cursor={cursor.group(1)}&overdue=1").get_data(as_text=True))
    assert len(second) == 2 and set(on_first) | set(second) == late and not set(on_first) & set(second)
    everything = CASE_LINK.findall(client.get("/app/dossiers").get_data(as_text=True))
    assert set(everything) <= late | not_due | {paid} and set(everything) & not_due  # unfiltered: newest first
    assert paid not in on_first + second
    assert 'name="overdue" value="1" checked' in first
