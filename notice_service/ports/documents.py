"""The WORM document store: content-addressed and named objects, retention, streaming."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol


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

    def keys(self) -> list[str]:
        """Every stored object's key, sorted (``store sweep`` looks for objects no row refers to)."""
        ...
