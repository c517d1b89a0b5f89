"""Detached CMS (PKCS #7 SignedData) signatures over the dossier manifest with the service's signing identity.

The identity is the PKCS#12 that signs the notices' PDFs (``NOTICE_SIGNING_P12``), or the embedded profile's
development identity. The signature is DER, detached, binary (no MIME canonicalisation), SHA-256, with the
signer certificate and its chain included, so ``openssl cms -verify -binary -inform DER -content manifest.json``
checks it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7, pkcs12

from notice_service.errors import ConfigurationError, SigningFailed

_OPTIONS = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]


class CmsManifestSigner:
    def __init__(
        self,
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
        certificate: x509.Certificate,
        chain: list[x509.Certificate],
    ) -> None:
        self._key = key
        self._certificate = certificate
        self._chain = chain

    @classmethod
    def from_pkcs12(cls, path: Path, passphrase: bytes | None) -> CmsManifestSigner:
        try:
            key, certificate, chain = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase)
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"Cannot load the signing identity from {path}: {exc}") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) or certificate is None:
            raise ConfigurationError(f"{path}: the signing identity needs an EC or RSA key and its certificate.")
        return cls(key, certificate, list(chain))

    def sign_detached(self, data: bytes) -> bytes:
        if not isinstance(data, bytes):
            raise SigningFailed(f"The dossier manifest to sign must be bytes, not {type(data).__name__}.")
        builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(self._certificate, self._key, hashes.SHA256())
        for extra in self._chain:
            builder = builder.add_certificate(extra)
        try:
            return builder.sign(Encoding.DER, _OPTIONS)
        except ValueError as exc:
            raise SigningFailed(f"Could not sign the dossier manifest: {exc}") from exc

    def certificate_sha256(self) -> str:
        return hashlib.sha256(self._certificate.public_bytes(Encoding.DER)).hexdigest()
