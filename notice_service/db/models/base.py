"""The declarative base every table derives from, the id column type, and the mark of a store key column."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    String,
)
from sqlalchemy.orm import DeclarativeBase

ID = String(36)

#: ``mapped_column(..., info={STORE_KEY: True})`` marks a column holding document store keys: ``store sweep``
#: counts an object referred to when such a column holds its key (``use_cases/store_sweep.py``).
STORE_KEY = "store_key"


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}
