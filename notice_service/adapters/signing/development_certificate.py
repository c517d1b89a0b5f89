"""The development signing identity: a throwaway CA and a signing certificate that say so.

The embedded profile (``make run``) signs letters without any real key. On first run this module creates a
self-signed CA and a signing certificate whose subject reads "notice-service DEVELOPMENT certificate — not
for production", so every PDF signed with it carries the warning in its signer name, and writes them as an
unencrypted PKCS#12 (the documented development passphrase is "no passphrase") plus the CA certificate in
PEM, both readable by the owner only. Later runs reuse the files as long as the certificate is still valid.

Nothing here is suitable for production: production settings configure a PKCS#12 file or PKCS#11 token.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEVELOPMENT_MARKER = "DEVELOPMENT"
"""The word that marks a development certificate's subject; ``is_development_subject`` looks for it."""

SIGNER_COMMON_NAME = f"notice-service {DEVELOPMENT_MARKER} certificate — not for production"
CA_COMMON_NAME = f"notice-service {DEVELOPMENT_MARKER} CA — not for production"
PKCS12_NAME = "development-signer.p12"
CA_PEM_NAME = "development-ca.pem"

_CA_LIFETIME = timedelta(days=3650)
_SIGNER_LIFETIME = timedelta(days=825)
_RENEW_BEFORE = timedelta(days=30)


def ensure_development_identity(directory: Path, *, organisation: str) -> Path:
    """Answer the development PKCS#12 under ``directory``, creating it (and the CA PEM) when missing.

    The files are written with mode 0600 and atomically (temporary file then rename), under a lock so that
    several processes starting at once agree on one identity. An identity that no longer loads, or whose
    certificate expires within 30 days, is replaced.
    """
    directory.mkdir(parents=True, exist_ok=True)
    p12_path = directory / PKCS12_NAME
    with _locked(directory / ".development-identity.lock"):
        if _is_usable(p12_path):
            return p12_path
        ca_key, ca_cert = _issue_ca(organisation)
        signer_key, signer_cert = _issue_signer(organisation, ca_key, ca_cert)
        _write_private(directory / CA_PEM_NAME, ca_cert.public_bytes(serialization.Encoding.PEM))
        p12 = pkcs12.serialize_key_and_certificates(
            name=b"notice-service development signer",
            key=signer_key,
            cert=signer_cert,
            cas=[ca_cert],
            encryption_algorithm=serialization.NoEncryption(),
        )
        _write_private(p12_path, p12)
    return p12_path


def is_development_subject(subject: x509.Name) -> bool:
    """True when a certificate subject carries the development marker in its common name."""
    names = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return any(DEVELOPMENT_MARKER in str(attribute.value) for attribute in names)


def _is_usable(p12_path: Path) -> bool:
    if not p12_path.exists():
        return False
    try:
        _, cert, _ = pkcs12.load_key_and_certificates(p12_path.read_bytes(), None)
    except ValueError:
        return False
    return cert is not None and cert.not_valid_after_utc - _RENEW_BEFORE > datetime.now(UTC)


def _issue_ca(organisation: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(CA_COMMON_NAME, organisation)
    now = datetime.now(UTC)
    cert = (
        _builder(name, name, key.public_key(), now, now + _CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _issue_signer(
    organisation: str, ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        _builder(
            _name(SIGNER_COMMON_NAME, organisation),
            ca_cert.subject,
            key.public_key(),
            now,
            now + _SIGNER_LIFETIME,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before - timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not cert_sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write_private(path: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
