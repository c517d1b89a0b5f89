"""The steps after the ordonnance (issue 12, finding 12): CPC 1411, 1416 and the distance extensions of CPC
643/644 chosen from the debtor's address."""

from __future__ import annotations

import pytest

from notice_service.domain.dossier.after_order import after_order_steps, distance_extension


def test_service_within_six_months_then_opposition_within_one_month() -> None:
    steps = after_order_steps("FR", "75019")
    assert [s.basis for s in steps] == ["CPC art. 1411", "CPC art. 1416", "CPC art. 1410 ; CPCE art. L111-4"]
    assert "dans les six mois de sa date" in steps[0].text and "non avenue" in steps[0].text
    assert "dans le mois qui suit la signification" in steps[1].text


@pytest.mark.parametrize(
    ("country", "postal_code", "extension"),
    [
        ("BE", "1000", "augmenté de deux mois (CPC art. 643 2°"),
        ("be", "1000", "augmenté de deux mois (CPC art. 643 2°"),
        ("FR", "97200", "augmenté d’un mois (CPC art. 643 1°)"),
        ("FR", "98800", "augmenté d’un mois (CPC art. 643 1°)"),
    ],
)
def test_a_debtor_abroad_or_overseas_gets_the_distance_extension(
    country: str, postal_code: str, extension: str
) -> None:
    step = distance_extension(country, postal_code)
    assert step is not None and extension in step.text
    assert step in after_order_steps(country, postal_code)


@pytest.mark.parametrize("postal_code", ["75019", "20000", "97", "69002"])
def test_a_debtor_in_metropolitan_france_gets_none(postal_code: str) -> None:
    assert distance_extension("FR", postal_code) is None
    assert len(after_order_steps("FR", postal_code)) == 3
