"""Amounts in French words, as an acknowledgement of debt writes them beside the figures (C. civ. 1376: "la
mention, écrite par lui-même, de la somme ou de la quantité en toutes lettres et en chiffres").

Traditional spelling (hyphens below one hundred, "et un", "quatre-vingts", "deux cents" but "deux cent un",
"mille" invariable, "million(s)" and "milliard(s)" as nouns): "mille deux cent trente-quatre euros et
cinquante-six centimes"; a whole number of millions takes "d'euros" ("un million d'euros").
"""

from __future__ import annotations

from decimal import Decimal

_UNITS = (
    *("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"),
    *("dix", "onze", "douze", "treize", "quatorze", "quinze", "seize"),
)
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}
_SCALES = ((1_000_000_000, "milliard"), (1_000_000, "million"))


def _below_hundred(n: int) -> str:
    """0–99."""
    if n < 17:
        return _UNITS[n]
    if n < 20:
        return f"dix-{_UNITS[n - 10]}"
    tens, unit = divmod(n, 10)
    if tens in (7, 9):
        base = "soixante" if tens == 7 else "quatre-vingt"
        rest = unit + 10
        joiner = " et " if tens == 7 and unit == 1 else "-"
        return f"{base}{joiner}{_below_hundred(rest)}"
    base = "quatre-vingt" if tens == 8 else _TENS[tens]
    if unit == 0:
        return "quatre-vingts" if tens == 8 else base
    if unit == 1 and tens != 8:
        return f"{base} et un"
    return f"{base}-{_UNITS[unit]}"


def _below_thousand(n: int, *, final: bool = True) -> str:
    """0–999; ``final`` is false when "mille" follows (then "deux cent mille", "quatre-vingt mille")."""
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        cent = "cent" if hundreds == 1 else f"{_UNITS[hundreds]} cent"
        words.append(cent + ("s" if hundreds > 1 and rest == 0 and final else ""))
    if rest or not hundreds:
        text = _below_hundred(rest)
        words.append(text[:-1] if text == "quatre-vingts" and not final else text)
    return " ".join(words)


def number_fr(n: int) -> str:
    """A whole number 0 ≤ n < 10¹² in French words."""
    if not 0 <= n < 10**12:
        raise ValueError("number_fr covers 0 to 999 999 999 999")
    if n < 1000:
        return _below_thousand(n)
    words = []
    for size, name in _SCALES:
        count, n = divmod(n, size)
        if count:
            words.append(f"{_below_thousand(count)} {name}{'s' if count > 1 else ''}")
    thousands, n = divmod(n, 1000)
    if thousands:
        words.append("mille" if thousands == 1 else f"{_below_thousand(thousands, final=False)} mille")
    if n:
        words.append(_below_thousand(n))
    return " ".join(words)


def amount_fr(amount: Decimal) -> str:
    """``1234.56`` → "mille deux cent trente-quatre euros et cinquante-six centimes"."""
    cents = int((amount * 100).to_integral_exact())
    euros, rest = divmod(cents, 100)
    if euros == 0 and rest:
        return f"{number_fr(rest)} centime{'s' if rest > 1 else ''}"
    if euros >= 1_000_000 and euros % 1_000_000 == 0:
        text = f"{number_fr(euros)} d’euros"
    else:
        text = f"{number_fr(euros)} euro{'s' if euros > 1 else ''}"
    if rest:
        text += f" et {number_fr(rest)} centime{'s' if rest > 1 else ''}"
    return text
