"""Verification codes: the short, unguessable code printed on every letter, under ``/v/<code>``.

A code is 100 random bits (``secrets``) written as 20 characters of Douglas Crockford's base32 alphabet
(digits and capitals without I, L, O and U, so nothing is ambiguous when read aloud or typed), shown in four
groups of five (``7K3M9-QX2PA-HT4WZ-B8N6R``). It is stored canonical (20 characters, no hyphen).

Reading one back is forgiving the way Crockford's spec asks: case, hyphens and spaces do not matter, ``I`` and
``L`` read as ``1`` and ``O`` as ``0``. Anything else (another length, ``U``, a sign, more than
``MAX_INPUT_LENGTH`` characters) is not a code at all: ``canonical`` answers ``None`` and the page answers as
for an unknown code, so a visitor learns nothing about how "close" a guess was.

The code is a bearer reference to public facts only (issuer, date, kind, the signed PDF's digest), so the
database keeps it as is; the audit log, which leaves the service in exports and dossiers, keeps its SHA-256
(``code_digest``), enough to prove which code a letter printed without handing the link out.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
BITS = 100
LENGTH = BITS // 5  # 20 characters
GROUP = 5
MAX_INPUT_LENGTH = 64  # a pasted code with spaces or hyphens is far shorter; longer input is not read
_READ_AS = {"I": "1", "L": "1", "O": "0"}
_IGNORED = frozenset("- ")
_DIGEST_DOMAIN = b"notice-service/verification-code/v1\n"


def new_code() -> str:
    """A fresh canonical code: ``BITS`` bits from the operating system's CSPRNG."""
    value = secrets.randbits(BITS)
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(LENGTH)))


def grouped(code: str) -> str:
    """The canonical ``code`` as printed: groups of five joined by hyphens."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def canonical(text: str) -> str | None:
    """The canonical code ``text`` spells, or ``None`` when it is not a well-formed code."""
    if len(text) > MAX_INPUT_LENGTH:
        return None
    characters = []
    for character in text.upper():
        if character in _IGNORED:
            continue
        character = _READ_AS.get(character, character)
        if character not in ALPHABET:
            return None
        characters.append(character)
    return "".join(characters) if len(characters) == LENGTH else None


def code_digest(code: str) -> str:
    """The SHA-256 (hex) the audit record carries instead of the code."""
    return hashlib.sha256(_DIGEST_DOMAIN + code.encode("ascii")).hexdigest()


def verification_url(public_url: str, code: str) -> str:
    """``<public base URL>/v/<grouped code>``."""
    return f"{public_url.rstrip('/')}/v/{grouped(code)}"
