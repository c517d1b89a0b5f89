# ruff: noqa: S608  (fixed rows of this test, no input)
"""Migration ``0014g_keys`` on a database holding keys made with the single ``scope``, on SQLite and PostgreSQL:
each keeps what it could do (admin every scope, write every scope but admin, read only read), none expires or
has a successor, and the downgrade gives each its old scope back."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from tests.integration.db.test_lists_migration import T, _run, engine  # noqa: F401  (the engine fixture)

BEFORE = "0014f_privacy"
KEYS = {"k-admin": "admin", "k-write": "write", "k-read": "read"}


def _scopes(engine: Engine, column: str) -> dict[str, str]:  # noqa: F811
    with engine.connect() as connection:
        return dict(connection.execute(text(f"SELECT id, {column} FROM api_keys")).all())  # type: ignore[arg-type]


def test_old_keys_keep_their_rights_and_it_downgrades(engine: Engine) -> None:  # noqa: F811
    try:
        _run(engine, "upgrade", BEFORE)
        with engine.begin() as connection:
            connection.execute(text(f"INSERT INTO tenants VALUES ('{T}', 'A', '404833048', '{{}}', '2026-01-01')"))
            for key_id, scope in KEYS.items():
                connection.execute(
                    text(
                        "INSERT INTO api_keys (id, tenant_id, key_hash, label, created_at, revoked_at, scope) "
                        f"VALUES ('{key_id}', '{T}', '{key_id:0<64}', '{scope}', '2026-01-01', NULL, '{scope}')"
                    )
                )
        _run(engine, "upgrade", "0014g_keys")
        assert _scopes(engine, "scopes") == {
            "k-admin": "read write issue dispatch admin",
            "k-write": "read write issue dispatch",
            "k-read": "read",
        }
        columns = {column["name"] for column in inspect(engine).get_columns("api_keys")}
        assert {"scopes", "expires_at", "successor_id"} <= columns and "scope" not in columns
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT expires_at, successor_id FROM api_keys")).all()
        assert set(rows) == {(None, None)}
        _run(engine, "downgrade", BEFORE)
        assert _scopes(engine, "scope") == KEYS
        assert "scopes" not in {column["name"] for column in inspect(engine).get_columns("api_keys")}
    finally:
        engine.dispose()
