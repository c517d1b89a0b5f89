"""``GET /v1/kpis``: the measures of the period."""
