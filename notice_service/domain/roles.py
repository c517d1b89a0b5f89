"""The one table of who may do what in the back office: each role's permissions.

``admin`` may do everything (settings, users, API keys); ``credit`` works the cases (facts, payments, disputes,
documents, letter drafts, closing); ``approver`` approves (issues) or rejects drafts, mises en demeure
included; ``lawyer`` reads everything and exports dossiers; ``viewer`` reads. Every page checks ``allowed``.
"""

from __future__ import annotations

from enum import StrEnum

from notice_service.domain.api_scopes import ALL_SCOPES


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


def api_scopes(role: str) -> frozenset[str]:
    """The API-key scopes a person's actions carry (``use_cases`` that check a scope see these; domain/api_scopes.py):
    an administrator has them all; working cases writes and dispatches; approving issues; everyone reads."""
    if allowed(role, Permission.ADMINISTER):
        return ALL_SCOPES
    scopes = {"read"}
    if allowed(role, Permission.WORK_CASES):
        scopes |= {"write", "dispatch"}
    if allowed(role, Permission.APPROVE):
        scopes.add("issue")
    return frozenset(scopes)
