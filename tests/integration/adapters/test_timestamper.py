"""HttpTimeStamper against a real certomancer TSA over HTTP, cross-checked with ``openssl ts -verify``."""

from __future__ import annotations

import hashlib
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from notice_service.adapters.timestamping.rfc3161_timestamper import HttpTimeStamper
from notice_service.errors import TimeStampFailed
from tests.services.tsa import TsaService

pytestmark = pytest.mark.tsa

CHECKPOINT = b"notice-service\n42\nq83vEjRwAjLm2jYkW0y3oZ0Yw1sQbXk2tW6w0XQ6Cvo=\n"


def _dead_url() -> str:
    """A URL on a local port nothing listens on (bound, then released), so connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


def _openssl_verify(tmp_path: Path, data: bytes, token_der: bytes, ca_pem: bytes) -> subprocess.CompletedProcess[str]:
    (tmp_path / "data.bin").write_bytes(data)
    (tmp_path / "token.tst").write_bytes(token_der)
    (tmp_path / "root.pem").write_bytes(ca_pem)
    command = [
        "openssl",
        "ts",
        "-verify",
        "-data",
        "data.bin",
        "-in",
        "token.tst",
        "-token_in",
        "-CAfile",
        "root.pem",
    ]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)


def test_token_is_verified_and_openssl_agrees(tsa: TsaService, tmp_path: Path) -> None:
    stamper = HttpTimeStamper(tsa.url, trust_roots=[tsa.root_pem])

    token = stamper.timestamp(CHECKPOINT)

    assert token.tsa_url == tsa.url
    assert abs(token.gen_time - datetime.now(UTC)) < timedelta(minutes=1)
    assert token.gen_time.tzinfo is not None
    assert token.serial_number > 0
    assert token.certificates_der, "certReq was set, so the TSA certificate travels with the token"
    result = _openssl_verify(tmp_path, CHECKPOINT, token.token_der, tsa.root_pem)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verification: OK" in result.stdout


def test_openssl_rejects_the_token_for_other_bytes(tsa: TsaService, tmp_path: Path) -> None:
    token = HttpTimeStamper(tsa.url, trust_roots=[tsa.root_der]).timestamp(CHECKPOINT)

    result = _openssl_verify(tmp_path, CHECKPOINT + b"x", token.token_der, tsa.root_pem)

    assert result.returncode != 0
    assert "message imprint mismatch" in result.stdout + result.stderr


def test_imprint_is_sha256_of_the_exact_bytes(tsa: TsaService) -> None:
    from asn1crypto import cms

    token = HttpTimeStamper(tsa.url, trust_roots=[tsa.root_der]).timestamp(CHECKPOINT)

    tst_info = cms.ContentInfo.load(token.token_der)["content"]["encap_content_info"]["content"].parsed
    assert tst_info["message_imprint"]["hashed_message"].native == hashlib.sha256(CHECKPOINT).digest()


def test_token_from_a_tsa_outside_the_trust_roots_is_refused(tsa: TsaService) -> None:
    stamper = HttpTimeStamper(tsa.url, trust_roots=[tsa.unrelated_root_der])

    with pytest.raises(TimeStampFailed) as caught:
        stamper.timestamp(CHECKPOINT)

    assert tsa.url in caught.value.detail
    assert "does not chain to a configured trust root" in caught.value.detail


def test_unrelated_tsa_is_refused_under_our_root(tsa: TsaService) -> None:
    with pytest.raises(TimeStampFailed, match="does not chain"):
        HttpTimeStamper(tsa.unrelated_url, trust_roots=[tsa.root_der]).timestamp(CHECKPOINT)


def test_unreachable_tsa_is_named(tsa: TsaService) -> None:
    dead = _dead_url()

    with pytest.raises(TimeStampFailed) as caught:
        HttpTimeStamper(dead, trust_roots=[tsa.root_der], timeout=2).timestamp(CHECKPOINT)

    assert f"TSA {dead} is unreachable" in caught.value.detail
    assert caught.value.extra["tsa_urls"] == [dead]


def test_fails_over_from_a_dead_tsa_to_a_live_one(tsa: TsaService) -> None:
    dead = _dead_url()
    stamper = HttpTimeStamper([dead, tsa.url], trust_roots=[tsa.root_der], timeout=2)

    token = stamper.timestamp(CHECKPOINT)

    assert token.tsa_url == tsa.url


def test_fails_over_from_an_untrusted_tsa_to_a_trusted_one(tsa: TsaService) -> None:
    stamper = HttpTimeStamper([tsa.unrelated_url, tsa.url], trust_roots=[tsa.root_der])

    assert stamper.timestamp(CHECKPOINT).tsa_url == tsa.url
