"""``/v1/cases``: cases, their notices' drafts and their supporting documents."""
