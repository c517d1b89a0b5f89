"""The case's amicable follow-up for the lawyer's internal note: each promise to pay (amount, date, made when,
kept, broken or cancelled), each manual pause, and the calls to the debtor with their outcome.

They are notes, never pièces: the bordereau is served on the debtor (CPC 1411). A promise is an acknowledgement
of the debt only if it can be proved (C. civ. 2240): the note says when it was recorded and how it ended, the
audit records in the dossier (``promise:made`` …) prove when, the note's wording is the lawyer's to weigh.
"""

from __future__ import annotations

from notice_service.db.models.pauses import CasePause
from notice_service.domain.dossier.legal import Finding
from notice_service.domain.french_format import date_fr, money_fr
from notice_service.use_cases.dossier.collect import CaseMaterial

PROMISE_OUTCOMES = {
    None: "en cours",
    "kept": "tenue",
    "broken": "non tenue",
    "cancelled": "annulée",
    "resumed": "levée",
}
PAUSE_OUTCOMES = {None: "en cours", "resumed": "reprise", "cancelled": "annulée", "kept": "levée au paiement"}
CALL_OUTCOMES = {
    "reached": "débiteur joint",
    "no_answer": "sans réponse",
    "voicemail": "message laissé",
    "wrong_number": "mauvais numéro",
    "promise": "promesse de paiement",
    "dispute": "contestation",
    "refused": "refus de payer",
    "callback_requested": "rappel demandé",
}


def _pause_note(pause: CasePause) -> Finding:
    made = date_fr(pause.created_at.date())
    if pause.kind == "promise" and pause.amount is not None:
        text = (
            f"Promesse de paiement de {money_fr(pause.amount)} pour le {date_fr(pause.until)}, enregistrée le "
            f"{made} : {PROMISE_OUTCOMES.get(pause.outcome, pause.outcome)}."
        )
        return Finding(f"promise_{pause.outcome or 'running'}", text)
    text = (
        f"Relances suspendues du {date_fr(pause.starts_on)} jusqu’au {date_fr(pause.until)} (enregistré le {made}) : "
        f"{PAUSE_OUTCOMES.get(pause.outcome, pause.outcome)}."
    )
    return Finding("manual_pause", text)


def follow_up_notes(material: CaseMaterial) -> list[Finding]:
    """One note per promise or pause, oldest first, then one listing the calls."""
    notes = [_pause_note(pause) for pause in material.pauses]
    if material.calls:
        listed = "; ".join(
            f"{date_fr(call.called_at.date())} ({CALL_OUTCOMES.get(call.outcome, call.outcome)})"
            for call in material.calls
        )
        notes.append(Finding("calls", f"Appels au débiteur : {listed}."))
    return notes
