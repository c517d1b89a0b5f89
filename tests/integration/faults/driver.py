"""The process a crash test kills: ``python -m tests.integration.faults.driver OPERATION …``.

It builds the services from the ``NOTICE_*`` environment (``NOTICE_FAULT_POINT`` among them, armed by the
composition root as in production code) with a fixed clock at ``FAULTS_NOW``, runs one operation and prints its
outcome as one JSON line. Operations:

* ``request METHOD PATH BODY API_KEY [IDEMPOTENCY_KEY]``: one API request through the Flask app;
* ``worker``: drain the outbox (``worker.run_until_idle``);
* ``checkpoint TENANT_ID``: checkpoint the tenant's audit log;
* ``dossier CASE_ID``: export the case's dossier as the CLI operator does.

When the armed point is reached the process exits with ``faults.FAULT_EXIT`` before printing anything.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.services import Services
from notice_service.settings import load_settings


def _request(services: Services, method: str, path: str, body: str, api_key: str, key: str | None) -> Any:
    from notice_service.app import create_app

    headers = {"Authorization": f"Bearer {api_key}", **({"Idempotency-Key": key} if key else {})}
    with create_app(services=services).test_client() as client:
        response = client.open(path, method=method, json=json.loads(body), headers=headers)
        return {"status": response.status_code, "body": response.get_json(silent=True)}


def _dossier(services: Services, case_id: str) -> Any:
    from notice_service.use_cases.actor import Actor
    from notice_service.use_cases.dossier.archive import case_tenant
    from notice_service.use_cases.dossier.export import ExportRequest, export_dossier

    operator = Actor(case_tenant(services, case_id), "operator", "cli")
    exported = export_dossier(services, operator, ExportRequest(case_id, None, None, None), None)
    return {"dossier_id": exported.dossier_id, "sha256": exported.sha256}


def run(services: Services, operation: str, args: Sequence[str]) -> Any:
    if operation == "request":
        return _request(services, args[0], args[1], args[2], args[3], args[4] if len(args) > 4 else None)
    if operation == "worker":
        from notice_service.worker import run_until_idle

        return {"handled": run_until_idle(services)}
    if operation == "checkpoint":
        from notice_service.use_cases.audit.checkpoint import checkpoint_log

        return {"size": checkpoint_log(services, args[0]).size}
    if operation == "dossier":
        return _dossier(services, args[0])
    raise SystemExit(f"unknown operation {operation!r}")


def main(argv: Sequence[str]) -> int:
    clock = FixedClock(datetime.fromisoformat(os.environ["FAULTS_NOW"]))
    services = build_services(load_settings(), clock=clock)
    try:
        print(json.dumps(run(services, argv[0], argv[1:])))
    finally:
        services.db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
