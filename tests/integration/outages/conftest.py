"""The functional tests' fixtures (a service on SQLite and PostgreSQL, a tenant's API) for the outage tests."""

from tests.functional.conftest import api, client, database_url, services  # noqa: F401
