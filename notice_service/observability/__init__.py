"""Observability: Prometheus metrics (``metrics``), the adapters' timing wrappers (``instrumented``), the audit
append timer (``audit_timing``) and the one logging setup (``logs``, JSON lines with the request id).

``metrics`` imports nothing of the service, so any layer (adapters included) may increment its counters.
"""
