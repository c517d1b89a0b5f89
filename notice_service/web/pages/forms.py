"""Reading plain form posts: each field parsed or named in ``FormErrors`` with a French message, shown next to
its field (``aria-describedby``); a form with any error writes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import request

from notice_service.errors import InvalidInput

MAX_TEXT = 2000


class FormErrors(Exception):
    """The fields of a form that cannot be used, by name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid form")
        self.errors = errors


def field_errors(
    error: InvalidInput,
    known: set[str],
    fallback: str,
    *,
    rename: Mapping[str, str] | None = None,
    messages: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A use case's ``InvalidInput`` as the form's errors: each field it names, mapped onto the form's fields
    (``rename``: the use case's name → the form's; a field the form does not have goes on ``fallback``), with
    the use case's message or the form's own French one (``messages``, by form field). An error naming no
    field is its detail on ``fallback``."""
    if not error.errors:
        return {fallback: error.detail}
    rename, messages = rename or {}, messages or {}
    found: dict[str, str] = {}
    for item in error.errors:
        last = item.field.split(".")[-1]
        name = rename.get(last, last) if rename.get(last, last) in known else fallback
        found.setdefault(name, messages.get(name, item.message))
    return found


class Form:
    """The posted fields, read one by one; ``check()`` raises ``FormErrors`` when any was wrong."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def text(self, name: str, *, required: bool = True, max_length: int = MAX_TEXT) -> str:
        value = request.form.get(name, "").strip()
        if "\x00" in value:
            self.errors[name] = "caractère interdit"
        elif required and not value:
            self.errors[name] = "champ obligatoire"
        elif len(value) > max_length:
            self.errors[name] = f"au plus {max_length} caractères"
        return value

    def choice(self, name: str, choices: tuple[str, ...] | list[str]) -> str:
        value = request.form.get(name, "")
        if value not in choices:
            self.errors[name] = "choisissez une des valeurs proposées"
        return value

    def day(self, name: str) -> date:
        raw = request.form.get(name, "").strip()
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = "une date (AAAA-MM-JJ)"
            return date(1970, 1, 1)

    def amount(self, name: str) -> Decimal:
        raw = request.form.get(name, "").strip().replace(" ", "").replace("\u202f", "").replace(",", ".")
        try:
            value = Decimal(raw)
            usable = value.is_finite() and 0 < value <= 10**12 and value == value.quantize(Decimal("0.01"))
        except InvalidOperation:
            usable = False
        if not usable:
            self.errors[name] = "un montant positif en euros, deux décimales au plus (ex. 120,50)"
            return Decimal(0)
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        raw = request.form.get(name, "").strip()
        if not raw.isdigit() or not low <= int(raw) <= high:
            self.errors[name] = f"un nombre entier de {low} à {high}"
            return low
        return int(raw)

    def check(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)
