"""Rendering a page: the template, the signed-in person, their permissions, the CSRF token and the French
labels and formats (``domain.french_format``) every template uses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Flask, render_template

from notice_service.domain.deadlines import PARIS
from notice_service.domain.french_format import date_fr, money_fr
from notice_service.domain.roles import ROLE_LABELS, Permission
from notice_service.letter_catalogue import TITLES
from notice_service.web.pages.blueprint import csrf_token, may, signed_in

STEP_LABELS = {
    **TITLES,
    "formal_notice": "Mise en demeure",
    "injonction_de_payer": "Injonction de payer",
    "none": "Aucune (soldé)",
}
STATUS_LABELS = {"open": "Ouvert", "closed": "Clos", "draft": "Brouillon", "issued": "Émise", "paid": "Payée"}
ACTION_LABELS = {
    "case:opened": "Dossier ouvert",
    "case:closed": "Dossier clos",
    "case:reopened": "Dossier rouvert",
    "case:dispute_recorded": "Contestation enregistrée",
    "case:document_added": "Pièce ajoutée",
    "invoice:registered": "Facture enregistrée",
    "invoice:cancelled": "Facture annulée",
    "payment:recorded": "Paiement enregistré",
    "notice:drafted": "Courrier préparé",
    "notice:issued": "Courrier émis et signé",
    "notice:incomplete": "Courrier refusé : mention manquante",
    "notice:rejected": "Brouillon rejeté",
    "notice:deadline_expired": "Délai de la mise en demeure expiré",
    "delivery:created": "Envoi créé",
    "delivery:fact_recorded": "Suivi de l’envoi",
    "delivery:evidence_attached": "Preuve d’envoi ajoutée",
    "dossier:exported": "Dossier exporté",
    "promise:made": "Promesse de paiement",
    "call:recorded": "Appel enregistré",
    "case:paused": "Relances suspendues",
    "case:resumed": "Relances reprises",
    "promise:kept": "Promesse tenue",
    "promise:broken": "Promesse non tenue",
    "promise:cancelled": "Promesse annulée",
}
OUTCOME_LABELS = {
    "reached": "Débiteur joint",
    "no_answer": "Pas de réponse",
    "voicemail": "Message laissé",
    "wrong_number": "Mauvais numéro",
    "promise": "Promesse de paiement",
    "dispute": "Contestation",
    "refused": "Refus de payer",
    "callback_requested": "Rappel demandé",
}
PAUSE_REASON_LABELS = {
    "debtor_request": "Demande du débiteur",
    "negotiation": "Négociation en cours",
    "awaiting_information": "En attente d’informations",
    "internal_review": "Revue interne",
    "other": "Autre",
}
PAUSE_OUTCOME_LABELS = {"kept": "tenue", "broken": "non tenue", "resumed": "reprise", "cancelled": "annulée"}
CLOSE_LABELS = {
    "paid": "Payé",
    "settled": "Accord amiable",
    "written_off": "Passé en perte",
    "transferred": "Transmis",
    "other": "Autre",
}


def money(value: Any) -> str:
    try:
        return money_fr(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def day(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return date_fr(value.astimezone(PARIS).date())
    if isinstance(value, date):
        return date_fr(value)
    text = str(value)
    if "T" in text:
        return date_fr(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(PARIS).date())
    return date_fr(date.fromisoformat(text))


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """The rendered page and its status."""
    return render_template(template, person=signed_in(), **context), status


def install(app: Flask) -> None:
    """The filters and globals of the pages' templates."""
    app.jinja_env.filters.update(money=money, day=day)
    app.jinja_env.globals.update(
        csrf_token=csrf_token,
        may=may,
        Permission=Permission,
        STEP_LABELS=STEP_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        ACTION_LABELS=ACTION_LABELS,
        CLOSE_LABELS=CLOSE_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
        PAUSE_REASON_LABELS=PAUSE_REASON_LABELS,
        PAUSE_OUTCOME_LABELS=PAUSE_OUTCOME_LABELS,
        ROLE_LABELS=ROLE_LABELS,
    )
