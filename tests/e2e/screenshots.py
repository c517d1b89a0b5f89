"""Regenerate the README's screenshots (``docs/pages/*.png``) from the browser journey:

    .venv/bin/python tests/e2e/screenshots.py

It runs ``tests/e2e/test_journey.py`` with ``NOTICE_SCREENSHOTS`` pointing at ``docs/pages``, so each picture
is the page the journey's checks just passed on (fixed clock: the pictures only change when the pages do).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    target = ROOT / "docs" / "pages"
    env = {**os.environ, "NOTICE_SCREENSHOTS": str(target), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/e2e/test_journey.py"]
    done = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if done.returncode == 0:
        for picture in sorted(target.glob("*.png")):
            print(f"{picture.relative_to(ROOT)}  {picture.stat().st_size} bytes")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
