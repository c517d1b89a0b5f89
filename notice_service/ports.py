"""The ports: small Protocols the use cases depend on, and the value types that cross them.

Adapters in ``notice_service.adapters`` implement these (``FileSystemDocumentStore``, ``S3DocumentStore``,
``WeasyPrintRenderer``, ``PyHankoSigner`` ...). Each port has one contract suite under ``tests/contract/``
that every implementation, real or in-memory twin, passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

# --------------------------------------------------------------------------------------------- clock


class Clock(Protocol):
    """The only source of "now": timezone-aware UTC, so every legal computation is reproducible."""

    def now(self) -> datetime: ...


# ------------------------------------------------------------------------------------ document store


@dataclass(frozen=True)
class StoredObject:
    """What the store answers for one written (or looked-up) object.

    ``key`` is ``sha256/<hex>`` for content-addressed documents. ``version_id`` and ``retain_until`` are
    set by stores that version and lock (S3 Object Lock); the filesystem store leaves them ``None``.
    """

    key: str
    sha256: str
    size: int
    content_type: str
    backend: str
    version_id: str | None = None
    retain_until: datetime | None = None
    retention_mode: str | None = None


class DocumentStore(Protocol):
    """Write-once, content-addressed storage of documents and evidence.

    ``put`` stores ``data`` under ``sha256/<hex of data>`` unless an explicit write-once ``key`` is given
    (used for audit mirror segments). Writing the same bytes again is a no-op answering the existing object;
    writing different bytes under an existing key raises ``DocumentConflict``. ``document_class`` selects the
    retention period (e.g. ``notice``, ``evidence``, ``audit``).
    """

    def put(
        self,
        data: bytes,
        *,
        content_type: str,
        document_class: str,
        key: str | None = None,
    ) -> StoredObject: ...

    def put_file(
        self,
        path: Path,
        *,
        content_type: str,
        document_class: str,
        key: str | None = None,
    ) -> StoredObject:
        """``put`` for the file at ``path``, streamed in chunks (never read whole into memory); same keys, same
        write-once rules."""
        ...

    def get(self, key: str) -> bytes:
        """The object's bytes; ``DocumentNotFound`` when absent."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The object's bytes as a stream to read in chunks and close; ``DocumentNotFound`` when absent. The read
        that completes the object raises ``StoreUnavailable`` (integrity) if the whole differs from its SHA-256."""
        ...

    def stat(self, key: str) -> StoredObject:
        """The object's metadata; ``DocumentNotFound`` when absent."""
        ...

    def check_health(self) -> None:
        """Raise ``StoreUnavailable`` when the store cannot be used (unreachable, not locked as configured)."""
        ...


# ------------------------------------------------------------------------------------------ renderer


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF/A-3 output (``AFRelationship`` Data or Source)."""

    filename: str
    data: bytes
    mime_type: str
    description: str
    relationship: str = "Data"


@dataclass(frozen=True)
class LetterRequest:
    """Everything needed to render one letter: template kind/variant and the frozen context."""

    kind: str
    variant: str
    context: Mapping[str, object]
    title: str
    attachments: Sequence[Attachment] = ()
    language: str = "fr"
    preview: bool = False


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    template_digest: str
    page_count: int


class Renderer(Protocol):
    """Turns a ``LetterRequest`` into PDF/A-3b bytes with embedded fonts and attachments."""

    def render(self, request: LetterRequest) -> RenderedLetter: ...

    def template_digest(self, kind: str, variant: str) -> str:
        """SHA-256 over the template folder's files (names and bytes), stable across machines."""
        ...


# -------------------------------------------------------------------------------------------- signer


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


# -------------------------------------------------------------------------------------- time stamper


@dataclass(frozen=True)
class TimeStampToken:
    """An RFC 3161 token over some bytes, already verified against the TSA's trust anchors."""

    token_der: bytes
    gen_time: datetime
    tsa_url: str
    serial_number: int
    certificates_der: Sequence[bytes] = field(default_factory=tuple)


class TimeStamper(Protocol):
    def timestamp(self, data: bytes) -> TimeStampToken: ...


# -------------------------------------------------------------------------------- delivery and mail


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    body: str
    attachments: Sequence[Attachment] = ()


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> str:
        """Send and answer the Message-ID."""
        ...


# ------------------------------------------------------------------------------------ text extraction


class PdfTextExtractor(Protocol):
    """The text a reader sees in a PDF, used to check mandatory mentions on the final bytes."""

    def extract_text(self, pdf: bytes) -> str: ...
