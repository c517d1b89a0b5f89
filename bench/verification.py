"""The public verification page's speed: ``GET /v/<code>`` (known and unknown codes) and ``POST /v/<code>``
(comparing the signed PDF), among many issued notices.

    PYTHONPATH=. .venv/bin/python bench/verification.py [--notices 100000] [--samples 300]

One real letter is drafted and issued (render, sign, store), then its row is copied ``--notices`` times with
fresh verification codes (``INSERT`` in batches), so the lookup runs against a table of that size. Each figure
is ``--samples`` requests through the Flask test client (routing, the per-address quota, the indexed lookup, the
Jinja page, the headers); the quota is off so that the samples are not refused. On SQLite (the lookup is one
unique-index probe on either database). Also printed: how long making a code takes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import timeit
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.db.models.notices import Notice
from notice_service.domain.verification_codes import grouped, new_code
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api
from tests.functional.notices.test_formal_notice_flow import open_case


def _issue_one(services: Services, client: Any) -> tuple[str, bytes]:
    created = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
    api = Api(client, created.api_key)
    case_id = open_case(api)["case_id"]
    draft = api.post(f"/v1/cases/{case_id}/notices", {"kind": "formal_notice", "as_of": "2026-06-30"}).json
    issued = api.post(f"/v1/notices/{draft['id']}/issue").json
    return issued["id"], api.get(f"/v1/notices/{draft['id']}/pdf").data


def _copy(services: Services, notice_id: str, count: int) -> list[str]:
    """``count`` copies of the issued notice with fresh ids and codes; their codes."""
    with services.db.reading() as session:
        row = session.execute(select(Notice).where(Notice.id == notice_id)).scalar_one()
        template = {c.key: getattr(row, c.key) for c in Notice.__table__.columns}
    codes = []
    for start in range(0, count, 5000):
        batch = []
        for n in range(start, min(count, start + 5000)):
            code = new_code()
            codes.append(code)
            batch.append({**template, "id": f"00000000-0000-4000-8000-{n:012d}", "verification_code": code})
        with services.db.transaction() as session:
            session.execute(insert(Notice), batch)
    return codes


def _figures(label: str, samples: int, request: Callable[[], int], expected: int) -> None:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        status = request()
        times.append((time.perf_counter() - started) * 1000)
        assert status == expected, (label, status)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{label:<44} p50 {statistics.median(times):6.2f} ms   p95 {p95:6.2f} ms   ({samples} requests)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notices", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    print(f"making a code: {timeit.timeit(new_code, number=100_000) * 10:.2f} µs (100 bits from secrets)")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'notice.db'}"
        settings = Settings(data_dir=Path(folder), database_url=url, verification_rate_limit_requests=0)
        services = build_services(settings, clock=FixedClock(NOW))
        client = create_app(services=services).test_client()
        notice_id, pdf = _issue_one(services, client)
        started = time.perf_counter()
        codes = _copy(services, notice_id, args.notices)
        print(f"{args.notices} issued notices copied in {time.perf_counter() - started:.1f} s (SQLite)")
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        pick = random.Random(15).choice

        def known() -> int:
            return int(client.get(f"/v/{grouped(pick(codes))}").status_code)

        def unknown() -> int:
            return int(client.get(f"/v/{grouped(new_code())}").status_code)

        def compare() -> int:
            upload = {"document": (BytesIO(pdf), "courrier.pdf")}
            return int(client.post(f"/v/{grouped(pick(codes))}", data=upload).status_code)

        _figures("GET /v/<code>, known code", args.samples, known, 200)
        _figures("GET /v/<code>, unknown code", args.samples, unknown, 404)
        _figures(
            "GET /v/<code>, malformed code", args.samples, lambda: int(client.get("/v/NOT-A-CODE").status_code), 404
        )
        _figures(f"POST /v/<code>, compare a {len(pdf) // 1024} KiB PDF", args.samples, compare, 200)
        services.db.engine.dispose()


if __name__ == "__main__":
    main()
