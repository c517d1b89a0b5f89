"""Provider accounts: ``PUT``/``GET /v1/providers/{provider}``, ``GET /v1/providers``."""
