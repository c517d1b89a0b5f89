"""The ``notice-service`` command as an operator runs it: a real process on a real data directory."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NOTICE_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "notice_service.cli", *args], capture_output=True, text=True, env=env, check=False
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "var"
    first = run_cli(folder, "init")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().startswith("API key: nsk_")
    again = run_cli(folder, "init")
    assert again.stdout == first.stdout, "init is idempotent and prints the same demo key"
    return folder


def test_tenants_create_prints_json_and_audit_verify_passes(data_dir: Path) -> None:
    created = run_cli(data_dir, "tenants", "create", "--name", "Atelier Durand SARL", "--siren", "404833048", "--json")
    assert created.returncode == 0, created.stderr
    body = json.loads(created.stdout)
    assert set(body) == {"tenant_id", "api_key"} and body["api_key"].startswith("nsk_")
    verified = run_cli(data_dir, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "2 tenant logs verified" in verified.stdout


def test_tenants_create_refuses_a_bad_siren(data_dir: Path) -> None:
    refused = run_cli(data_dir, "tenants", "create", "--name", "X", "--siren", "404833049")
    assert refused.returncode == 1
    assert "siren" in refused.stderr and "check digit" in refused.stderr


def test_audit_verify_names_the_first_tampered_record(data_dir: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "var"
    subprocess.run(["cp", "-r", str(data_dir), str(tampered)], check=True)
    with sqlite3.connect(tampered / "notice.db") as db:
        (canonical,) = db.execute('SELECT canonical FROM audit_records WHERE "index" = 1 LIMIT 1').fetchone()
        db.execute(
            "UPDATE audit_records SET canonical = ? WHERE canonical = ?",
            (canonical.replace(b"api_key:created", b"api_key:deleted"), canonical),
        )
    result = run_cli(tampered, "audit", "verify")
    assert result.returncode != 0
    assert "record 1" in result.stderr, result.stderr


def test_webhooks_inbound_secret_is_printed_once_and_authenticates_provider_events(data_dir: Path) -> None:
    from datetime import UTC, datetime

    from standardwebhooks.webhooks import Webhook

    from notice_service.app import create_app
    from notice_service.bootstrap import build_services
    from notice_service.settings import Settings

    tenant = json.loads(run_cli(data_dir, "tenants", "create", "--name", "A", "--siren", "404833048", "--json").stdout)
    made = run_cli(data_dir, "webhooks", "inbound-secret", "--tenant", tenant["tenant_id"])
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("whsec_") and "shown once" in made.stdout
    unknown = run_cli(data_dir, "webhooks", "inbound-secret", "--tenant", "no-such-tenant")
    assert unknown.returncode == 1 and "No tenant" in unknown.stderr

    services = build_services(Settings(data_dir=data_dir))
    try:
        client = create_app(services=services).test_client()
        body, now = '{"events": []}', datetime.now(UTC)
        answers = []
        for key in (secret, "whsec_" + "B" * 44):
            headers = {"webhook-id": "msg_cli", "webhook-timestamp": str(int(now.timestamp()))}
            headers["webhook-signature"] = Webhook(key).sign("msg_cli", now, body)
            path = f"/v1/providers/webhook/events?tenant={tenant['tenant_id']}"
            answers.append(client.post(path, data=body, headers=headers, content_type="application/json").status_code)
        assert answers == [422, 401]  # the printed secret passes the signature check; the body is then refused
    finally:
        services.db.engine.dispose()
