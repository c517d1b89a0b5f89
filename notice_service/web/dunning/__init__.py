"""``/v1/plans``, ``/v1/dunning/settings``, ``/v1/debtors/{id}/plan`` and ``/v1/runs``: dunning plans and runs."""
