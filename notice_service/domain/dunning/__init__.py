"""Dunning plans and what is due on a case, pure: no framework, no I/O (``use_cases/dunning`` does the I/O)."""
