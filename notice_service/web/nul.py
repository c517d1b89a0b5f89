"""Text the database cannot store: the NUL character (PostgreSQL refuses it in ``text``). Any parameter, form
field or JSON string holding one is refused up front with a problem naming where it is, instead of a 500 at
the insert."""

from __future__ import annotations

from notice_service.errors import FieldError, InvalidInput


def _first_nul(value: object, where: str) -> str | None:
    """The dotted path of the first string (or key) holding a NUL inside ``value``, if any."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = f"{where}.{key}" if where else str(key)
            if "\x00" in str(key):
                return found
            hit = _first_nul(item, found)
            if hit is not None:
                return hit
    if isinstance(value, list):
        for index, item in enumerate(value):
            hit = _first_nul(item, f"{where}[{index}]")
            if hit is not None:
                return hit
    return None


def refuse_nul(value: object, where: str = "") -> None:
    """``InvalidInput`` naming the field when ``value`` holds a NUL character anywhere."""
    field = _first_nul(value, where)
    if field is not None:
        raise InvalidInput(
            "Text may not contain the NUL character (U+0000).",
            errors=[FieldError(field.replace("\x00", "\\u0000") or "body", "contains U+0000")],
        )
