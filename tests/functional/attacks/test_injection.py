"""The common injection points, automated where the registry allows: every list's every query parameter
(filters, search strings, cursors) and every path id take SQL metacharacters, LIKE wildcards, NUL bytes, very
long strings, unicode and template syntax as data: a 4xx problem or an answer, never a 500, never another
tenant's rows. Search wildcards are literal; unknown parameters (a ``sort`` key, an ``order_by``) are refused
by name. Template syntax (Jinja, ``str.format``, ``%``) in free text is printed as typed in the letter's PDF and
escaped on the pages, and in letter options it is refused by name."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from notice_service.services import Services
from tests.functional.attacks.support import (
    ATTACKER_DEBTOR,
    Tenant,
    authenticated_operations,
    call,
    changed,
    fingerprint,
    leaked,
    path_of,
)
from tests.functional.pages.support import make_people, sign_in

PROBLEM = "application/problem+json"
PAYLOADS = [
    "' OR '1'='1",
    "1; DROP TABLE debtors; --",
    '" OR ""="',
    "%",
    "_",
    "%_%",
    "\\",
    "//",
    "\x00",
    "a\x00b",
    "A" * 10_000,
    "é\u202e𝕏\ufeff\u200b",
    "{{7*7}}",
    "${7*7}",
    "%(name)s",
    "{0.__class__}",
    "<script>alert(1)</script>",
    "2026-13-45",
    "-1",
    "99999999999999999999",
]
BODY_IDS = ("debtor_id", "invoice_id", "plan_id", "case_id")  # the ids the bodies of BODIES name
TEMPLATE = "{{7*7}} {% raw %} ${7*7} %(x)s {0.__class__} <b>gras</b>"


def _bearer(tenant: Tenant) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant.key}"}


def _rows(answer: Any) -> list[Any]:
    body = answer.json if answer.is_json else None
    rows = body.get("data", body.get("items", [])) if isinstance(body, dict) else []
    return rows if isinstance(rows, list) else []


def test_every_list_parameter_takes_payloads_as_data(attacker: Tenant, victim: Tenant, services: Services) -> None:
    lists = [op for op in authenticated_operations() if op.method == "get" and op.query_model is not None]
    params = [(op, f.alias or n) for op in lists for n, f in op.query_model.model_fields.items()]  # type: ignore[union-attr]
    assert len(params) >= 30, len(params)
    assert attacker.api.post("/v1/debtors", ATTACKER_DEBTOR).status_code == 201
    before = fingerprint(services)
    wrong = []
    for op, name in params:
        for payload in PAYLOADS:
            answer = call(attacker.api.client, op, victim.ids, _bearer(attacker), query={name: payload})
            if answer.status_code >= 500 or (answer.status_code >= 400 and answer.mimetype != PROBLEM):
                wrong.append(f"{op.operation_id} {name}={payload[:20]!r}: {answer.status_code}")
            elif leaked(answer, victim, path_of(op, victim.ids)):
                wrong.append(f"{op.operation_id} {name}={payload[:20]!r}: leaked")
            if "\x00" in payload and answer.status_code != 422:
                wrong.append(f"{op.operation_id} {name}: a NUL gives {answer.status_code}, not 422")
    assert not wrong, "\n".join(wrong[:40])
    assert changed(before, fingerprint(services)) == []


def test_search_wildcards_and_sql_are_literal(attacker: Tenant, victim: Tenant) -> None:
    api = attacker.api
    assert api.post("/v1/debtors", ATTACKER_DEBTOR).status_code == 201
    assert api.post("/v1/debtors", {**ATTACKER_DEBTOR, "name": "100% Bio_Shop", "siren": "732829320"}).status_code
    found = {
        q: sorted(
            row["name"] for row in _rows(api.client.get("/v1/debtors", query_string={"q": q}, headers=api.headers))
        )
        for q in ("quincaillerie", "%", "_", "%_%", "% b", "' OR '1'='1", "x' OR 1=1 --", "\\", "Boulangerie")
    }
    assert found == {
        "quincaillerie": ["Quincaillerie Attaquant"],
        "%": ["100% Bio_Shop"],
        "_": ["100% Bio_Shop"],
        "%_%": [],
        "% b": ["100% Bio_Shop"],
        "' OR '1'='1": [],
        "x' OR 1=1 --": [],
        "\\": [],
        "Boulangerie": [],  # the victim's debtor
    }


def test_sort_keys_and_unknown_parameters_are_refused_by_name(attacker: Tenant) -> None:
    lists = [op for op in authenticated_operations() if op.method == "get" and not op.path_params]
    for op in lists:
        for name in ("sort", "order_by", "name;DROP TABLE debtors"):
            answer = call(attacker.api.client, op, {}, _bearer(attacker), query={name: "name DESC; --"})
            assert answer.status_code == 422 and answer.mimetype == PROBLEM, (op.operation_id, name)
            assert name in [e["field"] for e in answer.json["errors"]], (op.operation_id, answer.json)


def test_every_path_id_takes_payloads(attacker: Tenant, services: Services) -> None:
    targets = [op for op in authenticated_operations() if op.path_params]
    before = fingerprint(services)
    wrong = []
    for op in targets:
        for payload in ("' OR '1'='1", "1 OR 1=1", "../../etc/passwd", "%", "A" * 3000, "é𝕏", "{{7*7}}", "\x00"):
            ids = {name: quote(payload, safe="") for name in (*op.path_params, *BODY_IDS)}
            answer = call(attacker.api.client, op, ids | {"tenant": attacker.tenant_id}, _bearer(attacker))
            if answer.status_code not in (404, 405, 422) or answer.mimetype != PROBLEM:
                wrong.append(f"{op.operation_id} {payload[:12]!r}: {answer.status_code}")
    assert not wrong, "\n".join(wrong[:40])
    assert changed(before, fingerprint(services)) == []


def _case_of(api: Any, debtor: dict[str, Any]) -> tuple[str, str]:
    debtor_id = api.post("/v1/debtors", debtor).json["id"]
    invoice = {"debtor_id": debtor_id, "number": "A-1", "issue_date": "2026-03-01", "due_date": "2026-03-31"}
    invoice_id = api.post("/v1/invoices", {**invoice, "amount_due": "500.00"}).json["id"]
    case = api.post("/v1/cases", {"debtor_id": debtor_id, "invoice_ids": [invoice_id]})
    assert case.status_code == 201, case.json
    return debtor_id, case.json["id"]


def test_template_syntax_in_free_text_is_printed_not_executed(
    attacker: Tenant, victim: Tenant, services: Services
) -> None:
    api = attacker.api
    debtor_id, case_id = _case_of(api, {**ATTACKER_DEBTOR, "name": TEMPLATE})
    assert api.get(f"/v1/debtors/{debtor_id}").json["name"] == TEMPLATE
    dispute = {"raised_on": "2026-05-02", "summary": TEMPLATE}
    assert api.post(f"/v1/cases/{case_id}/disputes", dispute).status_code == 201
    notice = api.post(f"/v1/cases/{case_id}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True})
    assert notice.status_code == 201, notice.json
    pdf = api.client.get(f"/v1/notices/{notice.json['id']}/pdf", headers=api.headers)
    assert pdf.status_code == 200
    text = " ".join(services.text_extractor.extract_text(pdf.data).split()).lower()
    for literal in ("{{7*7}}", "{% raw %}", "${7*7}", "%(x)s", "{0.__class__}", "<b>gras</b>"):
        assert literal.lower() in text, literal
    people = make_people(services, attacker.tenant_id)
    browser = client_of(api)
    sign_in(browser, people["viewer"])
    page = browser.get(f"/app/dossiers/{case_id}").get_data(as_text=True)
    assert "{{7*7}}" in page and "&lt;b&gt;gras&lt;/b&gt;" in page and "<b>gras</b>" not in page
    listing = browser.get("/app/debiteurs", query_string={"q": "{{7*7}}"}).get_data(as_text=True)
    assert "&lt;b&gt;gras&lt;/b&gt;" in listing and "<b>gras</b>" not in listing


def client_of(api: Any) -> Any:
    return api.client.application.test_client()


def test_template_syntax_in_letter_options_is_refused_by_name(attacker: Tenant, services: Services) -> None:
    api = attacker.api
    _, case_id = _case_of(api, ATTACKER_DEBTOR)
    bad = [
        ({"kind": "formal_notice", "deadline_days": "{{7*7}}"}, "deadline_days"),
        ({"kind": "reminder", "tone": "{{7*7}}"}, "tone"),
        ({"kind": "payment_plan", "installments": [{"due_date": "{{7*7}}", "amount": "${7*7}"}]}, "installments"),
        ({"kind": "{{7*7}}"}, "kind"),
        ({"kind": "formal_notice", "template": "{% include '/etc/passwd' %}"}, "template"),
        ({"kind": "formal_notice", "as_of": "{{7*7}}"}, "as_of"),
    ]
    before = fingerprint(services)
    for body, field in bad:
        answer = api.post(f"/v1/cases/{case_id}/notices", {"as_of": "2026-06-30", **body})
        assert answer.status_code == 422 and answer.mimetype == PROBLEM, (body, answer.json)
        fields = [e["field"] for e in answer.json["errors"]]
        assert any(f == field or f.startswith(field + ".") or f.startswith(field + "[") for f in fields), (body, fields)
    assert changed(before, fingerprint(services)) == []
