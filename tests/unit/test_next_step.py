"""The escalation ladder of a case (notice_service.domain.next_step)."""

from __future__ import annotations

from datetime import date

import pytest

from notice_service.court_data import load_court_table
from notice_service.domain.courts import ACTIVITIES, court_activity, debtor_court
from notice_service.domain.next_step import IssuedLetter, next_step

TODAY = date(2026, 11, 20)
DUE = [date(2026, 12, 15), date(2026, 10, 31)]


@pytest.mark.parametrize(
    ("due", "issued", "action", "not_before"),
    [
        ([], [], "none", None),
        ([date(2026, 12, 15)], [], "pre_reminder", TODAY),
        ([date(2026, 11, 20)], [], "pre_reminder", TODAY),  # due today: not past due yet
        (DUE, [], "reminder", TODAY),
        ([date(2026, 12, 15)], [IssuedLetter("pre_reminder", TODAY)], "reminder", date(2026, 12, 16)),
        (DUE, [IssuedLetter("reminder", date(2026, 11, 2))], "second_reminder", date(2026, 11, 17)),
        (
            DUE,
            [IssuedLetter("reminder", date(2026, 11, 2)), IssuedLetter("second_reminder", date(2026, 11, 18))],
            "formal_notice",
            date(2026, 12, 3),
        ),
        (
            DUE,
            [IssuedLetter("formal_notice", date(2026, 11, 18), 15), IssuedLetter("reminder", date(2026, 11, 19))],
            "injonction_de_payer",
            date(2026, 12, 4),
        ),
        (DUE, [IssuedLetter("payment_plan", date(2026, 11, 18))], "reminder", TODAY),
    ],
)
def test_the_ladder(due: list[date], issued: list[IssuedLetter], action: str, not_before: date | None) -> None:
    step = next_step(TODAY, due, issued, court="tribunal de commerce")
    assert (step.action, step.not_before) == (action, not_before)
    assert step.reason


#: activity → the court of a debtor in Lyon (a TAE seat) and in Strasbourg (Alsace, not in the table: the kind).
BY_ACTIVITY = {
    "commercant": ("tribunal des activités économiques de Lyon", "tribunal judiciaire (chambre commerciale)"),
    "societe_commerciale": (
        "tribunal des activités économiques de Lyon",
        "tribunal judiciaire (chambre commerciale)",
    ),
    "artisan": ("tribunal des activités économiques de Lyon", "tribunal judiciaire (chambre commerciale)"),
    "profession_liberale": ("tribunal judiciaire de Lyon", "tribunal judiciaire"),
    "societe_civile": ("tribunal judiciaire de Lyon", "tribunal judiciaire"),
    "association": ("tribunal judiciaire de Lyon", "tribunal judiciaire"),
    "agriculteur": ("tribunal judiciaire de Lyon", "tribunal judiciaire"),
    "entrepreneur_individuel": ("tribunal judiciaire de Lyon", "tribunal judiciaire"),
    "personne_publique": ("tribunal judiciaire de Lyon", "tribunal judiciaire"),
}


def test_every_activity_has_a_case() -> None:
    assert set(BY_ACTIVITY) == set(ACTIVITIES)


@pytest.mark.parametrize("activity", sorted(BY_ACTIVITY))
def test_injonction_names_the_court_of_the_debtors_activity(activity: str) -> None:
    """Issue 11 item 5: the case's next step names the court ``debtor_court`` gives the dossier and letters."""
    table = load_court_table()
    lyon, strasbourg = BY_ACTIVITY[activity]
    for postal_code, city, expected in (("69002", "Lyon", lyon), ("67000", "Strasbourg", strasbourg)):
        court = debtor_court(table, court_activity("business", activity), "FR", postal_code, city)
        step = next_step(TODAY, DUE, [IssuedLetter("formal_notice", date(2026, 11, 1))], court=court)
        assert step.court == expected


@pytest.mark.parametrize(
    ("kind", "activity", "court"),
    [
        ("business", None, "tribunal de commerce"),  # an unset activity is a société commerciale
        ("business", "societe_civile", "tribunal judiciaire"),
        ("business", "artisan", "tribunal de commerce"),
        ("consumer", None, "tribunal judiciaire"),
        ("consumer", "commercant", "tribunal judiciaire"),  # a consumer's activity does not count
    ],
)
def test_a_commune_not_in_the_table_gives_the_kind_of_court(kind: str, activity: str | None, court: str) -> None:
    assert debtor_court(load_court_table(), court_activity(kind, activity), "FR", "23000", "Guéret") == court


@pytest.mark.parametrize(("business", "court"), [(True, "tribunal de commerce"), (False, "tribunal judiciaire")])
def test_injonction_names_the_competent_court(business: bool, court: str) -> None:
    step = next_step(TODAY, DUE, [IssuedLetter("formal_notice", date(2026, 11, 1))], court=court)
    assert step.court == court
    assert step.not_before == date(2026, 11, 10)  # 8 days by default, the day after
