"""``/v1/debtors`` and ``/v1/invoices`` (with payments)."""
