"""``/v1/tenant`` and ``/v1/api-keys``."""
