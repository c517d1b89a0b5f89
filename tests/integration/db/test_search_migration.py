"""``0013i_search`` (issue 11, item 2): on PostgreSQL the debtor name search gets a tenant-first trigram index
(``btree_gin``), which the search's plan uses with the tenant as an index condition; downgrading restores
``0012a``'s index; on SQLite (no extension) the migration changes nothing. Where ``btree_gin`` cannot be created
the migration keeps the old index (the savepoint's fallback), shown here with an extension that does not exist."""

from __future__ import annotations

import importlib.util
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, inspect, select, text

from notice_service.db import engine as engine_module
from notice_service.db.engine import make_engine
from notice_service.db.models.claims import Debtor
from tests.services.postgres import sqlalchemy_url

T = "11111111-1111-4111-8111-111111111111"
OTHER = "22222222-2222-4222-8222-222222222222"
OLD, NEW = "ix_debtors_name_trgm", "ix_debtors_tenant_name_trgm"
_fresh = itertools.count()
#: Two tenants of 20,000 debtors each, named by number: a rare name is a few rows of one tenant.
ROWS = [
    *(
        f"INSERT INTO tenants VALUES ('{tenant}', 'T', '404833048', '{{}}', '2026-01-01 00:00:00')"  # noqa: S608
        for tenant in (T, OTHER)
    ),
    *(
        f"""INSERT INTO debtors (id, tenant_id, kind, name, siren, address_lines, postal_code, city, country,
            created_at) SELECT '{tenant[:8]}-' || g, '{tenant}', 'business', 'Fromagerie ' || g, NULL, '[]',
            '75019', 'Paris', 'FR', '2026-01-01 00:00:00' FROM generate_series(1, 20000) AS g"""  # noqa: S608
        for tenant in (T, OTHER)
    ),
]


def _run(engine: Engine, verb: str, target: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(engine_module.__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, target)


def _indexes(engine: Engine) -> set[str]:
    return {str(index["name"]) for index in inspect(engine).get_indexes("debtors")}


@pytest.fixture
def fresh_url(postgres_server: Any) -> str:
    """A new, empty PostgreSQL database for each test (the migrations go up and down)."""
    name = f"notice_search_{next(_fresh)}"
    postgres_server.psql(f"CREATE DATABASE {name};")
    return sqlalchemy_url(postgres_server.get_uri(database=name))


@pytest.fixture
def postgres(fresh_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_url)
    _run(engine, "upgrade", "heads")
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_the_name_search_uses_a_tenant_first_trigram_index(postgres: Engine) -> None:
    assert NEW in _indexes(postgres) and OLD not in _indexes(postgres)
    with postgres.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement))
    with postgres.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE debtors"))  # as autovacuum would: GIN's pending list merged
    with postgres.begin() as connection:
        name_arm = func.lower(Debtor.name).like("%fromagerie 12345%")  # the arm of _debtor_search it serves
        query = select(Debtor.id).where(Debtor.tenant_id == T, name_arm)
        compiled = query.compile(connection)
        explained = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
        plan = "\n".join(str(row[0]) for row in explained)
    lines = plan.splitlines()
    (at,) = [number for number, line in enumerate(lines) if NEW in line]
    assert "Index Cond" in lines[at + 1] and "tenant_id" in lines[at + 1], plan  # the tenant inside the index


@pytest.mark.postgres
def test_without_the_extension_the_old_index_stays(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    _run(engine, "upgrade", "0013f_providers")
    path = Path(engine_module.__file__).parent / "migrations" / "versions" / "0013i_search.py"
    spec = importlib.util.spec_from_file_location("search_migration", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with engine.begin() as connection:
        assert migration.create_tenant_first_index(connection, "no_such_extension") is False
    assert OLD in _indexes(engine) and NEW not in _indexes(engine)
    engine.dispose()


@pytest.mark.postgres
def test_downgrading_restores_the_old_index(postgres: Engine) -> None:
    _run(postgres, "downgrade", "0013f_providers")
    assert OLD in _indexes(postgres) and NEW not in _indexes(postgres)
    _run(postgres, "upgrade", "heads")
    assert NEW in _indexes(postgres) and OLD not in _indexes(postgres)


def test_on_sqlite_the_migration_changes_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")
    _run(engine, "upgrade", "0013f_providers")
    before = _indexes(engine)
    _run(engine, "upgrade", "heads")
    assert _indexes(engine) == before
    _run(engine, "downgrade", "0013f_providers")
    assert _indexes(engine) == before
    engine.dispose()
