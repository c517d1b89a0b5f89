"""``/v1/notices``: read, issue, download."""
