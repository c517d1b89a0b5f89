"""Text extraction with poppler's ``pdftotext`` (C, in its own process): the fast path for completeness checks.

Running in a separate process also lets the use case extract while pyHanko signs on the other core.
``PypdfTextExtractor`` is the pure-Python twin used where poppler is not installed.
"""

from __future__ import annotations

import shutil
import subprocess

from notice_service.errors import ConfigurationError, RenderFailed

_TIMEOUT_SECONDS = 60


class PdftotextExtractor:
    def __init__(self, executable: str | None = None) -> None:
        found = executable or shutil.which("pdftotext")
        if found is None:
            raise ConfigurationError("pdftotext (poppler-utils) is not installed")
        self._executable = found

    def extract_text(self, pdf: bytes) -> str:
        try:
            result = subprocess.run(  # noqa: S603 - fixed executable, no shell, our own bytes on stdin
                [self._executable, "-q", "-enc", "UTF-8", "-", "-"],
                input=pdf,
                capture_output=True,
                check=True,
                timeout=_TIMEOUT_SECONDS,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise RenderFailed(f"The PDF's text could not be read by pdftotext: {exc}") from exc
        return result.stdout.decode("utf-8", errors="replace")


def best_text_extractor() -> PdftotextExtractor | None:
    """poppler's extractor when ``pdftotext`` is on the PATH, else ``None`` (use the pypdf twin)."""
    try:
        return PdftotextExtractor()
    except ConfigurationError:
        return None
