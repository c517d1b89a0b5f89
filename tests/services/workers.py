"""``notice-service`` child processes for the tests and the benches: this checkout on ``PYTHONPATH``, every
inherited ``NOTICE_*`` variable dropped (a child sees only what the test gives it), then the settings that locate
the data (database, data directory, store) and the caller's extra variables.

``start_worker(settings, name, **extra)`` starts ``python -m notice_service.cli worker`` logging to
``<data_dir>/<name>.log``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from notice_service.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def inherited_env() -> dict[str, str]:
    """This process's environment without its ``NOTICE_*`` variables, with this checkout on ``PYTHONPATH``."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("NOTICE_")}
    return {**kept, "PYTHONPATH": str(REPO)}


def notice_env(settings: Settings) -> dict[str, str]:
    """The ``NOTICE_*`` variables that put a child on the same data as ``settings``: database, data directory,
    retention and store (with the S3 bucket, endpoint and credentials when the store is S3)."""
    env = {
        "NOTICE_DATABASE_URL": settings.database_url,
        "NOTICE_DATA_DIR": str(settings.data_dir),
        "NOTICE_RETENTION_DAYS": str(settings.retention_days),
        "NOTICE_STORE": settings.store,
    }
    if settings.store == "s3":
        env |= {
            "NOTICE_S3_BUCKET": str(settings.s3_bucket),
            "NOTICE_S3_ENDPOINT_URL": str(settings.s3_endpoint_url),
            "NOTICE_S3_ACCESS_KEY": str(settings.s3_access_key),
            "NOTICE_S3_SECRET_KEY": str(settings.s3_secret_key),
        }
    return env


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The whole environment of a child process on ``settings``' data, then ``extra``."""
    return {**inherited_env(), **notice_env(settings), **extra}


def start_worker(settings: Settings, name: str, **extra: str) -> subprocess.Popen[bytes]:
    """``notice-service worker`` on ``settings``' data, its output in ``<data_dir>/<name>.log``."""
    with (settings.data_dir / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "notice_service.cli", "worker"],
            cwd=REPO,
            env=child_env(settings, **extra),
            stdout=log,
            stderr=log,
        )
