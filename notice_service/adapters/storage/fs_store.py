"""The filesystem document store (embedded profile) and the key rules every document store shares.

Owns: how a document key is chosen and validated (``sha256/<hex>`` content addresses, explicit write-once
keys such as ``audit/<tenant>/segment-000001.jsonl``) and ``FileSystemDocumentStore``, which keeps each
object write-once on local disk.

Layout under ``root``: a content address ``sha256/<hex>`` lives at ``sha256/<hex[0:2]>/<hex[2:4]>/<hex>``;
an explicit key lives at its own path; the metadata of each object is a JSON sidecar at the same path under
``.meta/`` with ``.json`` appended. Keys never contain a segment starting with ``.``, so temporary files
(``.tmp-*``) and the ``.meta`` tree can never be mistaken for an object.

Crash safety: every file is written to a temporary file in its final directory, fsynced, made read-only
and then hard-linked to its final name; ``os.link`` fails when the name exists, so a concurrent writer of
the same key never replaces or sees half a file, and a crash leaves at most an unreferenced ``.tmp-*``
file. The object is linked before its sidecar, and an object counts as stored only once its sidecar
exists, so a crash between the two leaves an invisible orphan that the next ``put`` completes. ``put_file``
copies a file into the temporary file in chunks the same way; ``open`` streams an object back, checked against
its SHA-256 as it is read (``object_streams``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, BinaryIO

from notice_service.adapters.storage.object_streams import CHUNK, digest_file, verified_reader
from notice_service.errors import (
    DocumentConflict,
    DocumentNotFound,
    FieldError,
    InvalidInput,
    StoreUnavailable,
)
from notice_service.ports import Clock, StoredObject

CONTENT_PREFIX = "sha256/"
MAX_KEY_LENGTH = 1024
_KEY_CHARSET = re.compile(r"[A-Za-z0-9._/-]+")
_CONTENT_KEY = re.compile(r"sha256/[0-9a-f]{64}")
_READ_ONLY = 0o444
_META_DIR = ".meta"


# ------------------------------------------------------------------------------------------ key rules


def content_key(data: bytes) -> str:
    """The content address of ``data``: ``sha256/<lowercase hex>``."""
    return CONTENT_PREFIX + hashlib.sha256(data).hexdigest()


def is_content_key(key: str) -> bool:
    return _CONTENT_KEY.fullmatch(key) is not None


def validate_key(key: str) -> str:
    """Return ``key`` when it is a safe relative object key, else raise ``InvalidInput``.

    Allowed: ``[A-Za-z0-9._/-]``, at most 1024 characters, non-empty segments separated by ``/``, none of
    them starting with ``.`` (which also rules out ``.`` and ``..``), no leading ``/``.
    """
    problem = _key_problem(key)
    if problem is not None:
        raise InvalidInput(
            f"invalid document key {key[:80]!r}: {problem}",
            errors=[FieldError("key", problem)],
        )
    return key


def _key_problem(key: str) -> str | None:
    if not key:
        return "the key is empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"the key is longer than {MAX_KEY_LENGTH} characters"
    if _KEY_CHARSET.fullmatch(key) is None:
        return "use only letters, digits and . _ / -"
    if key.startswith("/"):
        return "the key must be relative (no leading /)"
    for segment in key.split("/"):
        if not segment:
            return "the key has an empty segment (// or a trailing /)"
        if segment.startswith("."):
            return "no key segment may start with '.' (this also forbids '..')"
    return None


def resolve_key(data: bytes, key: str | None) -> str:
    """The key ``data`` is stored under: its content address, or the validated explicit ``key``.

    Explicit keys may not live under ``sha256`` unless they equal the content address of ``data``, so the
    content-addressed namespace always means what it says.
    """
    return resolve_address(content_key(data), key)


def resolve_address(address: str, key: str | None) -> str:
    """``resolve_key`` for data whose content address (``sha256/<hex>``) is already known."""
    if key is None:
        return address
    validate_key(key)
    if (key == "sha256" or key.startswith(CONTENT_PREFIX)) and key != address:
        raise InvalidInput(
            f"key {key[:80]!r} is in the content-addressed namespace but is not the SHA-256 of the data",
            errors=[FieldError("key", "keys under sha256/ must be sha256/<hex of the data>")],
        )
    return key


def check_key(key: str) -> str:
    """Validate a key given to ``get``/``stat``: an invalid key can hold no object."""
    if _key_problem(key) is not None:
        raise DocumentNotFound(f"no document under key {key[:80]!r} (not a valid key)")
    return key


# --------------------------------------------------------------------------------------------- store


@dataclass(frozen=True)
class _Sidecar:
    """The metadata JSON written next to (under ``.meta/``) each object."""

    key: str
    sha256: str
    size: int
    content_type: str
    document_class: str
    created_at: str

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> _Sidecar:
        fields = json.loads(raw)
        return cls(**{name: fields[name] for name in cls.__dataclass_fields__})


class FileSystemDocumentStore:
    """Write-once documents on a local filesystem (the embedded profile; no retention enforcement)."""

    backend = "fs"

    def __init__(self, root: Path, *, clock: Clock | None = None) -> None:
        self.root = Path(root)
        self._clock = clock

    # ------------------------------------------------------------------------------------- the port

    def put(
        self,
        data: bytes,
        *,
        content_type: str,
        document_class: str,
        key: str | None = None,
    ) -> StoredObject:
        key = resolve_key(data, key)
        self._require_root()
        digest = hashlib.sha256(data).hexdigest()
        return self._store(data, _Sidecar(key, digest, len(data), content_type, document_class, self._now()))

    def put_file(
        self,
        path: Path,
        *,
        content_type: str,
        document_class: str,
        key: str | None = None,
    ) -> StoredObject:
        digest, size = digest_file(path)
        key = resolve_address(CONTENT_PREFIX + digest.hex(), key)
        self._require_root()
        return self._store(path, _Sidecar(key, digest.hex(), size, content_type, document_class, self._now()))

    def open(self, key: str) -> BinaryIO:
        sidecar = self._require(check_key(key))
        try:
            source = self._object_path(key).open("rb")
        except OSError as exc:
            raise self._unavailable("read", exc) from exc
        return verified_reader(source, sidecar.sha256, sidecar.size, key)

    def get(self, key: str) -> bytes:
        sidecar = self._require(check_key(key))
        try:
            data = self._object_path(key).read_bytes()
        except OSError as exc:
            raise self._unavailable("read", exc) from exc
        if hashlib.sha256(data).hexdigest() != sidecar.sha256:
            raise StoreUnavailable(
                f"integrity problem: the bytes stored under {key!r} no longer match their SHA-256",
                extra={"problem": "integrity", "key": key},
            )
        return data

    def stat(self, key: str) -> StoredObject:
        return _stored_object(self._require(check_key(key)))

    def check_health(self) -> None:
        self._require_root()
        probe = self.root / f".health-{uuid.uuid4().hex}"
        try:
            with probe.open("xb") as handle:
                handle.write(b"ok")
                handle.flush()
                os.fsync(handle.fileno())
            probe.unlink()
        except OSError as exc:
            raise self._unavailable("write a probe file to", exc) from exc

    # ----------------------------------------------------------------------------------- internals

    def _store(self, content: bytes | Path, sidecar: _Sidecar) -> StoredObject:
        """Link the object (``content``: its bytes or a file to copy), then its sidecar; answer what is stored."""
        key = sidecar.key
        try:
            self._put_object(key, content, sidecar.sha256)
            _write_once(self._sidecar_path(key), sidecar.to_bytes(), self.root)
            stored = self._read_sidecar(key)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, FileExistsError) as exc:
            raise DocumentConflict(f"key {key!r} collides with the path of another stored key") from exc
        except OSError as exc:
            raise self._unavailable("write", exc) from exc
        return _stored_object(stored)

    def _put_object(self, key: str, content: bytes | Path, digest: str) -> None:
        """Link the object file unless it exists; an existing file must hold the same bytes."""
        path = self._object_path(key)
        if _write_once(path, content, self.root, digest):
            return
        existing = digest_file(path)[0].hex()
        if existing == digest:
            return
        if is_content_key(key):
            raise StoreUnavailable(
                f"integrity problem: the file for {key!r} does not match its SHA-256",
                extra={"problem": "integrity", "key": key},
            )
        raise DocumentConflict(f"key {key!r} already holds different bytes; stored documents are write-once")

    def keys(self) -> list[str]:
        """Every object file's key (content addresses folded back to ``sha256/<hex>``), sorted; temporary
        ``.tmp-*`` files and the ``.meta`` tree are not objects."""
        self._require_root()
        found = []
        for path in self.root.rglob("*"):
            relative = path.relative_to(self.root)
            if path.is_dir() or relative.parts[0] == _META_DIR or path.name.startswith(".tmp-"):
                continue
            is_content = relative.parts[0] == "sha256" and len(relative.parts) == 4
            found.append(f"{CONTENT_PREFIX}{path.name}" if is_content else relative.as_posix())
        return sorted(found)

    def _require_root(self) -> None:
        if not self.root.is_dir():
            raise StoreUnavailable(
                f"document store root {self.root} does not exist or is not a directory; "
                "create it (notice-service init) or fix NOTICE_DATA_DIR"
            )

    def _require(self, key: str) -> _Sidecar:
        try:
            return self._read_sidecar(key)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise DocumentNotFound(f"no document under key {key!r}") from exc
        except OSError as exc:
            raise self._unavailable("read", exc) from exc

    def _read_sidecar(self, key: str) -> _Sidecar:
        return _Sidecar.from_bytes(self._sidecar_path(key).read_bytes())

    def _object_path(self, key: str) -> Path:
        if is_content_key(key):
            hex_digest = key.removeprefix(CONTENT_PREFIX)
            return self.root / "sha256" / hex_digest[:2] / hex_digest[2:4] / hex_digest
        return self.root / key

    def _sidecar_path(self, key: str) -> Path:
        relative = self._object_path(key).relative_to(self.root)
        return self.root / _META_DIR / f"{relative}.json"

    def _now(self) -> str:
        now = self._clock.now() if self._clock is not None else datetime.now(UTC)
        return now.astimezone(UTC).isoformat()

    def _unavailable(self, action: str, exc: OSError) -> StoreUnavailable:
        reason = exc.strerror or type(exc).__name__
        return StoreUnavailable(
            f"cannot {action} the document store under {self.root}: {reason}; "
            "check that the directory exists, is writable by the service and has free space",
        )


def _stored_object(sidecar: _Sidecar) -> StoredObject:
    return StoredObject(
        key=sidecar.key,
        sha256=sidecar.sha256,
        size=sidecar.size,
        content_type=sidecar.content_type,
        backend=FileSystemDocumentStore.backend,
    )


def _write_once(path: Path, content: bytes | Path, root: Path, sha256: str | None = None) -> bool:
    """Create ``path`` holding ``content`` (bytes, or a file's), read-only, atomically; ``False`` when ``path``
    already exists. A file is copied in chunks and must still have the SHA-256 ``sha256`` it was addressed by."""
    _make_directories(path.parent, root)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            _fill(handle, content, sha256)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _READ_ONLY)
        try:
            os.link(temporary, path)
        except FileExistsError:
            if path.is_dir():
                raise
            return False
        _fsync_directory(path.parent)
        return True
    finally:
        os.unlink(temporary)


def _fill(handle: IO[bytes], content: bytes | Path, sha256: str | None) -> None:
    if isinstance(content, bytes):
        handle.write(content)
        return
    digest = hashlib.sha256()
    with content.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            handle.write(chunk)
    if digest.hexdigest() != sha256:
        raise StoreUnavailable(f"the file {content} changed while it was being stored; store it again")


def _make_directories(directory: Path, root: Path) -> None:
    """Create ``directory`` and its missing parents below ``root``, fsyncing each new entry's parent."""
    missing: list[Path] = []
    current = directory
    while current != root and not current.is_dir():
        missing.append(current)
        current = current.parent
    for new_directory in reversed(missing):
        new_directory.mkdir(exist_ok=True)
        _fsync_directory(new_directory.parent)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
