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


#: The longest files (``make test`` prints the slowest tests), run first: pytest-xdist's ``--dist loadfile`` hands
#: files out in collection order, so a long file collected last would keep one worker busy while the others idle.
LONGEST_FIRST = (
    "tests/integration/faults/",
    "tests/functional/api/test_schemathesis.py",
    "tests/functional/audit/test_cli.py",
    "tests/integration/worker/",
    "tests/functional/dunning/",
    "tests/functional/rates/test_sync.py",
    "tests/functional/delivery/",
    "tests/functional/tenants/",
    "tests/functional/pages/",
    "tests/functional/dossier/",
)


def _rank(item: pytest.Item) -> int:
    if item.nodeid.startswith("tests/e2e/"):
        return len(LONGEST_FIRST) + 1  # last, in a process of its own (see above)
    return next((n for n, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)), len(LONGEST_FIRST))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: a file's tests stay together and in their order
