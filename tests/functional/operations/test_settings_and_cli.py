"""The operations settings refuse bad values by name, and ``notice-service ready`` answers like ``/readyz``.

The CLI runs as a subprocess of this checkout (``sys.executable -m notice_service.cli`` with ``cwd`` and
``PYTHONPATH`` at the repository root), on a temporary embedded profile.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from notice_service.errors import ConfigurationError
from notice_service.settings import load_settings

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "name,value,named",
    [
        ("NOTICE_WEB_SERVER", "uwsgi", "NOTICE_WEB_SERVER"),
        ("NOTICE_WEB_SERVER", "", "NOTICE_WEB_SERVER"),
        ("NOTICE_LOG_LEVEL", "loud", "NOTICE_LOG_LEVEL"),
        ("NOTICE_WORKER_METRICS_PORT", "70000", "NOTICE_WORKER_METRICS_PORT"),
        ("NOTICE_WORKER_METRICS_PORT", "-1", "NOTICE_WORKER_METRICS_PORT"),
        ("NOTICE_WORKER_METRICS_PORT", "nine", "NOTICE_WORKER_METRICS_PORT"),
    ],
)
def test_bad_operations_settings_are_refused_by_name(name: str, value: str, named: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings({name: value})
    assert named in refused.value.detail


def test_operations_settings_are_read() -> None:
    settings = load_settings(
        {
            "NOTICE_WEB_SERVER": "gunicorn",
            "NOTICE_LOG_LEVEL": "debug",
            "NOTICE_METRICS_TOKEN": "t0k",
            "NOTICE_WORKER_METRICS_PORT": "9100",
            "NOTICE_GUNICORN_CONFIG": "/etc/notice-service/gunicorn.conf.py",
        }
    )
    assert (settings.web_server, settings.log_level, settings.worker_metrics_port) == ("gunicorn", "debug", 9100)
    assert settings.metrics_token == "t0k" and "t0k" not in repr(settings)
    assert settings.gunicorn_config == Path("/etc/notice-service/gunicorn.conf.py")
    assert load_settings({}).metrics_token is None and load_settings({}).web_server == "waitress"


def cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "NOTICE_DATA_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-m", "notice_service.cli", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_ready_command(tmp_path: Path) -> None:
    ready = cli(tmp_path, "ready")
    assert ready.returncode == 0, ready.stderr
    assert ready.stdout.splitlines() == ["database: ok", "store: ok"]
    dead = f"postgresql+psycopg://notice:x@127.0.0.1:{closed_port()}/notice"
    down = cli(tmp_path, "ready", NOTICE_DATABASE_URL=dead, NOTICE_PROFILE="embedded")
    assert down.returncode == 1, down.stderr
    assert down.stdout.startswith("database: cannot query the database: OperationalError")
    assert "Traceback" not in down.stderr


def test_serve_refuses_a_missing_gunicorn_configuration(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.conf.py"
    refused = cli(tmp_path, "serve", NOTICE_WEB_SERVER="gunicorn", NOTICE_GUNICORN_CONFIG=str(missing))
    assert refused.returncode == 2
    assert str(missing) in refused.stderr and "NOTICE_GUNICORN_CONFIG" in refused.stderr
