# ruff: noqa: S608  (fixed rows of this test, no input)
"""Migration ``0013e_verification`` on a database holding notices written before it, on SQLite and PostgreSQL:
they keep no code (issuing a draft among them makes its code then), a code is unique, and it downgrades."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tests.integration.db.test_lists_migration import ROWS, _run, engine  # noqa: F401  (the engine fixture)

BEFORE = "0013d_users"
CODE = "7K3M9QX2PAHT4WZB8N6R"


def test_old_notices_have_no_code_codes_are_unique_and_it_downgrades(engine: Engine) -> None:  # noqa: F811
    try:
        _run(engine, "upgrade", BEFORE)
        with engine.begin() as connection:
            for statement in ROWS:
                if not statement.lstrip().startswith("INSERT INTO payments"):
                    connection.execute(text(statement))
        _run(engine, "upgrade", "0013e_verification")
        with engine.connect() as connection:
            codes: dict[str, str | None] = dict(
                connection.execute(text("SELECT id, verification_code FROM notices")).all()
            )
        assert codes == {"n1": None, "n2": None, "n3": None}
        with engine.begin() as connection:
            connection.execute(text(f"UPDATE notices SET verification_code = '{CODE}' WHERE id = 'n1'"))
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(f"UPDATE notices SET verification_code = '{CODE}' WHERE id = 'n2'"))
        with engine.begin() as connection:  # several notices without a code are fine (NULLs are distinct)
            connection.execute(text("UPDATE notices SET verification_code = NULL WHERE id = 'n3'"))
        indexes = {index["name"]: index for index in inspect(engine).get_indexes("notices")}
        assert indexes["ix_notices_verification_code"]["unique"]
        _run(engine, "downgrade", BEFORE)
        assert "verification_code" not in {column["name"] for column in inspect(engine).get_columns("notices")}
        assert "ix_notices_verification_code" not in {index["name"] for index in inspect(engine).get_indexes("notices")}
    finally:
        engine.dispose()  # the failed UPDATE's connection must not wait for the garbage collector
