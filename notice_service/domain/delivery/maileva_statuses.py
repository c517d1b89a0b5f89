"""Maileva (``registered_mail/v4``) codes → provider-neutral facts, as a data table.

From the published OpenAPI 4.9: the ``delivery_status.code`` table (``LP00``–``LP29``: code, label, La Poste's
code, family) and the ``recipient_status`` enum; plus the three proof events the adapter derives from the
recipient's proof dates (``adapters/postal/maileva_events.py``). Codes not listed (``LP00`` unknown, ``PENDING``,
``ACCEPTED``, ``PROCESSED`` …) record no fact.
"""

from __future__ import annotations

from notice_service.domain.delivery.facts import FactKind

MAILEVA_STATUSES: dict[str, FactKind] = {
    "LP01": FactKind.DEPOSITED,  # Pris en charge
    "LP02": FactKind.SUBMITTED,  # Courrier imprimé et prêt à expédier
    "LP03": FactKind.IN_TRANSIT,  # Tri départ
    "LP04": FactKind.IN_TRANSIT,  # Tri arrivée
    "LP06": FactKind.IN_TRANSIT,  # Preuve de contenu générée
    "LP07": FactKind.IN_TRANSIT,  # Preuve de contenu envoyée
    "LP08": FactKind.FIRST_PRESENTED,  # Pli mis à disposition en bureau de poste
    "LP09": FactKind.FIRST_PRESENTED,  # Destinataire absent avisé (avis de passage)
    "LP10": FactKind.IN_TRANSIT,  # Destinataire absent nouveau rendez-vous
    "LP11": FactKind.IN_TRANSIT,  # Remis en distribution
    "LP12": FactKind.IN_TRANSIT,  # Distribution différée pour force majeure
    "LP13": FactKind.IN_TRANSIT,  # Distribution différée pour raison interne
    "LP14": FactKind.IN_TRANSIT,  # Arrivée au site de distribution
    "LP15": FactKind.DELIVERED,  # Distribué
    "LP16": FactKind.DELIVERED,  # Distribué (avec remarques du destinataire)
    "LP17": FactKind.RETURNED,  # Distribué à l'expéditeur (suite au retour du pli)
    "LP19": FactKind.UNCLAIMED,  # Retour à l'expéditeur : délai d'instance expiré
    "LP20": FactKind.ADDRESS_ERROR,  # Retour à l'expéditeur : adresse incorrecte/incomplète
    "LP21": FactKind.ADDRESS_ERROR,  # Retour à l'expéditeur : destinataire inconnu à l'adresse
    "LP22": FactKind.REFUSED,  # Retour à l'expéditeur : pli refusé
    "LP23": FactKind.IN_TRANSIT,  # Renvoyé par le Service Client au destinataire
    "LP24": FactKind.IN_TRANSIT,  # Renvoi vers l'expéditeur après enquête (LP17 says when it is back)
    "LP25": FactKind.UNCLAIMED,  # Renvoi vers l'expéditeur : délai de garde expiré
    "LP26": FactKind.IN_TRANSIT,  # Réexpédition/Dérivation
    "LP27": FactKind.IN_TRANSIT,  # Renvoi du Service Client vers l'expéditeur
    "LP28": FactKind.DELIVERED,  # Distribué au destinataire après enquête
    "LP29": FactKind.DELIVERED,  # Remis et distribué en lot
    "REJECTED": FactKind.FAILED,  # recipient_status: le destinataire n'est pas valide
    "SENDING_REJECTED": FactKind.FAILED,  # recipient_status: envoi rejeté
    # The proof events (the proof's date; LP05 and LP18 announce the same files and record nothing more).
    "DEPOSIT_PROOF": FactKind.DEPOSITED,
    "ACKNOWLEDGEMENT_OF_RECEIPT": FactKind.DELIVERED,
    "UNDELIVERED_MAIL": FactKind.RETURNED,
}
