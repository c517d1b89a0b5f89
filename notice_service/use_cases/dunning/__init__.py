"""Dunning plans and runs: the I/O around ``domain/dunning`` (plans, planning a run, approving, executing)."""
