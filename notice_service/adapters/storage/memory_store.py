"""The in-memory document store: a twin of the real stores for fast use-case tests.

Owns ``InMemoryDocumentStore``, which keeps objects in a dict with the same semantics as the filesystem
and S3 stores (content addressing, the shared key rules, write-once, conflicts, not-found); it passes the
same contract suite (``tests/contract/test_document_store_contract.py``).
"""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path
from typing import BinaryIO

from notice_service.adapters.storage.fs_store import check_key, resolve_key
from notice_service.errors import DocumentConflict, DocumentNotFound
from notice_service.ports import StoredObject


class InMemoryDocumentStore:
    """Write-once documents in process memory; thread-safe; lost when the process ends."""

    backend = "memory"

    def __init__(self) -> None:
        self._objects: dict[str, tuple[bytes, StoredObject]] = {}
        self._lock = threading.Lock()

    def put(
        self,
        data: bytes,
        *,
        content_type: str,
        document_class: str,
        key: str | None = None,
    ) -> StoredObject:
        key = resolve_key(data, key)
        stored = StoredObject(
            key=key,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            content_type=content_type,
            backend=self.backend,
        )
        with self._lock:
            existing = self._objects.get(key)
            if existing is None:
                self._objects[key] = (bytes(data), stored)
                return stored
        if existing[1].sha256 != stored.sha256:
            raise DocumentConflict(f"key {key!r} already holds different bytes; stored documents are write-once")
        return existing[1]

    def put_file(
        self,
        path: Path,
        *,
        content_type: str,
        document_class: str,
        key: str | None = None,
    ) -> StoredObject:
        """Read whole: the twin keeps every object in memory anyway."""
        return self.put(path.read_bytes(), content_type=content_type, document_class=document_class, key=key)

    def get(self, key: str) -> bytes:
        return self._lookup(key)[0]

    def open(self, key: str) -> BinaryIO:
        return io.BytesIO(self._lookup(key)[0])

    def stat(self, key: str) -> StoredObject:
        return self._lookup(key)[1]

    def check_health(self) -> None:
        """Always healthy: memory is always writable."""

    def keys(self) -> list[str]:
        """Every stored key, sorted (for assertions in tests)."""
        with self._lock:
            return sorted(self._objects)

    def _lookup(self, key: str) -> tuple[bytes, StoredObject]:
        with self._lock:
            found = self._objects.get(check_key(key))
        if found is None:
            raise DocumentNotFound(f"no document under key {key!r}")
        return found
