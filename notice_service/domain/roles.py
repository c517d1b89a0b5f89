"""The one table of who may do what in the back office: each role's permissions.

``admin`` may do everything (settings, users, API keys); ``credit`` works the cases (facts, payments, disputes,
documents, letter drafts, closing); ``approver`` approves (issues) or rejects drafts, mises en demeure
included; ``lawyer`` reads everything and exports dossiers; ``viewer`` reads. Every page checks ``allowed``.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    READ = "read"
    WORK_CASES = "work_cases"  # payments, disputes, documents, delivery facts, drafts, closing
    APPROVE = "approve"  # issue or reject a draft
    EXPORT = "export"  # export and download a dossier
    ADMINISTER = "administer"  # creditor profile, users, API keys


ROLES: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "credit": frozenset({Permission.READ, Permission.WORK_CASES}),
    "approver": frozenset({Permission.READ, Permission.APPROVE}),
    "lawyer": frozenset({Permission.READ, Permission.EXPORT}),
    "viewer": frozenset({Permission.READ}),
}

ROLE_LABELS = {
    "admin": "Administrateur",
    "credit": "Chargé de recouvrement",
    "approver": "Approbateur",
    "lawyer": "Juriste / avocat",
    "viewer": "Lecture seule",
}


def allowed(role: str, permission: Permission) -> bool:
    """Whether ``role`` has ``permission`` (an unknown role has none)."""
    return permission in ROLES.get(role, frozenset())


def api_scope(role: str) -> str:
    """The API-key scope a person's actions carry (``use_cases`` that check a scope see this one)."""
    if allowed(role, Permission.ADMINISTER):
        return "admin"
    return "write" if allowed(role, Permission.WORK_CASES) or allowed(role, Permission.APPROVE) else "read"
