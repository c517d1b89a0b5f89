"""Bank details printed in payment instructions: IBAN (ISO 13616, mod-97 check) and BIC (ISO 9362 format).

A letter that asks to be paid on a mistyped IBAN sends the debtor's money nowhere; the tenant's IBAN and
BIC are checked when the profile is updated and again when a letter is drafted. The BIC has no check digit:
only its shape (4 letters of institution, the 2-letter country, 2 characters of location, an optional
3-character branch) can be verified.
"""

from __future__ import annotations

import re

#: IBAN length per country for the SEPA area and French overseas territories (SWIFT IBAN registry).
IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
    "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}  # fmt: skip
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\Z")
_BIC_SHAPE = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?\Z")


def normalise_iban(raw: str) -> str:
    """Upper case without the spaces people type between groups of four."""
    return re.sub(r"\s+", "", raw).upper()


def iban_checksum_valid(iban: str) -> bool:
    """ISO 13616 / ISO 7064 MOD 97-10: country and check digits moved to the end, letters as 10–35, ≡ 1 mod 97."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def iban_problem(raw: str) -> str | None:
    """``None`` when ``raw`` is a valid IBAN, else what is wrong with it, in words a person can act on."""
    iban = normalise_iban(raw)
    if not _IBAN_SHAPE.match(iban):
        return "an IBAN is 2 letters (country), 2 check digits, then up to 30 letters and digits"
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return f"an IBAN from {iban[:2]} has {expected} characters, this one has {len(iban)}"
    if not iban_checksum_valid(iban):
        return "the IBAN's check digits are wrong (mod 97): check for a typing error"
    return None


def format_iban(raw: str) -> str:
    """``FR7630006000011234567890189`` → ``FR76 3000 6000 0112 3456 7890 189`` (print format, groups of 4)."""
    iban = normalise_iban(raw)
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def bic_problem(raw: str) -> str | None:
    """``None`` when ``raw`` has the shape of a BIC (8 or 11 characters), else what is wrong with it."""
    if not _BIC_SHAPE.match(raw.strip().upper()):
        return "a BIC has 8 or 11 characters: 4 letters (bank), 2 letters (country), 2 (place), optionally 3 (branch)"
    return None
