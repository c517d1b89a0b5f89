"""What the lawyer must do once the ordonnance portant injonction de payer is granted (LEGAL.md §5.2), for the
dossier's internal note:

* CPC 1411: the ordonnance is served (signification by a commissaire de justice) with the bordereau within six
  months of its date, or it lapses (*non avenue*);
* CPC 1416: the debtor may oppose within one month of service; when service was not made to the debtor in
  person, the month runs from the first act served in person or the first enforcement measure that makes
  the debtor's assets unavailable in whole or part;
* CPC 643 (juridiction in metropolitan France): the opposition period is extended by one month for a debtor
  living in the overseas territories it lists and by two months for one living abroad; CPC 644 gives the
  same extensions when the court sits overseas. The debtor's address decides which applies.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Postal code prefixes of the overseas territories listed by CPC 643 1° (Guadeloupe 971, Martinique 972,
#: Guyane 973, La Réunion 974, Saint-Pierre-et-Miquelon 975, Mayotte 976, Saint-Barthélemy and Saint-Martin
#: 977/978, Wallis-et-Futuna 986, Polynésie française 987, Nouvelle-Calédonie 988; TAAF are not postal).
OVERSEAS_PREFIXES = ("971", "972", "973", "974", "975", "976", "977", "978", "986", "987", "988")


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    basis: str


def distance_extension(country: str, postal_code: str) -> Step | None:
    """CPC 643 / 644: the extension of the opposition period the debtor's address gives, if any."""
    if country.upper() != "FR":
        text = (
            "Le débiteur demeure à l’étranger : le délai d’opposition est augmenté de deux mois (CPC art. 643 2° ; "
            "art. 644 si la juridiction siège outre-mer). Vérifier aussi les règles de signification à "
            "l’étranger (CPC art. 683 et s.) et, dans l’Union européenne, le règlement (UE) 2020/1784."
        )
        return Step("Délai de distance", text, "CPC art. 643 et 644")
    if postal_code.startswith(OVERSEAS_PREFIXES):
        text = (
            "Le débiteur demeure outre-mer : si la juridiction siège en France métropolitaine, le délai "
            "d’opposition est augmenté d’un mois (CPC art. 643 1°) ; si elle siège outre-mer, l’article 644 "
            "s’applique."
        )
        return Step("Délai de distance", text, "CPC art. 643 et 644")
    return None


def after_order_steps(country: str, postal_code: str) -> list[Step]:
    """The steps after the ordonnance, in order, with the debtor's distance extension when there is one."""
    steps = [
        Step(
            "Signification dans les six mois",
            "Faire signifier l’ordonnance, avec le bordereau des pièces, par un commissaire de justice dans les "
            "six mois de sa date ; à défaut, elle est non avenue. Les pièces sont mises à disposition du débiteur "
            "par voie électronique par le commissaire de justice, ou jointes à l’acte si c’est impossible.",
            "CPC art. 1411",
        ),
        Step(
            "Opposition dans le mois de la signification",
            "Le débiteur peut former opposition dans le mois qui suit la signification. Si la signification n’a "
            "pas été faite à personne, le délai court du premier acte signifié à personne ou de la première mesure "
            "d’exécution rendant indisponibles tout ou partie de ses biens.",
            "CPC art. 1416",
        ),
    ]
    extension = distance_extension(country, postal_code)
    if extension:
        steps.append(extension)
    steps.append(
        Step(
            "Effets de l’ordonnance",
            "L’ordonnance est remise revêtue de la formule exécutoire ; en l’absence d’opposition dans le délai, "
            "elle produit tous les effets d’un jugement contradictoire et peut être exécutée pendant dix ans.",
            "CPC art. 1410 ; CPCE art. L111-4",
        )
    )
    return steps
