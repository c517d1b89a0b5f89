"""The ``ManifestSigner`` contract: what the dossier export relies on when it signs ``manifest.json``, for every
signer.

``MANIFEST_SIGNERS`` holds one entry per implementation and identity: today the detached CMS signer with the
development identity (CA → signer) and with the certomancer signer (root → intermediate → signer, marked ``tsa``
because that PKI comes with the TSA fixture). An HSM signer joins by adding an entry. The signature is checked
with ``openssl cms -verify -binary``, as the dossier's ``VERIFY.md`` tells a recipient to, trusting the root alone,
and read with asn1crypto:

* ``sign_detached(data)`` is a DER ``ContentInfo`` holding a SignedData without the content, by one signer, over
  SHA-256 of exactly ``data`` (any bytes, empty included), with the signer's certificate and chain included;
* openssl verifies it over ``data`` and refuses it over any other bytes, or under another root;
* ``certificate_sha256()`` is the SHA-256 of the signing certificate in the signature, in lowercase hex;
* what is not bytes is a ``SigningFailed``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from notice_service.adapters.signing.cms_manifest_signer import CmsManifestSigner
from notice_service.adapters.signing.development_certificate import CA_PEM_NAME, ensure_development_identity
from notice_service.errors import SigningFailed
from notice_service.ports import ManifestSigner
from tests.contract.independent_checks import needs, openssl_cms_verified, openssl_cms_verify
from tests.services.tsa import TsaService

MANIFEST = (
    b'{"case_reference": "D-2026-0042", "files": [{"path": "bordereau.pdf", "sha256": "9f86d08188"}],\n'
    b' "note": "r\xc3\xa9ception \xe2\x80\x94 d\xc3\xa9lai"}\r\n'
)


@dataclass(frozen=True)
class Identity:
    """A signer and the root a recipient trusts, PEM."""

    signer: ManifestSigner
    root_pem: bytes


def _development(request: pytest.FixtureRequest, directory: Path) -> Identity:
    p12 = ensure_development_identity(directory, organisation="ACME Recouvrement")
    return Identity(CmsManifestSigner.from_pkcs12(p12, None), (directory / CA_PEM_NAME).read_bytes())


def _certomancer(request: pytest.FixtureRequest, _directory: Path) -> Identity:
    tsa: TsaService = request.getfixturevalue("tsa")
    return Identity(CmsManifestSigner.from_pkcs12(tsa.signer_p12, None), tsa.root_pem)


MANIFEST_SIGNERS: dict[str, Callable[[pytest.FixtureRequest, Path], Identity]] = {
    "cms-development-identity": _development,
    "cms-certomancer-signer": _certomancer,
}
NEEDS_TSA = {"cms-certomancer-signer"}


@pytest.fixture(
    scope="module",
    params=[pytest.param(n, marks=pytest.mark.tsa) if n in NEEDS_TSA else n for n in sorted(MANIFEST_SIGNERS)],
)
def identity(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Identity:
    return MANIFEST_SIGNERS[request.param](request, tmp_path_factory.mktemp("manifest-identity"))


@pytest.fixture(scope="module")
def signature(identity: Identity) -> bytes:
    return identity.signer.sign_detached(MANIFEST)


@pytest.fixture(scope="module")
def unrelated_root_pem() -> bytes:
    """A self-signed CA that issued nothing here."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Unrelated CA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def _signed_data(signature: bytes) -> cms.SignedData:
    content_info = cms.ContentInfo.load(signature)
    assert content_info["content_type"].native == "signed_data"
    signed_data: cms.SignedData = content_info["content"]
    return signed_data


def _signer_certificate(signed_data: cms.SignedData) -> cms.Certificate:
    (signer_info,) = signed_data["signer_infos"]
    sid = signer_info["sid"].chosen
    (certificate,) = (
        choice.chosen
        for choice in signed_data["certificates"]
        if choice.chosen.issuer == sid["issuer"] and choice.chosen.serial_number == sid["serial_number"].native
    )
    return certificate


# ------------------------------------------------------------------------------------------------ structure


def test_the_signature_is_a_detached_signed_data_in_der(signature: bytes) -> None:
    signed_data = _signed_data(signature)

    assert cms.ContentInfo.load(signature).dump() == signature, "DER: it re-encodes to the same bytes"
    assert signed_data["encap_content_info"]["content_type"].native == "data"
    assert signed_data["encap_content_info"]["content"].native is None, "detached: the manifest is not inside"
    assert [a["algorithm"].native for a in signed_data["digest_algorithms"]] == ["sha256"]


def test_it_signs_sha256_of_exactly_the_data(signature: bytes) -> None:
    (signer_info,) = _signed_data(signature)["signer_infos"]
    attributes = {a["type"].native: a["values"] for a in signer_info["signed_attrs"]}

    assert signer_info["digest_algorithm"]["algorithm"].native == "sha256"
    assert attributes["message_digest"][0].native == hashlib.sha256(MANIFEST).digest()
    assert attributes["content_type"][0].native == "data"


def test_the_certificate_sha256_is_the_signers_certificate(identity: Identity, signature: bytes) -> None:
    certificate = _signer_certificate(_signed_data(signature))

    assert re.fullmatch(r"[0-9a-f]{64}", identity.signer.certificate_sha256())
    assert identity.signer.certificate_sha256() == hashlib.sha256(certificate.dump()).hexdigest()


def test_the_certificate_sha256_is_stable_across_signatures(identity: Identity, signature: bytes) -> None:
    again = identity.signer.sign_detached(MANIFEST + b" ")

    assert (
        identity.signer.certificate_sha256()
        == hashlib.sha256(_signer_certificate(_signed_data(again)).dump()).hexdigest()
    )
    assert _signer_certificate(_signed_data(again)).dump() == _signer_certificate(_signed_data(signature)).dump()


# ------------------------------------------------------------------------------------------------ openssl


@needs("openssl")
def test_openssl_verifies_it_over_the_data_trusting_the_root_alone(
    identity: Identity, signature: bytes, tmp_path: Path
) -> None:
    result = openssl_cms_verify(tmp_path, MANIFEST, signature, identity.root_pem)

    assert openssl_cms_verified(result), result.stderr


OTHER_DATA: dict[str, Callable[[bytes], bytes]] = {
    "one-bit-flipped": lambda data: data[:10] + bytes([data[10] ^ 0x01]) + data[11:],
    "one-byte-appended": lambda data: data + b"\n",
    "last-byte-removed": lambda data: data[:-1],
    "line-ends-canonicalised": lambda data: data.replace(b"\r\n", b"\n"),
    "empty": lambda _data: b"",
}


@needs("openssl")
@pytest.mark.parametrize("change", sorted(OTHER_DATA))
def test_openssl_refuses_it_over_other_data(identity: Identity, signature: bytes, tmp_path: Path, change: str) -> None:
    result = openssl_cms_verify(tmp_path, OTHER_DATA[change](MANIFEST), signature, identity.root_pem)

    assert not openssl_cms_verified(result)
    assert "verification failure" in result.stderr, result.stderr


@needs("openssl")
def test_openssl_refuses_it_under_another_root(signature: bytes, unrelated_root_pem: bytes, tmp_path: Path) -> None:
    result = openssl_cms_verify(tmp_path, MANIFEST, signature, unrelated_root_pem)

    assert not openssl_cms_verified(result)
    assert "certificate verify error" in result.stderr, result.stderr


@needs("openssl")
@pytest.mark.parametrize("data", [b"", bytes(range(256)) * 64], ids=["empty", "every-byte-value"])
def test_any_bytes_are_signed_over_exactly_themselves(identity: Identity, tmp_path: Path, data: bytes) -> None:
    signature = identity.signer.sign_detached(data)

    assert openssl_cms_verified(openssl_cms_verify(tmp_path, data, signature, identity.root_pem))
    assert not openssl_cms_verified(openssl_cms_verify(tmp_path, data + b"x", signature, identity.root_pem))


# ------------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param(MANIFEST.decode(), id="str"),
        pytest.param(None, id="None"),
        pytest.param(42, id="int"),
    ],
)
def test_what_is_not_bytes_is_a_signing_failure(identity: Identity, wrong: object) -> None:
    with pytest.raises(SigningFailed):
        identity.signer.sign_detached(wrong)  # type: ignore[arg-type]
