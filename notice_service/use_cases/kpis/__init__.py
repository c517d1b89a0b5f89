"""The measures of a credit team's work (``GET /v1/kpis``), computed in SQL on PostgreSQL and SQLite."""
