"""Streaming stored objects in and out of the document stores, in fixed chunks, checked against their SHA-256.

Owns ``digest_file`` (the SHA-256 and size of a file on disk, read in chunks, so ``put_file`` can choose its
content address before writing and send S3 its checksum) and ``verified_reader``, the stream every store's
``open`` answers: it hashes what it passes on and, on the read that completes the object, raises
``StoreUnavailable`` (``problem: integrity``) instead of answering the last bytes when the whole differs from
the recorded SHA-256 or size. A consumer that forwards each chunk as it gets it (a download) therefore never
delivers a complete copy of altered bytes: the receiver sees a body shorter than its ``Content-Length``.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import BinaryIO, Protocol

from notice_service.errors import StoreUnavailable

CHUNK = 1024 * 1024


class Readable(Protocol):
    """What a store reads an object from: a file, or botocore's ``StreamingBody``."""

    def read(self, size: int, /) -> bytes: ...

    def close(self) -> None: ...


def digest_file(path: Path) -> tuple[bytes, int]:
    """The SHA-256 (raw digest) and size of the file at ``path``, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.digest(), size


class _VerifiedRaw(io.RawIOBase):
    """The raw layer of ``verified_reader``: counts and hashes what ``source`` gives before passing it on."""

    def __init__(self, source: Readable, sha256: str, size: int, where: str) -> None:
        self._source = source
        self._expected = (sha256, size)
        self._where = where
        self._digest = hashlib.sha256()
        self._seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        sha256, size = self._expected
        data = self._source.read(min(len(buffer), size - self._seen + 1))  # one byte more reveals a longer object
        self._digest.update(data)
        self._seen += len(data)
        if self._seen > size:
            raise self._integrity("holds more bytes than its recorded size")
        if not data and self._seen < size:
            raise self._integrity("holds fewer bytes than its recorded size")
        complete = self._seen == size and (bool(data) or size == 0)
        if complete and self._digest.hexdigest() != sha256:
            raise self._integrity("no longer matches its SHA-256")
        memoryview(buffer)[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._source.close()
        finally:
            super().close()

    def _integrity(self, problem: str) -> StoreUnavailable:
        return StoreUnavailable(
            f"integrity problem: the object {self._where} {problem}", extra={"problem": "integrity", "key": self._where}
        )


def verified_reader(source: Readable, sha256: str, size: int, where: str) -> BinaryIO:
    """``source`` as a buffered binary stream checked against ``sha256`` and ``size``; closing it closes ``source``.

    ``where`` names the object in the error (its key).
    """
    return io.BufferedReader(_VerifiedRaw(source, sha256, size, where), CHUNK)
