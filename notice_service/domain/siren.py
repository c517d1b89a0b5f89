"""SIREN numbers (INSEE company identifiers): 9 digits whose Luhn check digit is valid.

La Poste's SIREN (356 000 000) is the one historic exception to the Luhn rule; INSEE documents it, so it
is accepted (its digit sum is a multiple of 5).
"""

from __future__ import annotations

_LA_POSTE = "356000000"


def normalise_siren(raw: str) -> str:
    """Remove spaces and dots people type between the three groups of digits."""
    return raw.replace(" ", "").replace("\u00a0", "").replace(".", "")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siren_problem(raw: str) -> str | None:
    """``None`` when ``raw`` is a valid SIREN, else what is wrong with it, in words a person can act on."""
    siren = normalise_siren(raw)
    if len(siren) != 9 or not siren.isdigit():
        return "a SIREN has exactly 9 digits"
    if siren == _LA_POSTE:
        return None
    if not luhn_valid(siren):
        return "the SIREN's check digit is wrong (Luhn): check for a typing error"
    return None


def format_siren(siren: str) -> str:
    """``123456789`` → ``123 456 789`` as printed on French letters."""
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}"
