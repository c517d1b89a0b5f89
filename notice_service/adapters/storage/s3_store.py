"""The S3 Object Lock document store (production profile), via boto3.

Owns ``S3DocumentStore`` (write-once, content-addressed objects, each version locked in the configured
mode until now + the retention of its document class), ``build_s3_client`` and ``create_locked_bucket``
(used by ``notice-service init`` and the tests), and the translation of botocore errors into ours.

Object Lock protects *versions*, not keys (EVIDENCE.md §2.5): S3 itself would accept a second version
under a key, so ``put`` refuses different bytes before writing (HEAD, then a conditional PUT with
``If-None-Match: *`` where the backend supports it). ``check_health`` proves the lock is enforced by
failing to delete a canary version, because some S3-compatible backends accept lock settings and then
delete anyway (SeaweedFS #7194). ``put_file`` streams a file in one PUT with its SHA-256 checksum; ``open``
streams an object back, checked against its SHA-256 as it is read.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from notice_service.adapters.storage.fs_store import (
    CONTENT_PREFIX,
    check_key,
    is_content_key,
    resolve_address,
    resolve_key,
)
from notice_service.adapters.storage.object_streams import digest_file, verified_reader
from notice_service.adapters.storage.s3_errors import DENIED_CODES, advice, error_code, problem_name
from notice_service.errors import DocumentConflict, DocumentNotFound, StoreUnavailable
from notice_service.ports import Clock, StoredObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef

LockMode = Literal["COMPLIANCE", "GOVERNANCE"]
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound", "NoSuchVersion"})
_CANARY_RETENTION = timedelta(days=1)


def build_s3_client(
    *,
    endpoint_url: str | None = None,
    region: str = "us-east-1",
    access_key: str | None = None,
    secret_key: str | None = None,
) -> S3Client:
    """One boto3 S3 client; path-style addressing when an endpoint is given (SeaweedFS, MinIO)."""
    config = Config(
        region_name=region,
        connect_timeout=5,
        read_timeout=60,
        retries={"mode": "standard", "max_attempts": 3},
        s3={"addressing_style": "path" if endpoint_url else "auto"},
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=config,
    )


def create_locked_bucket(client: S3Client, bucket: str, *, region: str = "us-east-1") -> None:
    """Create ``bucket`` with Object Lock (hence versioning) enabled; an existing one must be locked."""
    try:
        if region == "us-east-1":
            client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
        else:
            client.create_bucket(
                Bucket=bucket,
                ObjectLockEnabledForBucket=True,
                CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
            )
    except ClientError as exc:
        if error_code(exc) != "BucketAlreadyOwnedByYou":
            raise
    configuration = client.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    if configuration.get("ObjectLockEnabled") != "Enabled":
        raise StoreUnavailable(f"bucket {bucket!r} exists without Object Lock; use a new bucket")


class S3DocumentStore:
    """Write-once documents in an S3 bucket with Object Lock, retention chosen per document class."""

    backend = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        retention_days: Mapping[str, int] | None = None,
        default_retention_days: int = 3650,
        lock_mode: LockMode = "COMPLIANCE",
        client: S3Client | None = None,
        clock: Clock | None = None,
    ) -> None:
        if lock_mode not in ("COMPLIANCE", "GOVERNANCE"):
            raise ValueError("lock_mode must be 'COMPLIANCE' or 'GOVERNANCE'")
        if default_retention_days < 1 or any(days < 1 for days in (retention_days or {}).values()):
            raise ValueError("retention periods must be at least one day")
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.retention_days = dict(retention_days or {})
        self.default_retention_days = default_retention_days
        self.lock_mode: LockMode = lock_mode
        self._clock = clock
        self._client = client or build_s3_client(
            endpoint_url=endpoint_url, region=region, access_key=access_key, secret_key=secret_key
        )

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
        return self._put_body(key, data, hashlib.sha256(data).digest(), len(data), content_type, document_class)

    def put_file(
        self,
        path: Path,
        *,
        content_type: str,
        document_class: str,
        key: str | None = None,
    ) -> StoredObject:
        """One PUT streaming the file (S3 takes up to 5 GB so; no multipart, whose checksum is not the file's)."""
        digest, size = digest_file(path)
        key = resolve_address(CONTENT_PREFIX + digest.hex(), key)
        with path.open("rb") as body:
            return self._put_body(key, body, digest, size, content_type, document_class)

    def get(self, key: str) -> bytes:
        with self._errors("read", check_key(key)):
            response = self._client.get_object(Bucket=self.bucket, Key=key)
            data = response["Body"].read()
        expected = response.get("Metadata", {}).get("sha256", "")
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected or (is_content_key(key) and key != f"sha256/{actual}"):
            raise StoreUnavailable(
                f"integrity problem: the bytes read from s3://{self.bucket}/{key} do not match their SHA-256",
                extra={"problem": "integrity", "key": key},
            )
        return data

    def open(self, key: str) -> BinaryIO:
        with self._errors("read", check_key(key)):
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        sha256 = response.get("Metadata", {}).get("sha256", "")
        if is_content_key(key) and key != f"sha256/{sha256}":
            response["Body"].close()
            raise StoreUnavailable(
                f"integrity problem: s3://{self.bucket}/{key} carries no or a different sha256 metadata",
                extra={"problem": "integrity", "key": key},
            )
        return verified_reader(response["Body"], sha256, response.get("ContentLength", 0), key)

    def stat(self, key: str) -> StoredObject:
        found = self._find(check_key(key))
        if found is None:
            raise DocumentNotFound(f"no document under key {key!r}")
        return found

    def check_health(self) -> None:
        """Raise ``StoreUnavailable`` unless the bucket exists, has Object Lock and refuses a delete."""
        with self._errors("reach", None):
            self._client.head_bucket(Bucket=self.bucket)
        self._require_lock_configuration()
        self._require_delete_refused()

    def keys(self) -> list[str]:
        """Every object's key in the bucket (``ListObjectsV2``, page by page), sorted."""
        found: list[str] = []
        with self._errors("list", None):
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
                found.extend(item["Key"] for item in page.get("Contents", []) if "Key" in item)
        return sorted(found)

    # ------------------------------------------------------------------------------------ retention

    def retain_until(self, document_class: str) -> datetime:
        """Now + the class's retention, truncated to the second (S3 keeps whole seconds)."""
        days = self.retention_days.get(document_class, self.default_retention_days)
        return (self._now() + timedelta(days=days)).replace(microsecond=0)

    def _now(self) -> datetime:
        return (self._clock.now() if self._clock is not None else datetime.now(UTC)).astimezone(UTC)

    # ----------------------------------------------------------------------------------- internals

    def _find(self, key: str) -> StoredObject | None:
        try:
            with self._errors("look up", key):
                head = self._client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except DocumentNotFound:
            return None
        return self._stored_object(key, head)

    def _stored_object(self, key: str, head: HeadObjectOutputTypeDef) -> StoredObject:
        sha256 = head.get("Metadata", {}).get("sha256", "")
        checksum = head.get("ChecksumSHA256")
        if (is_content_key(key) and key != f"sha256/{sha256}") or (
            checksum is not None and checksum != _base64_of_hex(sha256)
        ):
            raise StoreUnavailable(
                f"integrity problem: s3://{self.bucket}/{key} carries no or a different sha256 metadata",
                extra={"problem": "integrity", "key": key},
            )
        retain_until = head.get("ObjectLockRetainUntilDate")
        return StoredObject(
            key=key,
            sha256=sha256,
            size=head.get("ContentLength", 0),
            content_type=head.get("ContentType", "application/octet-stream"),
            backend=self.backend,
            version_id=head.get("VersionId"),
            retain_until=retain_until.astimezone(UTC) if retain_until is not None else None,
            retention_mode=head.get("ObjectLockMode"),
        )

    def _put_body(
        self, key: str, body: bytes | IO[bytes], digest: bytes, size: int, content_type: str, document_class: str
    ) -> StoredObject:
        existing = self._find(key)
        if existing is not None:
            return self._same_or_conflict(existing, key, digest)
        try:
            return self._write(key, body, digest, size, content_type, document_class)
        except _RaceLost:
            return self._same_or_conflict(self.stat(key), key, digest)

    def _write(
        self, key: str, body: bytes | IO[bytes], digest: bytes, size: int, content_type: str, document_class: str
    ) -> StoredObject:
        """PUT a new locked version, only if the key has none (``If-None-Match: *``); confirm its checksum."""
        retain_until = self.retain_until(document_class)
        with self._errors("write", key):
            response = self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                ChecksumSHA256=base64.b64encode(digest).decode(),
                Metadata={"sha256": digest.hex(), "document-class": document_class},
                ObjectLockMode=self.lock_mode,
                ObjectLockRetainUntilDate=retain_until,
                IfNoneMatch="*",
            )
        self._confirm_checksum(key, digest, response.get("ChecksumSHA256"))
        return StoredObject(
            key=key,
            sha256=digest.hex(),
            size=size,
            content_type=content_type,
            backend=self.backend,
            version_id=response.get("VersionId"),
            retain_until=retain_until,
            retention_mode=self.lock_mode,
        )

    def _same_or_conflict(self, existing: StoredObject, key: str, digest: bytes) -> StoredObject:
        if existing.sha256 == digest.hex():
            return existing
        raise DocumentConflict(f"key {key!r} already holds different bytes; stored documents are write-once")

    def _confirm_checksum(self, key: str, digest: bytes, returned: str | None) -> None:
        if returned != base64.b64encode(digest).decode():
            raise StoreUnavailable(
                f"integrity problem: the SHA-256 checksum S3 confirmed for {key!r} is {returned!r}, "
                "not the one sent; the backend must support ChecksumSHA256",
                extra={"problem": "integrity", "key": key},
            )

    def _require_lock_configuration(self) -> None:
        try:
            with self._errors("read the Object Lock configuration of", None):
                response = self._client.get_object_lock_configuration(Bucket=self.bucket)
        except _LockNotConfigured:
            response = None
        enabled = response and response.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled")
        if enabled != "Enabled":
            raise StoreUnavailable(
                f"bucket {self.bucket!r} has no Object Lock; documents would not be WORM. Create a bucket "
                "with Object Lock enabled (notice-service init) and point NOTICE_S3_BUCKET at it",
                extra={"problem": "object-lock-missing"},
            )

    def _require_delete_refused(self) -> None:
        key = f"health/canary-{uuid.uuid4()}"
        with self._errors("write a health canary to", key):
            written = self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=b"canary",
                ObjectLockMode=self.lock_mode,
                ObjectLockRetainUntilDate=self._now() + _CANARY_RETENTION,
            )
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key, VersionId=written.get("VersionId", ""))
        except ClientError as exc:
            if error_code(exc) in DENIED_CODES:
                return
            raise self._unavailable(exc, "delete the health canary in", key) from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc, "delete the health canary in", key) from exc
        raise StoreUnavailable(
            f"object lock not enforced: bucket {self.bucket!r} deleted a locked canary version; "
            "this backend cannot keep documents WORM",
            extra={"problem": "object-lock-not-enforced"},
        )

    @contextmanager
    def _errors(self, action: str, key: str | None) -> Iterator[None]:
        """Translate botocore failures of one call on ``key`` (``None``: the bucket) into our errors.

        Details name the bucket, key, endpoint and error code, never the error message, which may echo
        the access key id.
        """
        try:
            yield
        except ClientError as exc:
            code = error_code(exc)
            if code in _NOT_FOUND_CODES and key is not None:
                raise DocumentNotFound(f"no document under key {key!r}") from exc
            if code in {"PreconditionFailed", "412"}:
                raise _RaceLost from exc
            if code == "ObjectLockConfigurationNotFoundError":
                raise _LockNotConfigured from exc
            raise self._unavailable(exc, action, key) from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc, action, key) from exc

    def _unavailable(self, exc: Exception, action: str, key: str | None) -> StoreUnavailable:
        where = f"bucket {self.bucket!r}" if key is None else f"s3://{self.bucket}/{key}"
        endpoint = self.endpoint_url or "AWS S3"
        return StoreUnavailable(
            f"cannot {action} {where} at {endpoint}: {advice(exc)}",
            extra={"problem": problem_name(exc)},
        )


class _RaceLost(Exception):
    """A conditional PUT found the key written by someone else since our HEAD."""


class _LockNotConfigured(Exception):
    """The bucket answered that it has no Object Lock configuration."""


def _base64_of_hex(hex_digest: str) -> str | None:
    try:
        return base64.b64encode(bytes.fromhex(hex_digest)).decode()
    except ValueError:
        return None
