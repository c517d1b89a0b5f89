"""The declarative base every table derives from, and the id column type."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    String,
)
from sqlalchemy.orm import DeclarativeBase

ID = String(36)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}
