"""Which court a requête goes to (issue 12, finding 2): the debtor's activity decides between the tribunal de
commerce and the tribunal judiciaire (C. com. L721-3), the shipped table names the court of its commune, the
tribunaux des activités économiques (arrêté du 5 juillet 2024) are named as such, and an unknown commune gives
no court."""

from __future__ import annotations

import pytest

from notice_service.court_data import load_court_table
from notice_service.domain.courts import (
    ACTIVITIES,
    commercial_court,
    court_named_by_requerant,
    is_company,
    name_court,
    normalise_commune,
)

TABLE = load_court_table()


@pytest.mark.parametrize(
    ("activity", "court"),
    [
        ("commercant", "tribunal des activités économiques de Lyon"),
        ("societe_commerciale", "tribunal des activités économiques de Lyon"),
        ("artisan", "tribunal des activités économiques de Lyon"),
        ("profession_liberale", "tribunal judiciaire de Lyon"),
        ("societe_civile", "tribunal judiciaire de Lyon"),
        ("association", "tribunal judiciaire de Lyon"),
        ("agriculteur", "tribunal judiciaire de Lyon"),
        ("entrepreneur_individuel", "tribunal judiciaire de Lyon"),
        ("personne_publique", "tribunal judiciaire de Lyon"),
        (None, "tribunal judiciaire de Lyon"),  # a consumer
    ],
)
def test_the_activity_decides_the_court(activity: str | None, court: str) -> None:
    found = name_court(TABLE, activity, "FR", "69002", "Lyon")
    assert found is not None and found.name == court
    assert found.addressee == f"Monsieur le Président du {court}"
    assert found.kind == ("tribunal_de_commerce" if commercial_court(activity) else "tribunal_judiciaire")


def test_only_societes_are_named_la_societe() -> None:
    assert {a for a in ACTIVITIES if is_company(a)} == {"societe_commerciale", "societe_civile"}
    assert not is_company(None)


@pytest.mark.parametrize(
    ("postal_code", "city", "court"),
    [
        ("75019", "Paris", "tribunal des activités économiques de Paris"),
        ("75116", "PARIS CEDEX 16", "tribunal des activités économiques de Paris"),
        ("69003", "Lyon 3e", "tribunal des activités économiques de Lyon"),
        ("92100", "Boulogne-Billancourt", "tribunal des activités économiques de Nanterre"),
        ("84200", "Carpentras", "tribunal des activités économiques d'Avignon"),
        ("76600", "Le Havre", "tribunal des activités économiques du Havre"),
        ("22000", "saint brieuc", "tribunal des activités économiques de Saint-Brieuc"),
    ],
)
def test_the_commune_names_the_court(postal_code: str, city: str, court: str) -> None:
    found = name_court(TABLE, "societe_commerciale", "FR", postal_code, city)
    assert found is not None and found.name == court and found.source


@pytest.mark.parametrize(
    ("country", "postal_code", "city"),
    [("FR", "38000", "Grenoble"), ("FR", "69400", "Villefranche-sur-Saône"), ("FR", "13100", "Lyon"),
     ("BE", "1000", "Bruxelles"), ("FR", "67000", "Strasbourg"), ("FR", "78100", "Saint-Germain-en-Laye")],
)  # fmt: skip
def test_a_commune_outside_the_table_has_no_court(country: str, postal_code: str, city: str) -> None:
    assert name_court(TABLE, "societe_commerciale", country, postal_code, city) is None


def test_the_table_is_sourced_dated_and_consistent() -> None:
    assert TABLE.as_of == "2025-01-01"
    assert len(TABLE.activites_economiques) == 12  # the arrêté's twelve; Versailles from its quoted press sources
    assert "tribunal des activités économiques de Versailles" in TABLE.activites_economiques
    assert all(row.tribunal_de_commerce in TABLE.activites_economiques for row in TABLE.communes)
    assert all(row.source for row in TABLE.communes)
    assert normalise_commune("Saint-Étienne CEDEX 2") == "saint etienne"


def test_versailles_the_twelfth_tae_is_named_with_its_quoted_source() -> None:
    """Issue 12 gap, item 8: the seat commune of the twelfth TAE, with the press sources quoted in courts.json."""
    court = name_court(TABLE, "commercant", "FR", "78000", "Versailles")
    assert court is not None and court.name == "tribunal des activités économiques de Versailles"
    assert "actu-juridique.fr" in court.source and "jss.fr" in court.source
    civil = name_court(TABLE, "association", "FR", "78000", "Versailles")
    assert civil is not None and civil.name == "tribunal judiciaire de Versailles"


@pytest.mark.parametrize(
    ("activity", "postal_code", "name", "named", "kind"),
    [
        (
            "societe_commerciale",
            "38000",
            "Tribunal de commerce de Grenoble",
            "tribunal de commerce de Grenoble",
            "tribunal_de_commerce",
        ),
        (
            "artisan",
            "69002",
            "tribunal des  activités économiques de Lyon",
            "tribunal des activités économiques de Lyon",
            "tribunal_de_commerce",
        ),
        (None, "38000", "tribunal judiciaire de Grenoble", "tribunal judiciaire de Grenoble", "tribunal_judiciaire"),
        (
            "profession_liberale",
            "38000",
            "tribunal judiciaire de Grenoble",
            "tribunal judiciaire de Grenoble",
            "tribunal_judiciaire",
        ),
        (
            "societe_commerciale",
            "67000",
            "tribunal judiciaire de Strasbourg",
            "tribunal judiciaire de Strasbourg (chambre commerciale)",
            "tribunal_judiciaire",
        ),
    ],
)
def test_a_court_named_by_the_requerant_fits_the_activity(
    activity: str | None, postal_code: str, name: str, named: str, kind: str
) -> None:
    court = court_named_by_requerant(activity, postal_code, name)
    assert (court.name, court.kind, court.addressee) == (named, kind, f"Monsieur le Président du {named}")


@pytest.mark.parametrize(
    ("activity", "postal_code", "name"),
    [
        ("societe_commerciale", "38000", "tribunal judiciaire de Grenoble"),  # commercial: not the TJ
        (None, "38000", "tribunal de commerce de Grenoble"),  # a consumer: never the tribunal de commerce
        ("societe_commerciale", "67000", "tribunal de commerce de Strasbourg"),  # none in Alsace-Moselle
        ("societe_commerciale", "38000", "tribunal de commerce de "),  # no seat
        ("societe_commerciale", "38000", "cour d'appel de Grenoble"),
    ],
)
def test_a_court_of_the_wrong_kind_is_refused_saying_which_is_expected(
    activity: str | None, postal_code: str, name: str
) -> None:
    with pytest.raises(ValueError, match="calls for « tribunal"):
        court_named_by_requerant(activity, postal_code, name)
