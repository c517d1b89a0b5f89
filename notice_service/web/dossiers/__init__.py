"""``/v1/cases/{id}/dossiers`` and ``/v1/dossiers``."""
