"""Writing a dossier's ZIP from its layout, one stored object at a time.

Each entry is streamed from the document store into the ZIP in chunks, its SHA-256 checked against the layout
as it goes, so memory stays bounded by the chunk size, whatever the size and number of the exhibits. The ZIP
is deterministic (stored, not deflated; fixed time, mode and system), so the same layout always gives the same
bytes: that is how a dossier exported before its ZIP was stored is rebuilt and checked against its audited
SHA-256. Member names are checked safe (``domain/zip_names``: relative, ``/`` only, no ``..``, no control
characters) before anything is written.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from notice_service.domain.zip_names import is_safe_member_name
from notice_service.errors import Conflict
from notice_service.faults import crash_point
from notice_service.ports import DocumentStore

CHUNK = 1024 * 1024
_ZIP64_THRESHOLD = 2**31 - 1


@dataclass(frozen=True)
class ZipEntry:
    path: str
    key: str
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "key": self.key, "sha256": self.sha256, "size": self.size}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ZipEntry:
        return cls(str(value["path"]), str(value["key"]), str(value["sha256"]), int(value["size"]))


class DossierIntegrityError(Conflict):
    """A stored part of a dossier no longer has the bytes its layout names (or the ZIP its audited hash)."""

    type_slug = "dossier-integrity"
    title = "Dossier integrity"


def _zip_info(entry: ZipEntry, zip_time: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    if not is_safe_member_name(entry.path):  # the layout names its members with safe_member_name
        raise ValueError(f"unsafe ZIP member name {entry.path!r}")
    info = zipfile.ZipInfo(entry.path, date_time=zip_time)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    info.file_size = entry.size
    return info


def write_zip(
    store: DocumentStore, entries: Sequence[ZipEntry], out: IO[bytes], zip_time: tuple[int, int, int, int, int, int]
) -> None:
    """Write the ZIP of ``entries`` (in order) to ``out``, opened for reading too (``w+b``) and seekable."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for entry in entries:
            digest, size = hashlib.sha256(), 0
            info = _zip_info(entry, zip_time)
            with (
                store.open(entry.key) as source,
                archive.open(info, "w", force_zip64=entry.size > _ZIP64_THRESHOLD) as target,
            ):
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    target.write(chunk)
            if size != entry.size or digest.hexdigest() != entry.sha256:
                raise DossierIntegrityError(f"The stored copy of {entry.path} ({entry.key}) has changed.")
            crash_point("mid-dossier-zip")


def file_digest(out: IO[bytes]) -> tuple[str, int]:
    """SHA-256 and size of a file written so far (read back in chunks from the start)."""
    out.flush()
    out.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := out.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    out.seek(0)
    return digest.hexdigest(), size
