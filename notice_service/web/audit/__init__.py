"""``/v1/audit``: the tenant's ledger as evidence."""
