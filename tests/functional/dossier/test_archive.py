"""The dossier's ZIP stored write-once as one object: downloads stream it, altered bytes are never delivered whole,
a dossier exported before the ZIP was stored is rebuilt from its parts, and ``dossier.ready`` reaches subscribers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from notice_service.adapters.storage.s3_store import S3DocumentStore
from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.dossier import Dossier
from notice_service.errors import StoreUnavailable
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api
from tests.functional.dossier.test_export import _second_half_2026_rate, export
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.functional.webhooks.test_outbound import Receiver, drain, subscribe
from tests.services.seaweed import SeaweedS3


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    """The functional services, with webhooks allowed to reach the receiver on 127.0.0.1."""
    settings = Settings(data_dir=tmp_path, database_url=database_url, webhook_allow_private_targets=True)
    built = build_services(settings, clock=FixedClock(NOW))
    yield built
    built.db.engine.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


def exported_dossier(api: Api, services: Services) -> dict[str, object]:
    """A dossier of a case with an invoice PDF and no mise en demeure (the quickest case to export)."""
    ids = open_case(api, with_pdf=True)
    _second_half_2026_rate(services)
    return export(api, str(ids["case_id"]))


def dossier_row(services: Services, dossier_id: str) -> Dossier:
    with services.db.reading() as session:
        return session.get_one(Dossier, dossier_id)


def stored_path(services: Services, sha256: str) -> Path:
    return services.settings.store_path / "sha256" / sha256[:2] / sha256[2:4] / sha256


def test_the_zip_is_stored_write_once_as_one_object_and_the_download_streams_it(api: Api, services: Services) -> None:
    dossier = exported_dossier(api, services)
    row = dossier_row(services, str(dossier["id"]))
    assert row.archive_key == f"sha256/{dossier['sha256']}"
    stored = services.store.stat(row.archive_key)
    assert (stored.sha256, stored.size, stored.content_type) == (dossier["sha256"], dossier["size"], "application/zip")
    assert stored_path(services, row.sha256).stat().st_mode & 0o777 == 0o444

    download = api.get(str(dossier["archive_url"]))
    assert download.status_code == 200 and download.headers["Content-Length"] == str(dossier["size"])
    assert hashlib.sha256(download.data).hexdigest() == dossier["sha256"]
    assert download.data == services.store.get(row.archive_key)

    with services.db.reading() as session:
        query = select(AuditRecord.canonical).where(AuditRecord.action == "dossier:exported")
        record = json.loads(session.execute(query).scalar_one())
    assert record["data"]["archive_key"] == row.archive_key


def test_a_stored_zip_altered_on_disk_is_never_delivered_whole(api: Api, services: Services) -> None:
    dossier = exported_dossier(api, services)
    path = stored_path(services, str(dossier["sha256"]))
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x01  # in the ZIP's central directory: the last chunk is the one withheld
    path.write_bytes(bytes(data))
    with pytest.raises(StoreUnavailable) as caught:
        api.get(str(dossier["archive_url"])).data  # noqa: B018 - reading the body streams it
    assert caught.value.extra["problem"] == "integrity"


def test_a_dossier_exported_before_the_zip_was_stored_is_rebuilt_from_its_parts(api: Api, services: Services) -> None:
    dossier = exported_dossier(api, services)
    with services.db.transaction() as session:
        session.get_one(Dossier, str(dossier["id"])).archive_key = None  # as migration 0007 leaves older rows
    download = api.get(str(dossier["archive_url"]))
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == dossier["sha256"]


def test_a_subscriber_receives_dossier_ready(api: Api, services: Services, receiver: Receiver) -> None:
    subscription = subscribe(api, receiver.url, "dossier.ready")
    dossier = exported_dossier(api, services)
    drain(services)
    events = receiver.verified(subscription["secret"])
    assert [e["type"] for e in events] == ["dossier.ready"]
    data = events[0]["data"]
    assert (data["dossier_id"], data["sha256"], data["size"]) == (dossier["id"], dossier["sha256"], dossier["size"])
    assert data["archive_url"] == dossier["archive_url"] and data["warnings"] == ["no_formal_notice"]


@pytest.mark.s3
def test_on_s3_the_zip_is_one_locked_version_and_the_download_streams_it(tmp_path: Path, seaweed_s3: SeaweedS3) -> None:
    settings = Settings(
        data_dir=tmp_path,
        store="s3",
        s3_bucket=seaweed_s3.make_bucket(),
        s3_endpoint_url=seaweed_s3.endpoint_url,
        s3_access_key=seaweed_s3.access_key,
        s3_secret_key=seaweed_s3.secret_key,
        retention_days=1,
    )
    services = build_services(settings, clock=FixedClock(NOW))
    try:
        with create_app(services=services).test_client() as client:
            api = Api(client, create_tenant(services, name="A", siren="404833048", profile=CREDITOR_PROFILE).api_key)
            dossier = exported_dossier(api, services)
            data = api.get(str(dossier["archive_url"])).data
        row = dossier_row(services, str(dossier["id"]))
        stored = services.store.stat(str(row.archive_key))
    finally:
        services.db.engine.dispose()
    assert isinstance(services.store, S3DocumentStore)
    assert hashlib.sha256(data).hexdigest() == dossier["sha256"] == stored.sha256
    assert stored.retention_mode == "COMPLIANCE" and stored.version_id == row.archive_version_id is not None
