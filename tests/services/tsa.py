"""Fixture plugin: a throwaway PKI served over real HTTP by certomancer's animator.

The session-scoped ``tsa`` fixture (``serving_pki``, which the benches call too) generates EC keys with
``cryptography`` and a certomancer YAML configuration in a temporary directory, then serves certomancer's
animator (a WSGI app) with werkzeug on 127.0.0.1 and a free port, in a daemon thread. The PKI:

* ``root`` → ``interm`` (CRL published by the root) → ``tsa`` (critical EKU timeStamping), ``signer``
  (digitalSignature + nonRepudiation) and ``interm-ocsp`` (the OCSP responder for ``interm``);
  ``tsa`` and ``signer`` carry AIA/OCSP and CRL distribution-point URLs pointing at the live server, so
  PAdES B-LT can gather revocation info over HTTP;
* ``unrelated-root`` → ``unrelated-tsa``: a second, independent TSA for negative tests;
* ``interm`` → ``expired-tsa``: a TSA whose certificate was valid from 15 to 5 days ago
  (``TsaService.expired_tsa_valid``). The animator time-stamps at any past moment given in its
  ``X-Certomancer-Fake-Time`` header (``TsaService.expired_tsa_token``), so tests get real tokens whose
  genTime lies inside (or outside) that window: archived tokens whose TSA certificate has since expired.

Nothing is mocked: adapters reach the services through sockets. Start-up takes well under a second.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml  # type: ignore[import-untyped]  # no stubs installed; only safe_dump is used
from asn1crypto import pem, tsp
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

ARCH = "notice-test"
KEY_LABELS = ("root", "interm", "interm-ocsp", "tsa", "signer", "unrelated-root", "unrelated-tsa", "expired-tsa")
EXPIRED_TSA_DAYS = (15, 5)  # valid from 15 days ago until 5 days ago
FAKE_TIME_HEADER = "X-Certomancer-Fake-Time"  # the animator serves "now" as this moment (allow_time_override)


@dataclass(frozen=True)
class TsaService:
    """What tests need from the running PKI: endpoints, trust anchors and a signer identity."""

    url: str
    unrelated_url: str
    base_url: str
    ocsp_url: str
    crl_url: str
    root_pem: bytes
    root_der: bytes
    unrelated_root_pem: bytes
    unrelated_root_der: bytes
    intermediate_pem: bytes
    signer_p12: Path
    directory: Path
    expired_tsa_url: str
    expired_tsa_valid: tuple[datetime, datetime]

    @property
    def root_pem_path(self) -> Path:
        return self.directory / "root.pem"

    def expired_tsa_token(self, data: bytes, at: datetime) -> bytes:
        """A ``TimeStampResp`` (DER) over SHA-256 of ``data`` by ``expired-tsa``, with genTime ``at``, over HTTP."""
        request = tsp.TimeStampReq(
            {
                "version": "v1",
                "message_imprint": {
                    "hash_algorithm": {"algorithm": "sha256"},
                    "hashed_message": hashlib.sha256(data).digest(),
                },
                "nonce": secrets.randbits(63),
                "cert_req": True,
            }
        )
        answer = requests.post(
            self.expired_tsa_url,
            data=request.dump(),
            headers={"Content-Type": "application/timestamp-query", FAKE_TIME_HEADER: at.isoformat()},
            timeout=10,
        )
        answer.raise_for_status()
        return answer.content


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Keep the test output free of one access-log line per OCSP/TSA request."""


class _LateBoundApp:
    """Lets the server bind its port before the PKI (whose URLs embed that port) is built."""

    def __init__(self) -> None:
        self.app: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.app(environ, start_response)


@contextmanager
def serving_pki(directory: Path) -> Iterator[TsaService]:
    """The PKI written to ``directory`` (created if need be) and served over HTTP until the block ends."""
    directory.mkdir(parents=True, exist_ok=True)
    late = _LateBoundApp()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, late, threaded=True, request_handler=_QuietHandler)
    base_url = f"http://127.0.0.1:{server.server_port}"
    config = _write_pki(directory, base_url)
    late.app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    thread = threading.Thread(target=server.serve_forever, name="certomancer-animator", daemon=True)
    thread.start()
    try:
        yield _describe(directory, base_url, config)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TsaService]:
    with serving_pki(tmp_path_factory.mktemp("certomancer")) as service:
        yield service


def _write_pki(directory: Path, base_url: str) -> CertomancerConfig:
    keys = directory / "keys"
    keys.mkdir()
    for label in KEY_LABELS:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (keys / f"{label}.key.pem").write_bytes(pem)
    config_path = directory / "certomancer.yml"
    config_path.write_text(yaml.safe_dump(_pki_config(base_url), sort_keys=False))
    return CertomancerConfig.from_file(str(config_path), key_search_dir=str(directory))


def _describe(directory: Path, base_url: str, config: CertomancerConfig) -> TsaService:
    arch = config.get_pki_arch(ArchLabel(ARCH))
    pems = {}
    for label in ("root", "interm", "unrelated-root"):
        der = arch.get_cert(CertLabel(label)).dump()
        pems[label] = (der, _pem(der))
        (directory / f"{label}.pem").write_bytes(_pem(der))
    signer_p12 = directory / "signer.p12"
    signer_p12.write_bytes(arch.package_pkcs12(CertLabel("signer"), password=None))
    return TsaService(
        url=f"{base_url}/{ARCH}/tsa/tsa",
        unrelated_url=f"{base_url}/{ARCH}/tsa/unrelated-tsa",
        base_url=base_url,
        ocsp_url=f"{base_url}/{ARCH}/ocsp/interm",
        crl_url=f"{base_url}/{ARCH}/crls/root/latest.crl",
        root_pem=pems["root"][1],
        root_der=pems["root"][0],
        unrelated_root_pem=pems["unrelated-root"][1],
        unrelated_root_der=pems["unrelated-root"][0],
        intermediate_pem=pems["interm"][1],
        signer_p12=signer_p12,
        directory=directory,
        expired_tsa_url=f"{base_url}/{ARCH}/tsa/expired-tsa",
        expired_tsa_valid=(
            arch.get_cert(CertLabel("expired-tsa")).not_valid_before,
            arch.get_cert(CertLabel("expired-tsa")).not_valid_after,
        ),
    )


def _pem(der: bytes) -> bytes:
    armored: bytes = pem.armor("CERTIFICATE", der)
    return armored


def _validity(days_before: int, days_after: int) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "valid-from": (now - timedelta(days=days_before)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "valid-to": (now + timedelta(days=days_after)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
    }


def _key_usage(*usages: str) -> dict[str, Any]:
    return {
        "id": "key_usage",
        "critical": True,
        "smart-value": {"schema": "key-usage", "params": list(usages)},
    }


def _ca_extensions(crl_repo: str | None) -> list[dict[str, Any]]:
    extensions: list[dict[str, Any]] = [
        {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
        _key_usage("digital_signature", "key_cert_sign", "crl_sign"),
    ]
    if crl_repo is not None:
        extensions.append(_crl_points(crl_repo))
    return extensions


def _crl_points(repo: str) -> dict[str, Any]:
    return {
        "id": "crl_distribution_points",
        "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [repo]}},
    }


def _ocsp_aia(responder: str) -> dict[str, Any]:
    return {
        "id": "authority_information_access",
        "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": [responder]}},
    }


def _root(label: str) -> dict[str, Any]:
    return {
        "subject": label,
        "issuer": label,
        "authority-key": label,
        "validity": _validity(30, 3650),
        "extensions": _ca_extensions(None),
    }


def _leaf(issuer: str, *extensions: dict[str, Any]) -> dict[str, Any]:
    return {"issuer": issuer, "validity": _validity(10, 365), "extensions": list(extensions)}


def _certificates() -> dict[str, Any]:
    time_stamping = {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]}
    ocsp_signing = {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]}
    revocation = (_crl_points("interm"), _ocsp_aia("interm"))
    return {
        "root": _root("root"),
        "interm": {"issuer": "root", "validity": _validity(20, 1825), "extensions": _ca_extensions("root")},
        "interm-ocsp": _leaf("interm", _key_usage("digital_signature"), ocsp_signing, {"id": "ocsp_no_check"}),
        "tsa": _leaf("interm", _key_usage("digital_signature"), time_stamping, *revocation),
        "signer": _leaf("interm", _key_usage("digital_signature", "non_repudiation"), *revocation),
        "unrelated-root": _root("unrelated-root"),
        "unrelated-tsa": _leaf("unrelated-root", _key_usage("digital_signature"), time_stamping),
        "expired-tsa": {
            "issuer": "interm",
            "validity": _validity(EXPIRED_TSA_DAYS[0], -EXPIRED_TSA_DAYS[1]),
            "extensions": [_key_usage("digital_signature"), time_stamping],
        },
    }


def _services() -> dict[str, Any]:
    return {
        "ocsp": {"interm": {"for-issuer": "interm", "responder-cert": "interm-ocsp", "signing-key": "interm-ocsp"}},
        "crl-repo": {
            "root": {"for-issuer": "root", "signing-key": "root", "simulated-update-schedule": "P90D"},
            "interm": {"for-issuer": "interm", "signing-key": "interm", "simulated-update-schedule": "P30D"},
        },
        "cert-repo": {"root": {"for-issuer": "root", "publish-issued-certs": True}},
        "time-stamping": {
            "tsa": {"signing-key": "tsa", "signing-cert": "tsa", "certs-to-embed": ["interm"]},
            "unrelated-tsa": {"signing-key": "unrelated-tsa", "signing-cert": "unrelated-tsa"},
            "expired-tsa": {"signing-key": "expired-tsa", "signing-cert": "expired-tsa", "certs-to-embed": ["interm"]},
        },
    }


ENTITY_NAMES = {
    "root": "Test Root CA",
    "interm": "Test Intermediate CA",
    "interm-ocsp": "Test OCSP responder",
    "tsa": "Test Time Stamping Authority",
    "signer": "Test Signer",
    "unrelated-root": "Unrelated Root CA",
    "unrelated-tsa": "Unrelated TSA",
    "expired-tsa": "Expired Time Stamping Authority",
}


def _pki_config(base_url: str) -> dict[str, Any]:
    return {
        "external-url-prefix": base_url,
        "keysets": {
            ARCH: {
                "path-prefix": "keys",
                "keys": {label: {"path": f"{label}.key.pem"} for label in KEY_LABELS},
            }
        },
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "FR", "organization-name": "notice-service tests"},
                "entities": {label: {"common-name": name} for label, name in ENTITY_NAMES.items()},
                "certs": _certificates(),
                "services": _services(),
            }
        },
    }
