"""The ``DocumentStore`` contract: the same assertions against every implementation.

``store`` is parametrised over the filesystem store, the in-memory twin and the S3 Object Lock store on a
real SeaweedFS (marked ``s3``; a fresh locked bucket per test).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from notice_service.adapters.storage.fs_store import FileSystemDocumentStore
from notice_service.adapters.storage.memory_store import InMemoryDocumentStore
from notice_service.adapters.storage.s3_store import S3DocumentStore
from notice_service.errors import DocumentConflict, DocumentNotFound, InvalidInput, StoreUnavailable
from notice_service.ports import DocumentStore
from tests.services.seaweed import SeaweedS3

PDF = b"%PDF-1.7\n% a letter\n%%EOF\n"


@pytest.fixture(params=["fs", "memory", pytest.param("s3", marks=pytest.mark.s3)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DocumentStore]:
    if request.param == "fs":
        yield FileSystemDocumentStore(tmp_path)
        return
    if request.param == "memory":
        yield InMemoryDocumentStore()
        return
    seaweed: SeaweedS3 = request.getfixturevalue("seaweed_s3")
    yield S3DocumentStore(
        bucket=seaweed.make_bucket(),
        endpoint_url=seaweed.endpoint_url,
        region=seaweed.region,
        access_key=seaweed.access_key,
        secret_key=seaweed.secret_key,
        retention_days={"notice": 2},
        default_retention_days=1,
    )


def test_put_then_get_round_trips(store: DocumentStore) -> None:
    stored = store.put(PDF, content_type="application/pdf", document_class="notice")
    assert store.get(stored.key) == PDF
    assert stored.size == len(PDF)
    assert stored.content_type == "application/pdf"


def test_key_is_the_sha256_of_the_bytes(store: DocumentStore) -> None:
    stored = store.put(PDF, content_type="application/pdf", document_class="notice")
    assert stored.key == "sha256/" + hashlib.sha256(PDF).hexdigest()
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()


def test_same_bytes_twice_answer_the_same_object(store: DocumentStore) -> None:
    first = store.put(PDF, content_type="application/pdf", document_class="notice")
    second = store.put(PDF, content_type="application/pdf", document_class="notice")
    assert second == first


def test_same_bytes_under_an_explicit_key_twice_answer_the_same_object(store: DocumentStore) -> None:
    key = "audit/tenant-1/segment-000001.jsonl"
    first = store.put(b'{"seq":1}\n', content_type="application/jsonl", document_class="audit", key=key)
    second = store.put(b'{"seq":1}\n', content_type="application/jsonl", document_class="audit", key=key)
    assert first == second
    assert first.key == key
    assert store.get(key) == b'{"seq":1}\n'


def test_different_bytes_under_an_existing_key_conflict(store: DocumentStore) -> None:
    key = "audit/tenant-1/segment-000001.jsonl"
    store.put(b'{"seq":1}\n', content_type="application/jsonl", document_class="audit", key=key)
    with pytest.raises(DocumentConflict):
        store.put(b'{"seq":2}\n', content_type="application/jsonl", document_class="audit", key=key)
    assert store.get(key) == b'{"seq":1}\n'


@pytest.mark.parametrize("key", ["sha256/" + "0" * 64, "audit/tenant-1/missing.jsonl"])
def test_missing_keys_are_not_found(store: DocumentStore, key: str) -> None:
    with pytest.raises(DocumentNotFound):
        store.get(key)
    with pytest.raises(DocumentNotFound):
        store.stat(key)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../escape",
        "audit/../../escape",
        "audit/./x",
        "audit//x",
        "audit/x/",
        ".hidden",
        "audit/with space",
        "audit/é",
        "audit\\x",
        "a" * 1025,
        "sha256/" + "0" * 64,
        "sha256",
    ],
)
def test_invalid_explicit_keys_are_rejected(store: DocumentStore, key: str) -> None:
    with pytest.raises(InvalidInput):
        store.put(PDF, content_type="application/pdf", document_class="notice", key=key)


def test_an_explicit_key_equal_to_the_content_address_is_accepted(store: DocumentStore) -> None:
    address = "sha256/" + hashlib.sha256(PDF).hexdigest()
    assert store.put(PDF, content_type="application/pdf", document_class="notice", key=address).key == address


def test_get_of_an_invalid_key_is_not_found(store: DocumentStore) -> None:
    with pytest.raises(DocumentNotFound):
        store.get("../../etc/passwd")


def test_stat_matches_what_put_answered(store: DocumentStore) -> None:
    stored = store.put(PDF, content_type="application/pdf", document_class="notice")
    assert store.stat(stored.key) == stored


def test_keys_lists_every_object_once_and_nothing_else(store: DocumentStore) -> None:
    assert store.keys() == []
    content = store.put(PDF, content_type="application/pdf", document_class="notice")
    named = store.put(b"segment", content_type="text/plain", document_class="audit", key="audit/t1/segment-1")
    store.put(PDF, content_type="application/pdf", document_class="notice")  # the same bytes: still one object
    assert store.keys() == sorted([content.key, named.key])


def test_check_health_passes(store: DocumentStore) -> None:
    store.check_health()


def test_binary_data_with_every_byte_value_round_trips(store: DocumentStore) -> None:
    data = bytes(range(256)) * 17 + b"\r\n\x00"
    stored = store.put(data, content_type="application/octet-stream", document_class="evidence")
    assert store.get(stored.key) == data
    assert store.stat(stored.key).size == len(data)


def test_an_empty_object_round_trips(store: DocumentStore) -> None:
    stored = store.put(b"", content_type="application/octet-stream", document_class="evidence")
    assert stored.key == "sha256/" + hashlib.sha256(b"").hexdigest()
    assert stored.size == 0
    assert store.get(stored.key) == b""
    assert store.stat(stored.key).size == 0


# ------------------------------------------------------------ streaming: put_file and open, same rules


def big_file(directory: Path, name: str = "big.bin", seed: bytes = b"a") -> Path:
    """A little over 3 MiB (not a multiple of any chunk size), every byte value present."""
    path = directory / name
    path.write_bytes((seed + bytes(range(256))) * (3 * 4096 + 7) + b"tail")
    return path


def read_streamed(store: DocumentStore, key: str) -> bytes:
    with store.open(key) as stream:
        return b"".join(iter(lambda: stream.read(65536), b""))


def test_put_file_then_open_round_trips_a_multi_megabyte_file(store: DocumentStore, tmp_path: Path) -> None:
    path = big_file(tmp_path)
    data = path.read_bytes()
    stored = store.put_file(path, content_type="application/zip", document_class="dossier")
    assert stored.key == "sha256/" + hashlib.sha256(data).hexdigest()
    assert (stored.sha256, stored.size, stored.content_type) == (
        hashlib.sha256(data).hexdigest(),
        len(data),
        "application/zip",
    )
    assert read_streamed(store, stored.key) == data
    assert store.get(stored.key) == data
    assert store.stat(stored.key) == stored


def test_put_file_of_the_same_bytes_twice_answers_the_same_object_as_put(store: DocumentStore, tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(PDF)
    first = store.put_file(path, content_type="application/pdf", document_class="notice")
    second = store.put_file(path, content_type="application/pdf", document_class="notice")
    assert second == first == store.put(PDF, content_type="application/pdf", document_class="notice")


def test_put_file_of_different_bytes_under_an_existing_key_conflicts(store: DocumentStore, tmp_path: Path) -> None:
    key = "audit/tenant-1/segment-000001.jsonl"
    store.put_file(
        big_file(tmp_path, "one.bin", b"1"), content_type="application/jsonl", document_class="audit", key=key
    )
    with pytest.raises(DocumentConflict):
        store.put_file(
            big_file(tmp_path, "two.bin", b"2"), content_type="application/jsonl", document_class="audit", key=key
        )
    assert read_streamed(store, key) == (tmp_path / "one.bin").read_bytes()


def test_put_file_refuses_a_content_address_that_is_not_the_files(store: DocumentStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        store.put_file(
            big_file(tmp_path), content_type="application/zip", document_class="dossier", key="sha256/" + "0" * 64
        )


def test_an_empty_file_round_trips_through_put_file_and_open(store: DocumentStore, tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    stored = store.put_file(path, content_type="application/octet-stream", document_class="evidence")
    assert (stored.key, stored.size) == ("sha256/" + hashlib.sha256(b"").hexdigest(), 0)
    assert read_streamed(store, stored.key) == b""


@pytest.mark.parametrize("key", ["sha256/" + "0" * 64, "audit/tenant-1/missing.jsonl", "../../etc/passwd"])
def test_open_of_a_missing_key_is_not_found(store: DocumentStore, key: str) -> None:
    with pytest.raises(DocumentNotFound):
        store.open(key)


# ------------------------------------------------ filesystem specifics: layout, read-only, crash safety


def test_fs_store_fans_content_addresses_out_and_makes_files_read_only(tmp_path: Path) -> None:
    stored = FileSystemDocumentStore(tmp_path).put(PDF, content_type="application/pdf", document_class="notice")
    hex_digest = stored.sha256
    path = tmp_path / "sha256" / hex_digest[:2] / hex_digest[2:4] / hex_digest
    assert path.read_bytes() == PDF
    assert path.stat().st_mode & 0o777 == 0o444
    assert stored.backend == "fs"


def test_fs_store_ignores_and_survives_a_leftover_temporary_file(tmp_path: Path) -> None:
    """A crash mid-write leaves a ``.tmp-*`` file: it is never an object and never blocks a put."""
    store = FileSystemDocumentStore(tmp_path)
    hex_digest = hashlib.sha256(PDF).hexdigest()
    directory = tmp_path / "sha256" / hex_digest[:2] / hex_digest[2:4]
    directory.mkdir(parents=True)
    (directory / ".tmp-crashed").write_bytes(PDF[:5])
    with pytest.raises(DocumentNotFound):
        store.get(f"sha256/{hex_digest}")
    with pytest.raises(DocumentNotFound):
        store.get(f"sha256/{hex_digest[:2]}/{hex_digest[2:4]}/.tmp-crashed")

    stored = store.put(PDF, content_type="application/pdf", document_class="notice")

    assert store.get(stored.key) == PDF
    assert (directory / ".tmp-crashed").read_bytes() == PDF[:5]


def test_fs_store_completes_an_object_whose_sidecar_a_crash_lost(tmp_path: Path) -> None:
    """Object linked, crash before the sidecar: invisible until the next put of the same bytes."""
    store = FileSystemDocumentStore(tmp_path)
    hex_digest = hashlib.sha256(PDF).hexdigest()
    directory = tmp_path / "sha256" / hex_digest[:2] / hex_digest[2:4]
    directory.mkdir(parents=True)
    (directory / hex_digest).write_bytes(PDF)
    with pytest.raises(DocumentNotFound):
        store.stat(f"sha256/{hex_digest}")

    stored = store.put(PDF, content_type="application/pdf", document_class="notice")

    assert store.stat(stored.key) == stored


def test_fs_store_reports_bytes_changed_on_disk_as_an_integrity_problem(tmp_path: Path) -> None:
    store = FileSystemDocumentStore(tmp_path)
    stored = store.put(b"a", content_type="text/plain", document_class="audit", key="audit/t/one.jsonl")
    path = tmp_path / "audit" / "t" / "one.jsonl"
    path.chmod(0o644)
    path.write_bytes(b"b")
    with pytest.raises(StoreUnavailable) as caught:
        store.get(stored.key)
    assert caught.value.extra["problem"] == "integrity"


def test_fs_store_refuses_a_key_nested_under_an_existing_object(tmp_path: Path) -> None:
    store = FileSystemDocumentStore(tmp_path)
    store.put(b"a", content_type="text/plain", document_class="audit", key="audit/t")
    with pytest.raises(DocumentConflict):
        store.put(b"b", content_type="text/plain", document_class="audit", key="audit/t/x")
    with pytest.raises(DocumentNotFound):
        store.get("audit")


def test_fs_store_health_fails_without_its_root(tmp_path: Path) -> None:
    store = FileSystemDocumentStore(tmp_path / "missing")
    with pytest.raises(StoreUnavailable):
        store.check_health()
    with pytest.raises(StoreUnavailable):
        store.put(PDF, content_type="application/pdf", document_class="notice")


def test_fs_store_concurrent_writers_of_one_key_all_answer_the_same_object(tmp_path: Path) -> None:
    store = FileSystemDocumentStore(tmp_path)
    data = bytes(range(256)) * 4096
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(
                lambda _: store.put(data, content_type="application/pdf", document_class="notice"),
                range(16),
            )
        )
    assert len(set(results)) == 1
    assert store.get(results[0].key) == data


@pytest.mark.parametrize("change", [b"X", b""], ids=["same-size", "appended"])
def test_fs_store_open_refuses_to_complete_a_stream_of_altered_bytes(tmp_path: Path, change: bytes) -> None:
    """The read completing an altered object raises, so a download forwarding chunks never delivers it whole."""
    store = FileSystemDocumentStore(tmp_path / "store")
    (tmp_path / "store").mkdir()
    stored = store.put_file(big_file(tmp_path), content_type="application/zip", document_class="dossier")
    hex_digest = stored.sha256
    path = tmp_path / "store" / "sha256" / hex_digest[:2] / hex_digest[2:4] / hex_digest
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    if change:
        data[-1:] = change
    else:
        data += b"extra"
    path.write_bytes(bytes(data))
    delivered = bytearray()
    with pytest.raises(StoreUnavailable) as caught, store.open(stored.key) as stream:
        while chunk := stream.read(65536):
            delivered += chunk
    assert caught.value.extra["problem"] == "integrity"
    assert len(delivered) < stored.size
