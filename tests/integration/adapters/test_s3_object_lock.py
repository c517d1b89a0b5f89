"""Object Lock as enforced by a real SeaweedFS, and how ``S3DocumentStore`` relies on it.

The raw boto3 calls check the backend (EVIDENCE.md §2.5: S3-compatible backends vary, so enforcement is
tested, not assumed); the store calls check our translation of what it answers.
"""

from __future__ import annotations

import base64
import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from notice_service.adapters.storage.s3_store import S3DocumentStore
from notice_service.errors import DocumentConflict, StoreUnavailable
from tests.services.seaweed import SeaweedS3

pytestmark = pytest.mark.s3

PDF = b"%PDF-1.7\n% mise en demeure\n%%EOF\n"


def make_store(seaweed: SeaweedS3, bucket: str | None = None, **overrides: object) -> S3DocumentStore:
    settings: dict[str, object] = {
        "bucket": bucket or seaweed.make_bucket(),
        "endpoint_url": seaweed.endpoint_url,
        "region": seaweed.region,
        "access_key": seaweed.access_key,
        "secret_key": seaweed.secret_key,
        "retention_days": {"notice": 30, "evidence": 400},
        "default_retention_days": 1,
    }
    settings.update(overrides)
    return S3DocumentStore(**settings)  # type: ignore[arg-type]


def error_code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


# ------------------------------------------------------------------------- the backend enforces the lock


def test_a_locked_version_cannot_be_deleted(seaweed_s3: SeaweedS3) -> None:
    store = make_store(seaweed_s3)
    stored = store.put(PDF, content_type="application/pdf", document_class="notice")
    client = seaweed_s3.client()
    with pytest.raises(ClientError) as caught:
        client.delete_object(Bucket=store.bucket, Key=stored.key, VersionId=stored.version_id or "")
    assert error_code(caught) == "AccessDenied"
    assert store.get(stored.key) == PDF


def test_compliance_retention_cannot_be_shortened(seaweed_s3: SeaweedS3) -> None:
    store = make_store(seaweed_s3)
    stored = store.put(PDF, content_type="application/pdf", document_class="notice")
    assert stored.retain_until is not None
    with pytest.raises(ClientError) as caught:
        seaweed_s3.client().put_object_retention(
            Bucket=store.bucket,
            Key=stored.key,
            VersionId=stored.version_id or "",
            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": stored.retain_until - timedelta(days=10)},
        )
    assert error_code(caught) == "AccessDenied"
    assert store.stat(stored.key).retain_until == stored.retain_until


def test_a_plain_delete_only_adds_a_delete_marker(seaweed_s3: SeaweedS3) -> None:
    store = make_store(seaweed_s3)
    stored = store.put(PDF, content_type="application/pdf", document_class="notice")
    client = seaweed_s3.client()

    deleted = client.delete_object(Bucket=store.bucket, Key=stored.key)

    assert deleted.get("DeleteMarker") is True
    version = client.get_object(Bucket=store.bucket, Key=stored.key, VersionId=stored.version_id or "")
    assert version["Body"].read() == PDF


def test_an_overwrite_adds_a_version_and_the_store_refuses_it_first(seaweed_s3: SeaweedS3) -> None:
    store = make_store(seaweed_s3)
    key = "audit/tenant-1/segment-000001.jsonl"
    first = store.put(b'{"seq":1}\n', content_type="application/jsonl", document_class="audit", key=key)

    with pytest.raises(DocumentConflict):
        store.put(b'{"seq":666}\n', content_type="application/jsonl", document_class="audit", key=key)

    client = seaweed_s3.client()
    second = client.put_object(Bucket=store.bucket, Key=key, Body=b"overwritten")
    assert second["VersionId"] != first.version_id
    original = client.get_object(Bucket=store.bucket, Key=key, VersionId=first.version_id or "")
    assert original["Body"].read() == b'{"seq":1}\n'


def test_concurrent_writers_of_one_key_leave_one_version(seaweed_s3: SeaweedS3) -> None:
    store = make_store(seaweed_s3)
    key = "audit/tenant-1/segment-000002.jsonl"

    def write(number: int) -> str:
        try:
            store.put(f"{number}\n".encode(), content_type="text/plain", document_class="audit", key=key)
        except DocumentConflict:
            return "conflict"
        return "written"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(write, range(8)))

    versions = seaweed_s3.client().list_object_versions(Bucket=store.bucket, Prefix=key).get("Versions", [])
    assert outcomes.count("written") == 1
    assert len(versions) == 1


# ------------------------------------------------------------------------------ what the store records


def test_the_returned_checksum_is_our_sha256(seaweed_s3: SeaweedS3) -> None:
    store = make_store(seaweed_s3)
    stored = store.put(PDF, content_type="application/pdf", document_class="notice")
    head = seaweed_s3.client().head_object(Bucket=store.bucket, Key=stored.key, ChecksumMode="ENABLED")
    assert base64.b64decode(head["ChecksumSHA256"]) == bytes.fromhex(stored.sha256)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.version_id == head["VersionId"]


@pytest.mark.parametrize(("document_class", "days"), [("notice", 30), ("evidence", 400), ("other", 1)])
def test_retain_until_follows_the_retention_of_the_class(seaweed_s3: SeaweedS3, document_class: str, days: int) -> None:
    store = make_store(seaweed_s3)
    before = datetime.now(UTC)
    stored = store.put(PDF + document_class.encode(), content_type="application/pdf", document_class=document_class)
    after = datetime.now(UTC)

    assert stored.retention_mode == "COMPLIANCE"
    assert stored.retain_until is not None
    assert before + timedelta(days=days) - timedelta(seconds=1) <= stored.retain_until
    assert stored.retain_until <= after + timedelta(days=days)
    head = seaweed_s3.client().head_object(Bucket=store.bucket, Key=stored.key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] == stored.retain_until
    assert store.stat(stored.key) == stored


def test_bytes_not_matching_their_key_are_an_integrity_problem(seaweed_s3: SeaweedS3) -> None:
    store = make_store(seaweed_s3)
    key = "sha256/" + hashlib.sha256(PDF).hexdigest()
    seaweed_s3.client().put_object(
        Bucket=store.bucket, Key=key, Body=b"forged", Metadata={"sha256": hashlib.sha256(PDF).hexdigest()}
    )
    with pytest.raises(StoreUnavailable) as caught:
        store.get(key)
    assert caught.value.extra["problem"] == "integrity"


# --------------------------------------------------------------------------------- failures and health


def test_wrong_credentials_are_store_unavailable_without_leaking_them(seaweed_s3: SeaweedS3) -> None:
    bucket = seaweed_s3.make_bucket()
    store = make_store(seaweed_s3, bucket, secret_key="not-the-secret-" + "x" * 20)
    for call in (
        lambda: store.put(PDF, content_type="application/pdf", document_class="notice"),
        lambda: store.get("sha256/" + hashlib.sha256(PDF).hexdigest()),
        store.check_health,
    ):
        with pytest.raises(StoreUnavailable) as caught:
            call()
        assert caught.value.extra["problem"] == "access-denied"
        assert "NOTICE_S3_SECRET_KEY" in caught.value.detail
        assert seaweed_s3.access_key not in str(caught.value)
        assert "not-the-secret" not in str(caught.value)


def test_check_health_passes_on_a_locked_bucket(seaweed_s3: SeaweedS3) -> None:
    make_store(seaweed_s3).check_health()


def test_check_health_refuses_a_bucket_without_object_lock(seaweed_s3: SeaweedS3) -> None:
    store = make_store(seaweed_s3, seaweed_s3.make_bucket(object_lock=False))
    with pytest.raises(StoreUnavailable) as caught:
        store.check_health()
    assert caught.value.extra["problem"] == "object-lock-missing"


def test_check_health_refuses_a_missing_bucket(seaweed_s3: SeaweedS3) -> None:
    store = make_store(seaweed_s3, "no-such-bucket-here")
    with pytest.raises(StoreUnavailable) as caught:
        store.check_health()
    assert caught.value.extra["problem"] == "bucket-missing"


def test_an_unreachable_endpoint_is_store_unavailable() -> None:
    store = S3DocumentStore(bucket="documents", endpoint_url="http://127.0.0.1:9", access_key="a", secret_key="b")
    with pytest.raises(StoreUnavailable) as caught:
        store.check_health()
    assert caught.value.extra["problem"] == "unreachable"
