"""Test session wiring: each real service (PostgreSQL, SeaweedFS S3, certomancer TSA, SMTP) has its own
fixture module under ``tests/services`` and starts once per session, only when a test asks for it."""

pytest_plugins = [
    "tests.services.postgres",
    "tests.services.seaweed",
    "tests.services.tsa",
    "tests.services.smtp",
]
