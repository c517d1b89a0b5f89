"""Provider events → provider-neutral facts, as data tables: Merci Facteur webhooks and La Poste Suivi v2
event codes (LEGAL.md Part B §7.2).

Merci Facteur (public documentation, github.com/MerciFacteur/Merci-facteur-API, ``ai-guides/besoin/
webhooks.md``) posts ``application/x-www-form-urlencoded`` bodies with two JSON strings: ``event``
(``name_event``, ``id_user``, ``date_event`` in Unix seconds) and ``detail`` (one object per letter:
``ref_courrier``, ``ref_interne``, ``mode_envoi`` ``lrar``/``lrare``/…, ``tracking_number``, the stable
``statut_courrier`` code, and inline ``are_base64_jpeg`` / ``pdd_base64_pdf``). It retries twice, so the
natural key ``(name_event, statut_courrier, ref_courrier)`` is the source event id.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from notice_service.domain.delivery.facts import EvidenceKind, Fact, FactKind
from notice_service.errors import FieldError, InvalidInput

#: Merci Facteur ``statut_courrier`` → fact (paper letters, then electronic registered letters).
MERCI_FACTEUR_STATUSES: dict[str, FactKind] = {
    "wait": FactKind.SUBMITTED,
    "imprime": FactKind.SUBMITTED,
    "pris_en_charge": FactKind.DEPOSITED,
    "prix_en_charge_pays_destinataire": FactKind.IN_TRANSIT,  # sic: the API's spelling
    "traitement": FactKind.IN_TRANSIT,
    "traitement_pays_destination": FactKind.IN_TRANSIT,
    "transit_pays_intermediaire": FactKind.IN_TRANSIT,
    "entree_douane": FactKind.IN_TRANSIT,
    "sortie_douane": FactKind.IN_TRANSIT,
    "retenu_douane": FactKind.IN_TRANSIT,
    "attente_presentation": FactKind.IN_TRANSIT,
    "distribution_en_cours": FactKind.IN_TRANSIT,
    "attente_au_guichet": FactKind.FIRST_PRESENTED,
    "probleme_resolu": FactKind.IN_TRANSIT,
    "probleme_en_cours": FactKind.IN_TRANSIT,
    "non_distribuable": FactKind.ADDRESS_ERROR,
    "retour_expediteur": FactKind.RETURNED,
    "distribue": FactKind.DELIVERED,
    "distribue_expediteur": FactKind.RETURNED,
    "archivage_pnd": FactKind.RETURNED,
    "retour_are": FactKind.DELIVERED,
    "scan_pdd": FactKind.DEPOSITED,
    "envoye": FactKind.DEPOSITED,
    "accept_wait": FactKind.FIRST_PRESENTED,
    "accept_lock": FactKind.FIRST_PRESENTED,
    "accept_notification_error": FactKind.ADDRESS_ERROR,
    "accepted": FactKind.ACCEPTED,
    "accepted_downloaded": FactKind.ACCEPTED,
    "expired": FactKind.EXPIRED,
    "refused": FactKind.REFUSED,
}

#: Merci Facteur inline files: detail field → (evidence kind, what the field should hold).
MERCI_FACTEUR_FILES: dict[str, EvidenceKind] = {
    "are_base64_jpeg": EvidenceKind.ACKNOWLEDGEMENT_OF_RECEIPT,
    "pdd_base64_pdf": EvidenceKind.DEPOSIT_PROOF,
}

#: La Poste Suivi v2 event codes (third-party clients, LEGAL.md §7.2 [S]); doubtful codes (DI0, DI3) left out.
LA_POSTE_CODES: dict[str, FactKind] = {
    "DR1": FactKind.SUBMITTED,
    "PC1": FactKind.DEPOSITED,
    "PC2": FactKind.DEPOSITED,
    "ET1": FactKind.IN_TRANSIT,
    "ET2": FactKind.IN_TRANSIT,
    "ET3": FactKind.IN_TRANSIT,
    "ET4": FactKind.IN_TRANSIT,
    "EP1": FactKind.IN_TRANSIT,
    "DO1": FactKind.IN_TRANSIT,
    "DO2": FactKind.IN_TRANSIT,
    "DO3": FactKind.IN_TRANSIT,
    "PB1": FactKind.IN_TRANSIT,
    "PB2": FactKind.IN_TRANSIT,
    "MD2": FactKind.IN_TRANSIT,
    "ND1": FactKind.ADDRESS_ERROR,
    "AG1": FactKind.FIRST_PRESENTED,
    "RE1": FactKind.RETURNED,
    "DI1": FactKind.DELIVERED,
    "DI2": FactKind.RETURNED,
}


@dataclass(frozen=True)
class InlineEvidence:
    kind: EvidenceKind
    data: bytes


@dataclass(frozen=True)
class ProviderEvent:
    """One fact about one letter, with how to find our delivery and the raw event it came from."""

    fact: Fact
    delivery_ref: str | None
    provider_reference: str | None
    tracking_number: str | None
    evidence: tuple[InlineEvidence, ...]
    raw: Mapping[str, object]


def la_poste_fact(code: str) -> FactKind:
    """The fact of a La Poste Suivi v2 event code; ``InvalidInput`` for a code we do not map."""
    kind = LA_POSTE_CODES.get(code.upper())
    if kind is None:
        raise _bad("laposte_code", f"unknown La Poste event code {code!r}; known: {', '.join(LA_POSTE_CODES)}")
    return kind


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"The provider event cannot be read: {message}.", errors=[FieldError(field, message)])


def _json_field(form: Mapping[str, str], name: str) -> object:
    try:
        return json.loads(form[name])
    except KeyError:
        raise _bad(name, f"the form has no {name!r} field") from None
    except json.JSONDecodeError:
        raise _bad(name, f"the {name!r} field is not JSON") from None


def _inline_files(letter: Mapping[str, object]) -> tuple[InlineEvidence, ...]:
    files = []
    for field, kind in MERCI_FACTEUR_FILES.items():
        encoded = letter.get(field)
        if encoded:
            try:
                files.append(InlineEvidence(kind, base64.b64decode(str(encoded), validate=True)))
            except (binascii.Error, ValueError):
                raise _bad(f"detail.{field}", "not base64") from None
    return tuple(files)


def _merci_facteur_event(name: str, when: datetime, letter: Mapping[str, object]) -> ProviderEvent:
    status, ref = letter.get("statut_courrier"), letter.get("ref_courrier")
    if not isinstance(status, str) or not isinstance(ref, str) or not ref:
        raise _bad("detail", "each letter needs its statut_courrier and ref_courrier")
    kind = MERCI_FACTEUR_STATUSES.get(status)
    if kind is None:
        raise _bad("detail.statut_courrier", f"unknown Merci Facteur status {status!r}")
    tracking = letter.get("tracking_number")
    internal = letter.get("ref_interne")
    return ProviderEvent(
        fact=Fact(kind, when, f"merci_facteur:{name}:{status}:{ref}"),
        delivery_ref=internal if isinstance(internal, str) and internal else None,
        provider_reference=ref,
        tracking_number=tracking if isinstance(tracking, str) and tracking else None,
        evidence=_inline_files(letter),
        raw={"event": name, "letter": {k: v for k, v in letter.items() if k not in MERCI_FACTEUR_FILES}},
    )


def parse_merci_facteur(form: Mapping[str, str]) -> list[ProviderEvent]:
    """The events of one Merci Facteur webhook body (already form-decoded); ``InvalidInput`` when malformed."""
    event, detail = _json_field(form, "event"), _json_field(form, "detail")
    if not isinstance(event, dict) or not isinstance(detail, list) or not detail:
        raise _bad("event", "'event' must be an object and 'detail' a non-empty list")
    name, stamp = event.get("name_event"), event.get("date_event")
    if not isinstance(name, str) or isinstance(stamp, bool) or not isinstance(stamp, int):
        raise _bad("event", "name_event (text) and date_event (Unix seconds) are required")
    when = datetime.fromtimestamp(stamp, tz=UTC)
    if not all(isinstance(letter, dict) for letter in detail):
        raise _bad("detail", "each element of 'detail' must be an object")
    return [_merci_facteur_event(name, when, cast(Mapping[str, object], letter)) for letter in detail]


#: AR24 (qualified LRE) journey steps, as ``adapters/postal/ar24.py`` reports them from the mail's dates: the
#: deposit (the recipient is notified by e-mail at once), the reception, the refusal, the negligence after the
#: 15 days (C. postes R53-3), the bounce of the notification e-mail.
AR24_STATUSES: dict[str, FactKind] = {
    "ev": FactKind.DEPOSITED,
    "AR": FactKind.ACCEPTED,
    "rf": FactKind.REFUSED,
    "ng": FactKind.EXPIRED,
    "bc": FactKind.ADDRESS_ERROR,
}
