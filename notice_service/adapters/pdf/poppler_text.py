"""Text extraction with poppler's ``pdftotext`` (in its own process): a twin of the PDFium extractor.

It passes the same contract suite (``tests/contract/test_text_extractor_contract.py``) and is what the
``VERIFY.md`` instructions use by hand; the service uses PDFium, which needs no process per letter.
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
