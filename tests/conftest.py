"""Test session wiring: each real service (PostgreSQL, SeaweedFS S3, certomancer TSA, SMTP) has its own
fixture module under ``tests/services`` and starts once per session, only when a test asks for it. The browser
suite (``tests/e2e``) runs last: pytest-playwright's sync Playwright is session-wide and keeps an event loop
running in the test process from its first test to the end of the session, under which pyHanko's
``asyncio.run`` cannot sign a letter in the tests that would come after it."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.services.postgres",
    "tests.services.seaweed",
    "tests.services.tsa",
    "tests.services.smtp",
    "tests.services.migrated",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid.startswith("tests/e2e/"))  # stable: the others keep their order
