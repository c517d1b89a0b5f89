"""Postal and electronic registered letter providers (the ``PostalProvider`` port)."""
