"""What an API key may do: its scopes, and what each scope grants.

Five scopes, one per kind of consequence (``MEANINGS`` says what each grants; the OpenAPI document and the
key schemas are built from it). Every scope but ``read`` also grants ``read`` (a key that writes reads what it
wrote), and ``admin`` grants every scope.

Every API operation declares the one scope it needs (``web/openapi.py``); a key without it gets 403
``insufficient-scope`` naming it. The presets are the scopes the older single ``scope`` field stood for:
``read``; ``write`` (everything but ``admin``); ``admin`` (everything).
"""

from __future__ import annotations

from collections.abc import Iterable

SCOPES = ("read", "write", "issue", "dispatch", "admin")
ALL_SCOPES = frozenset(SCOPES)

#: What each scope grants, in the order of ``SCOPES``.
MEANINGS: dict[str, str] = {
    "read": "reads",
    "write": "creates, updates and closes records (debtors, invoices, cases, drafts, plans)",
    "issue": "issues notices (signs and archives a legal letter, or approves a run's items, which issues them)",
    "dispatch": "sends them (postal or electronic deliveries, SMS)",
    "admin": "manages keys, the tenant profile, provider accounts and webhook subscriptions, and grants every scope",
}

PRESETS: dict[str, frozenset[str]] = {
    "read": frozenset({"read"}),
    "write": frozenset({"read", "write", "issue", "dispatch"}),
    "admin": ALL_SCOPES,
}


def granted(scopes: Iterable[str]) -> frozenset[str]:
    """Every scope that ``scopes`` grants (``admin`` grants all, any scope grants ``read``); unknown ones none."""
    known = frozenset(scopes) & ALL_SCOPES
    if "admin" in known:
        return ALL_SCOPES
    return known | {"read"} if known else frozenset()


def ordered(scopes: Iterable[str]) -> list[str]:
    """``scopes`` in the canonical order of ``SCOPES`` (unknown ones dropped)."""
    present = set(scopes)
    return [scope for scope in SCOPES if scope in present]


def encode(scopes: Iterable[str]) -> str:
    """How a key's scopes are stored: space-separated, in canonical order (OAuth's ``scope`` syntax)."""
    return " ".join(ordered(scopes))


def decode(stored: str) -> frozenset[str]:
    """The scopes of a stored value (``encode``'s inverse; unknown words are ignored, never granted)."""
    return frozenset(stored.split()) & ALL_SCOPES


def unknown(scopes: Iterable[str]) -> list[str]:
    """The words of ``scopes`` that are not scopes, in the order given."""
    return [scope for scope in scopes if scope not in ALL_SCOPES]
