"""``GET /readyz`` and ``/healthz``: readiness checks the database and the document store, liveness neither.

Down means really down: a PostgreSQL URL on a closed port, an S3 endpoint on a closed port, an S3 server with
wrong credentials. Each answers 503 ``not-ready`` naming what is down.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from notice_service.adapters.storage.s3_store import S3DocumentStore
from notice_service.app import create_app
from notice_service.db.engine import Database, make_engine
from notice_service.observability.instrumented import timed_store
from notice_service.services import Services
from tests.services.seaweed import SeaweedS3


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def s3_store(endpoint: str, bucket: str, access_key: str, secret_key: str) -> S3DocumentStore:
    return timed_store(
        S3DocumentStore(
            bucket=bucket,
            endpoint_url=endpoint,
            region="us-east-1",
            access_key=access_key,
            secret_key=secret_key,
            retention_days={},
            default_retention_days=1,
        )
    )


@pytest.fixture
def with_services(services: Services) -> Iterator[object]:
    def client_for(**changes: object) -> FlaskClient:
        return create_app(services=dataclasses.replace(services, **changes)).test_client()

    yield client_for


def assert_not_ready(client: FlaskClient, down: list[str]) -> dict[str, str]:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["type"].endswith("/not-ready")
    assert body["down"] == down
    for name in down:
        assert name in body["detail"]
        assert body["checks"][name] != "ok"
    assert client.get("/healthz").status_code == 200  # liveness never looks at them
    return dict(body["checks"])


def test_ready_when_database_and_store_answer(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok", "store": "ok"}}


def test_database_down(services: Services, with_services: object) -> None:
    dead = Database(make_engine(f"postgresql+psycopg://notice:wrong@127.0.0.1:{closed_port()}/notice"))
    checks = assert_not_ready(with_services(db=dead), ["database"])  # type: ignore[operator]
    assert checks["store"] == "ok"
    assert "OperationalError" in checks["database"]


@pytest.mark.s3
def test_s3_store_up_closed_and_refusing(seaweed_s3: SeaweedS3, services: Services, with_services: object) -> None:
    bucket = seaweed_s3.make_bucket()
    up = s3_store(seaweed_s3.endpoint_url, bucket, seaweed_s3.access_key, seaweed_s3.secret_key)
    assert with_services(store=up).get("/readyz").status_code == 200  # type: ignore[operator]

    closed = s3_store(f"http://127.0.0.1:{closed_port()}", bucket, seaweed_s3.access_key, seaweed_s3.secret_key)
    checks = assert_not_ready(with_services(store=closed), ["store"])  # type: ignore[operator]
    assert checks["database"] == "ok"
    assert bucket in checks["store"]

    wrong = s3_store(seaweed_s3.endpoint_url, bucket, seaweed_s3.access_key, "not-the-secret")
    assert_not_ready(with_services(store=wrong), ["store"])  # type: ignore[operator]


@pytest.mark.s3
def test_both_down(seaweed_s3: SeaweedS3, with_services: object) -> None:
    dead = Database(make_engine(f"postgresql+psycopg://notice:wrong@127.0.0.1:{closed_port()}/notice"))
    closed = s3_store(f"http://127.0.0.1:{closed_port()}", "b", seaweed_s3.access_key, seaweed_s3.secret_key)
    assert_not_ready(with_services(db=dead, store=closed), ["database", "store"])  # type: ignore[operator]
