"""Checks that do not trust the adapters' own code: poppler's ``pdfsig``, ``qpdf --check``, ``openssl ts`` and
``openssl cms``, run as subprocesses; tests using one are skipped when its binary is missing (``make test``
installs them)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def needs(binary: str) -> pytest.MarkDecorator:
    """Names the independent checker a test runs. ``make test`` installs every one (Makefile APT_PACKAGES), so
    a missing binary fails the test instead of skipping it: a skip would hide a missing install step."""
    return pytest.mark.needs_binary(binary)


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, timeout=60)


# ------------------------------------------------------------------------------------------------ PDF


def pdfsig_blocks(directory: Path, pdf: bytes) -> list[str]:
    """``pdfsig -nocert`` (no NSS trust store: it checks each signature's integrity, not its trust), one text
    block per signature, in file order."""
    path = directory / "signed.pdf"
    path.write_bytes(pdf)
    result = run(["pdfsig", "-nocert", str(path)], directory)
    return ["Signature #" + block for block in (result.stdout + result.stderr).split("Signature #")[1:]]


def qpdf_check(directory: Path, pdf: bytes) -> subprocess.CompletedProcess[str]:
    path = directory / "checked.pdf"
    path.write_bytes(pdf)
    return run(["qpdf", "--check", str(path)], directory)


# ------------------------------------------------------------------------------------------------ OpenSSL


def openssl_ts_verify(
    directory: Path, data: bytes, evidence: bytes, ca_pem: bytes, *, token_only: bool
) -> subprocess.CompletedProcess[str]:
    """``openssl ts -verify`` of ``evidence`` (a bare token when ``token_only``, else a ``TimeStampResp``) over
    ``data``, trusting only ``ca_pem``."""
    (directory / "data.bin").write_bytes(data)
    (directory / "evidence.der").write_bytes(evidence)
    (directory / "ca.pem").write_bytes(ca_pem)
    command = ["openssl", "ts", "-verify", "-data", "data.bin", "-in", "evidence.der", "-CAfile", "ca.pem"]
    return run([*command, "-token_in"] if token_only else command, directory)


def openssl_ts_verified(result: subprocess.CompletedProcess[str]) -> bool:
    return result.returncode == 0 and "Verification: OK" in result.stdout


def openssl_cms_verify(
    directory: Path, data: bytes, signature: bytes, ca_pem: bytes
) -> subprocess.CompletedProcess[str]:
    """``openssl cms -verify`` of a detached DER signature over exactly ``data`` (``-binary``: no MIME
    canonicalisation), trusting only ``ca_pem``: intermediates must travel in the signature."""
    (directory / "content.bin").write_bytes(data)
    (directory / "signature.der").write_bytes(signature)
    (directory / "ca.pem").write_bytes(ca_pem)
    command = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "signature.der"]
    return run([*command, "-content", "content.bin", "-CAfile", "ca.pem", "-out", "/dev/null"], directory)


def openssl_cms_verified(result: subprocess.CompletedProcess[str]) -> bool:
    return result.returncode == 0 and "Verification successful" in result.stderr
