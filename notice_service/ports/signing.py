"""Signatures: PAdES letters, Ed25519 checkpoints of the audit log, detached CMS over dossier manifests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


@dataclass(frozen=True)
class SignatureFacts:
    """What was signed, by whom, at which PAdES level (``B-B``, ``B-T``, ``B-LT``, ``B-LTA``)."""

    level: str
    signer_subject: str
    signer_certificate_sha256: str
    signing_time: datetime
    timestamp_time: datetime | None = None
    development_certificate: bool = False


@dataclass(frozen=True)
class SignedPdf:
    pdf: bytes
    facts: SignatureFacts


class Signer(Protocol):
    """Signs a PDF (PAdES, invisible signature, incremental update)."""

    def sign(self, pdf: bytes, *, reason: str, location: str | None = None) -> SignedPdf: ...


class CheckpointSigner(Protocol):
    """Signs C2SP checkpoint bodies as signed notes with one Ed25519 key (a file today, an HSM later)."""

    @property
    def key_name(self) -> str: ...

    def public_key(self) -> Ed25519PublicKey: ...

    def sign_note(self, body: bytes) -> bytes:
        """The signed note: ``body``, a blank line and this key's signature line."""
        ...


class ManifestSigner(Protocol):
    """Signs bytes with the service's signing identity (the PKCS#12 that signs the notices' PDFs)."""

    def sign_detached(self, data: bytes) -> bytes:
        """A DER ``ContentInfo`` (CMS SignedData) over ``data``, without the content, certificates included."""
        ...

    def certificate_sha256(self) -> str:
        """SHA-256 of the signer certificate (DER), hex: to compare out of band."""
        ...
