"""The functional suite's database, services and API fixtures (SQLite and PostgreSQL), for the worker tests that
drive the API."""

from tests.functional.conftest import api, client, database_url, services  # noqa: F401  (fixtures)
