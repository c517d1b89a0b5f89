"""The tables, one module per feature. Every business row carries ``tenant_id``; repositories always filter on it."""
