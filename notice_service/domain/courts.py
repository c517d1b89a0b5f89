"""Which court receives a requête en injonction de payer (CPC 1406, d'ordre public) and how it is named.

* **Kind of court** from the debtor's activity (issue 12, finding 2). C. com. L721-3 gives the tribunal de
  commerce the claims between commerçants and between artisans (artisans since 1 January 2022, loi 2016-1547
  art. 95) and those about sociétés commerciales; every other debtor (profession libérale, société civile such
  as an SCI, association, agriculteur, an entrepreneur individuel whose activity is neither commercial nor
  artisanal, a public body, a consumer) goes to the tribunal judiciaire. Alsace-Moselle (57, 67, 68): the
  commercial claims go to the tribunal judiciaire's chambre commerciale.
* **Which one** from the debtor's commune (CPC 1406: where the debtor lives): the shipped table
  (``notice_service/court_data/courts.json``, with its sources and date). Since 1 January 2025, twelve
  tribunaux de commerce are tribunaux des activités économiques (arrêté du 5 juillet 2024). A commune the
  table does not hold gives no court (``None``): the requête is refused rather than addressed to a guessed
  court.
* **Default activity**: a business debtor registered without ``activity`` is a ``societe_commerciale`` (what
  the service assumed before the field existed, and the common case of a B2B dunning service); it is printed
  as "La société" only when the activity is a société.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: code → (what a French reader sees, whether the tribunal de commerce has jurisdiction, whether it is a société)
ACTIVITIES: dict[str, tuple[str, bool, bool]] = {
    "commercant": ("commerçant", True, False),
    "societe_commerciale": ("société commerciale", True, True),
    "artisan": ("artisan", True, False),
    "profession_liberale": ("profession libérale", False, False),
    "societe_civile": ("société civile", False, True),
    "association": ("association", False, False),
    "agriculteur": ("exploitant agricole", False, False),
    "entrepreneur_individuel": ("entrepreneur individuel", False, False),
    "personne_publique": ("personne publique", False, False),
}
DEFAULT_BUSINESS_ACTIVITY = "societe_commerciale"
ALSACE_MOSELLE = ("57", "67", "68")
_CEDEX = re.compile(r"\s+cedex(\s+\d+)?$")
_ARRONDISSEMENT = re.compile(r"\s+\d{1,2}(e|er|eme)?$")


@dataclass(frozen=True)
class CommuneCourts:
    departement: str
    commune: str  # "*" for every commune of the département
    tribunal_judiciaire: str
    tribunal_de_commerce: str
    source: str


@dataclass(frozen=True)
class CourtTable:
    as_of: str
    communes: tuple[CommuneCourts, ...]
    activites_economiques: tuple[str, ...]


@dataclass(frozen=True)
class NamedCourt:
    kind: str  # "tribunal_de_commerce" | "tribunal_judiciaire"
    name: str  # "tribunal des activités économiques de Lyon"
    addressee: str  # "Monsieur le Président du tribunal des activités économiques de Lyon"
    basis: str
    source: str


def commercial_court(activity: str | None) -> bool:
    """C. com. L721-3: whether the debtor's activity belongs before the tribunal de commerce."""
    return activity is not None and ACTIVITIES.get(activity, ("", False, False))[1]


def is_company(activity: str | None) -> bool:
    """Whether the debtor is named "la société …" (sociétés commerciales and civiles only)."""
    return activity is not None and ACTIVITIES.get(activity, ("", False, False))[2]


def departement_of(postal_code: str) -> str:
    """The département of a French postal code: three digits overseas (97x, 98x), else two (Corsica is 20)."""
    return postal_code[:3] if postal_code.startswith(("97", "98")) else postal_code[:2]


def normalise_commune(city: str) -> str:
    """``Paris 19e``, ``PARIS CEDEX 19``, ``Saint-Brieuc`` → ``paris``, ``paris``, ``saint brieuc``."""
    plain = unicodedata.normalize("NFKD", city).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"[^a-z0-9]+", " ", plain).strip()
    return _ARRONDISSEMENT.sub("", _CEDEX.sub("", plain)).strip()


def find_commune(table: CourtTable, postal_code: str, city: str) -> CommuneCourts | None:
    """The table's row for the debtor's commune (its département and name), or ``None``."""
    departement, commune = departement_of(postal_code), normalise_commune(city)
    for row in table.communes:
        if row.departement == departement and (row.commune == "*" or normalise_commune(row.commune) == commune):
            return row
    return None


def name_court(table: CourtTable, activity: str | None, country: str, postal_code: str, city: str) -> NamedCourt | None:
    """The court of the debtor's commune for its activity (``None`` for a consumer, pass ``activity=None``),
    or ``None`` when the commune is abroad or not in the table."""
    row = find_commune(table, postal_code, city) if country.upper() == "FR" else None
    if row is None:
        return None
    commercial = commercial_court(activity)
    if commercial and departement_of(postal_code) in ALSACE_MOSELLE:
        name = f"{row.tribunal_judiciaire} (chambre commerciale)"
        return NamedCourt("tribunal_judiciaire", name, f"Monsieur le Président du {name}", "CPC art. 1406", row.source)
    if commercial:
        name, kind, basis = row.tribunal_de_commerce, "tribunal_de_commerce", "CPC art. 1406 ; C. com. art. L721-3"
    else:
        name, kind, basis = row.tribunal_judiciaire, "tribunal_judiciaire", "CPC art. 1406"
    return NamedCourt(kind, name, f"Monsieur le Président du {name}", basis, row.source)


def court_activity(debtor_kind: str, activity: str | None) -> str | None:
    """The activity that decides the court: ``None`` for a consumer, ``DEFAULT_BUSINESS_ACTIVITY`` when unset."""
    return (activity or DEFAULT_BUSINESS_ACTIVITY) if debtor_kind == "business" else None


def court_kind_label(activity: str | None, postal_code: str) -> str:
    """The kind of court in French when the commune's court is not known (C. com. L721-3, Alsace-Moselle)."""
    if not commercial_court(activity):
        return "tribunal judiciaire"
    if departement_of(postal_code) in ALSACE_MOSELLE:
        return "tribunal judiciaire (chambre commerciale)"
    return "tribunal de commerce"


def debtor_court(table: CourtTable, activity: str | None, country: str, postal_code: str, city: str) -> str:
    """The one court a case, a letter and a requête name: the commune's court for the activity
    (``name_court``), else the kind of court (``court_kind_label``)."""
    named = name_court(table, activity, country, postal_code, city)
    return named.name if named else court_kind_label(activity, postal_code)


def _named_prefixes(activity: str | None, postal_code: str) -> tuple[str, ...]:
    """How a court named by the requérant must begin: a commercial claim (L721-3) outside Alsace-Moselle goes to
    the tribunal de commerce (or the tribunal des activités économiques where it sits); every other claim to
    the tribunal judiciaire (its chambre commerciale in Alsace-Moselle)."""
    if commercial_court(activity) and departement_of(postal_code) not in ALSACE_MOSELLE:
        return ("tribunal de commerce de ", "tribunal des activités économiques de ")
    return ("tribunal judiciaire de ",)


def court_named_by_requerant(activity: str | None, postal_code: str, name: str) -> NamedCourt:
    """A court the requérant names for a commune the table does not hold (CPC 1406: the president of the court
    of the debtor's domicile, which the requérant knows); ``ValueError`` saying which kind is expected when the
    name is not of the kind the activity calls for (``_named_prefixes``)."""
    text = " ".join(name.split())
    text = text[:1].lower() + text[1:]
    prefixes = _named_prefixes(activity, postal_code)
    if not any(text.startswith(prefix) and len(text) > len(prefix) for prefix in prefixes):
        raise ValueError("the debtor's activity calls for " + " or ".join(f"« {p}… »" for p in prefixes))
    if (
        commercial_court(activity)
        and prefixes[0].startswith("tribunal judiciaire")
        and "chambre commerciale" not in text
    ):
        text = f"{text} (chambre commerciale)"
    kind = "tribunal_judiciaire" if text.startswith("tribunal judiciaire") else "tribunal_de_commerce"
    basis = "CPC art. 1406 ; C. com. art. L721-3" if kind == "tribunal_de_commerce" else "CPC art. 1406"
    return NamedCourt(kind, text, f"Monsieur le Président du {text}", basis, "named by the requérant")
