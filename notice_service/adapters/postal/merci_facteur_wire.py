"""Merci Facteur's wire vocabulary, shared by the adapter and (as the documentation's reading) by its twin:
service levels → ``modeEnvoi``, countries spelt out, the address limits, the internal reference."""

from __future__ import annotations

import base64
import hashlib

from notice_service.ports import PostalAddress, ProofKind, ProviderError, ServiceLevel

LEVEL_MODES: dict[ServiceLevel, str] = {
    ServiceLevel.REGISTERED_WITH_RECEIPT: "lrare",  # the AR comes back to Merci Facteur, scanned: getProof "are"
    ServiceLevel.TRACKED: "suivi",
    ServiceLevel.SIMPLE: "normal",
    ServiceLevel.ELECTRONIC_REGISTERED: "ere_otp_mail",
}
MODES = frozenset({"lrar", "lrare", "suivi", "normal", "ere_otp_mail", "ere_otp_sms"})

#: ISO 3166-1 alpha-2 → the spelling ``getCountry`` lists (a few; others are refused before sending).
COUNTRIES = {"FR": "france", "BE": "belgique", "LU": "luxembourg", "CH": "suisse", "MC": "monaco", "DE": "allemagne"}

#: The documented maximum length of each address field.
LIMITS = {
    "civilite": 12,
    "societe": 90,
    "nom": 70,
    "prenom": 70,
    "adresse1": 90,
    "adresse2": 90,
    "adresse3": 90,
    "cp": 12,
    "ville": 70,
    "pays": 70,
}

#: Statuses after which a proof can be fetched (``pdd`` once posted, ``are`` once the AR came back).
STATUS_PROOFS: dict[str, tuple[ProofKind, ...]] = {
    "pris_en_charge": (ProofKind.DEPOSIT,),
    "scan_pdd": (ProofKind.DEPOSIT,),
    "retour_are": (ProofKind.RECEIPT,),
    "distribue": (ProofKind.RECEIPT,),
}


def internal_reference(idempotency_key: str) -> str:
    """The letter's ``reference`` (≤ 30 letters and digits): base32 of the key's SHA-256, 26 characters."""
    return base64.b32encode(hashlib.sha256(idempotency_key.encode()).digest()).decode("ascii")[:26]


#: Where each field comes from in a ``PostalAddress`` (the problem names our field, not theirs).
OUR_NAMES = {
    "societe": "lines[0]",
    "adresse1": "lines[1]",
    "adresse2": "lines[2]",
    "adresse3": "lines[3]",
    "cp": "postal_code",
    "ville": "city",
    "pays": "country",
}


def _check_limits(fields: dict[str, object], role: str) -> None:
    for key, value in fields.items():
        if isinstance(value, str) and len(value) > LIMITS[key]:
            raise ProviderError(
                "address-too-long",
                f"The {role}'s {key} has {len(value)} characters; Merci Facteur takes at most {LIMITS[key]}.",
                field_name=f"{role}.{OUR_NAMES.get(key, key)}",
            )


def address_json(address: PostalAddress, role: str, *, electronic: bool = False) -> dict[str, object]:
    """The documented address object; ``ProviderError('address-too-long' | 'unsupported-country')`` naming the
    field (``recipient.lines[2]`` …) before anything leaves."""
    if len(address.lines) > 4 or not address.lines:
        raise ProviderError(
            "address-too-long",
            f"Merci Facteur takes a name and at most three address lines; the {role} has {len(address.lines)} lines.",
            field_name=f"{role}.lines",
        )
    country = COUNTRIES.get(address.country.upper())
    if country is None:
        raise ProviderError(
            "unsupported-country",
            f"Merci Facteur is not set up here for {address.country!r}; supported: {', '.join(sorted(COUNTRIES))}.",
            field_name=f"{role}.country",
        )
    lines = [*address.lines[1:], "", "", ""][:3]
    fields: dict[str, object] = {
        "societe": address.lines[0],
        "adresse1": lines[0],
        "adresse2": lines[1],
        "adresse3": lines[2],
        "cp": address.postal_code,
        "ville": address.city,
        "pays": country,
    }
    _check_limits(fields, role)
    if electronic:
        fields.update({"email": address.email or "", "consent": 1})
    return fields
