"""The image's HEALTHCHECK: a ``serve`` container answers ``/healthz``; other roles are healthy while running."""

import os
import sys
import urllib.request
from pathlib import Path

role_file = Path(os.environ.get("TMPDIR", "/tmp"), "notice-role")  # noqa: S108 (written by entrypoint.sh)
role = role_file.read_text().strip() if role_file.exists() else "serve"
if role != "serve":
    sys.exit(0)
url = f"http://127.0.0.1:{os.environ.get('NOTICE_PORT', '8000')}/healthz"
try:
    with urllib.request.urlopen(url, timeout=5) as answer:  # a fixed loopback URL
        sys.exit(0 if answer.status == 200 else 1)
except OSError as error:
    print(f"unhealthy: {url}: {error}", file=sys.stderr)
    sys.exit(1)
