"""Maileva's wire vocabulary (``registered_mail/v4``, OpenAPI 4.9), shared by the adapter and, as the
documentation's reading, by its twin: the six address lines of 38 characters, the countries the API accepts,
the custom ids, the authentication endpoint derived from the API's base URL, the error codes.

All of it is from the published OpenAPI documents (``api-registered_mail-v4-9.yaml``,
``api-authentication-v2-1b.yaml``, as republished in github.com/Justisy/maileva ``openapi/``), except where a
comment says *assumed*.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

from notice_service.ports import PostalAddress, ProviderError

#: ``country_code``: "Codes autorisés FR, MC, RE, YT, MQ, GP, MF, BL, GF" (the API refuses the others with
#: ``INVALID_COUNTRY_CODE``).
COUNTRIES = frozenset({"FR", "MC", "RE", "YT", "MQ", "GP", "MF", "BL", "GF"})
LINE_LIMIT = 38  # every address_line_1 … address_line_6 (ADDRESS_LINE_n_TOO_LONG)
NAME_LIMIT = 256  # sending ``name`` (NAME_TOO_LONG)
SENDING_CUSTOM_ID_LIMIT = 38
RECIPIENT_CUSTOM_ID_LIMIT = 36
REFERENCE_TO_PRINT_LIMIT = 26
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # INVALID_DOCUMENT_SIZE / INVALID_TOTAL_SENDING_SIZE
FRENCH_LINE_6 = re.compile(r"^\d{5} \S")  # INVALID_ADDRESS_LINE_6: "[CODE_POSTAL] [VILLE]" when FR

#: The documented token endpoints (Keycloak realm ``services``), by the API host they serve.
TOKEN_PATH = "/auth/realms/services/protocol/openid-connect/token"  # noqa: S105 (a path, not a secret)
TOKEN_HOSTS = {"api.maileva.com": "connexion.maileva.com", "api.sandbox.maileva.net": "connexion.sandbox.maileva.net"}


def token_url(base_url: str, auth_url: str | None = None) -> str:
    """Where the OAuth2 token comes from: ``auth_url`` when given, the documented ``connexion`` host of a
    Maileva API host, or the same origin's ``/auth/realms/services/…/token`` (a twin, a proxy)."""
    if auth_url:
        return auth_url
    parts = urlsplit(base_url)
    host = TOKEN_HOSTS.get(parts.hostname or "")
    return f"https://{host}{TOKEN_PATH}" if host else f"{parts.scheme}://{parts.netloc}{TOKEN_PATH}"


def wire_key(idempotency_key: str, limit: int) -> str:
    """The idempotency key as a custom id of at most ``limit`` characters (a delivery id, a UUID of 36, fits;
    a longer key becomes the hex of its SHA-256, cut to the limit)."""
    if len(idempotency_key) <= limit:
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:limit]


def address_lines(address: PostalAddress, role: str) -> dict[str, str]:
    """``address_line_1`` … ``address_line_6`` and ``country_code`` (``sender_…`` for the sender), checked
    against the documented limits *before* anything is sent: ``ProviderError('address-too-long' |
    'unsupported-country' | 'invalid-request')`` naming our field (``recipient.lines[2]``, ``recipient.city``…).

    Line 1 is the name (company), lines 2–5 the address lines in order, line 6 ``"<postal code> <city>"``."""
    if not address.lines or len(address.lines) > 5:
        raise ProviderError(
            "address-too-long",
            f"Maileva prints six lines of {LINE_LIMIT} characters: a name, at most four address lines and the "
            f"postal code with the city; the {role} has {len(address.lines)} name and address lines.",
            field_name=f"{role}.lines",
        )
    for index, line in enumerate(address.lines):
        if len(line) > LINE_LIMIT:
            raise ProviderError(
                "address-too-long",
                f"The {role}'s line {index + 1} has {len(line)} characters; Maileva prints at most {LINE_LIMIT}: "
                "abbreviate it (NF Z10-011) or move part of it to another line.",
                field_name=f"{role}.lines[{index}]",
            )
    country = address.country.upper()
    if country not in COUNTRIES:
        raise ProviderError(
            "unsupported-country",
            f"Maileva's registered letter serves {', '.join(sorted(COUNTRIES))}; not {address.country!r}.",
            field_name=f"{role}.country",
        )
    line_6 = _line_6(address, role, country)
    lines = [*address.lines, "", "", "", "", ""][:5]
    fields = {f"address_line_{n}": lines[n - 1] for n in range(1, 6) if lines[n - 1]}
    return {**fields, "address_line_6": line_6, "country_code": country}


def _line_6(address: PostalAddress, role: str, country: str) -> str:
    """``"<postal code> <city>"``, at most 38 characters, a 5-digit postal code first in France."""
    line_6 = f"{address.postal_code} {address.city}".strip()
    if len(line_6) > LINE_LIMIT:
        raise ProviderError(
            "address-too-long",
            f"The {role}'s postal code and city make {len(line_6)} characters on one line; Maileva prints at "
            f"most {LINE_LIMIT}: use the city's shorter official spelling (La Poste's CEDEX form).",
            field_name=f"{role}.city",
        )
    if country == "FR" and not FRENCH_LINE_6.match(line_6):
        raise ProviderError(
            "invalid-request",
            f"A French address needs a 5-digit postal code before the city; the {role} has {address.postal_code!r}.",
            field_name=f"{role}.postal_code",
        )
    return line_6


def sender_lines(address: PostalAddress) -> dict[str, str]:
    """The sending's ``sender_address_line_*`` and ``sender_country_code``."""
    return {f"sender_{key}": value for key, value in address_lines(address, "sender").items()}


#: Maileva ``errors[].code`` (registered_mail v4 ``error_response``) → our code; the address ones name a field.
ERROR_CODES = {
    "INVALID_COUNTRY_CODE": "unsupported-country",
    "COUNTRY_CODE_EMPTY": "unsupported-country",
    "DOCUMENT_TYPE_NOT_ACCEPTED": "document-rejected",
    "INVALID_DOCUMENT_SIZE": "document-rejected",
    "INVALID_TOTAL_SENDING_SIZE": "document-rejected",
    "EMPTY_DOCUMENT": "document-rejected",
    "SENDING_NOT_FOUND": "not-found",
    "RECIPIENT_NOT_FOUND": "not-found",
    "DOCUMENT_NOT_FOUND": "not-found",
    "SENDING_STATUS_IS_NOT_DRAFT": "not-draft",
}
_LINE_ERROR = re.compile(r"^(SENDER_)?ADDRESS_LINE_(\d)_TOO_LONG$")


def refusal_code(code: str) -> tuple[str, str | None]:
    """Our code, and the field it names when it is an address line's (``ADDRESS_LINE_3_TOO_LONG`` →
    ``recipient.lines[2]``; line 6 → ``recipient.city``)."""
    matched = _LINE_ERROR.match(code)
    if matched:
        role, line = ("sender" if matched.group(1) else "recipient"), int(matched.group(2))
        return "address-too-long", f"{role}.city" if line == 6 else f"{role}.lines[{line - 1}]"
    if code == "INVALID_ADDRESS_LINE_6":
        return "invalid-request", "recipient.postal_code"
    return ERROR_CODES.get(code, "invalid-request"), None
