"""The shipped court data and its loader: ``courts.json``, the tribunaux des activités économiques designated
by the arrêté du 5 juillet 2024 (art. 2) and the communes whose courts are known, each with its source and the
date the table describes (``as_of``). See ``notice_service.domain.courts`` for how a court is found.

This package reads a file, so it lives outside ``domain/``; the domain takes the ``CourtTable`` it returns.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from notice_service.domain.courts import CommuneCourts, CourtTable


@lru_cache(maxsize=1)
def load_court_table() -> CourtTable:
    """Read ``courts.json`` once (a packaging bug, never a user error, if it is malformed)."""
    raw = json.loads(resources.files(__package__).joinpath("courts.json").read_text(encoding="utf-8"))
    communes = tuple(
        CommuneCourts(
            departement=row["departement"],
            commune=row["commune"],
            tribunal_judiciaire=row["tribunal_judiciaire"],
            tribunal_de_commerce=row["tribunal_de_commerce"],
            source=raw["sources"][row["source"]],
        )
        for row in raw["communes"]
    )
    tae = tuple(row["name"] for row in raw["tribunaux_des_activites_economiques"])
    return CourtTable(as_of=raw["as_of"], communes=communes, activites_economiques=tae)
