"""Adapters: one module per technology and role, implementing notice_service.ports."""
