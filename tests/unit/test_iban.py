"""IBAN mod-97 and BIC shape checks (notice_service.domain.iban)."""

from __future__ import annotations

import pytest

from notice_service.domain.iban import bic_problem, format_iban, iban_checksum_valid, iban_problem, normalise_iban


@pytest.mark.parametrize(
    "iban",
    [
        "FR7630006000011234567890189",
        "FR76 3000 6000 0112 3456 7890 189",
        "fr14 2004 1010 0505 0001 3m02 606",  # the Banque de France's example, lower case
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "BE68539007547034",
    ],
)
def test_valid_ibans(iban: str) -> None:
    assert iban_problem(iban) is None


@pytest.mark.parametrize(
    ("iban", "words"),
    [
        ("FR7630006000011234567890188", "check digits are wrong"),
        ("FR763000600001123456789018", "has 27 characters"),
        ("7630006000011234567890189", "2 letters"),
        ("FR76-3000-6000", "2 letters"),
        ("", "2 letters"),
    ],
)
def test_invalid_ibans_say_why(iban: str, words: str) -> None:
    problem = iban_problem(iban)
    assert problem is not None and words in problem


def test_a_single_transposition_is_caught() -> None:
    good = "FR7630006000011234567890189"
    swapped = good[:15] + good[16] + good[15] + good[17:]
    assert swapped != good
    assert iban_checksum_valid(good) and not iban_checksum_valid(swapped)


def test_format_and_normalise() -> None:
    assert format_iban("fr7630006000011234567890189") == "FR76 3000 6000 0112 3456 7890 189"
    assert normalise_iban(" FR76 3000\u00a06000 ") == "FR7630006000"


@pytest.mark.parametrize(
    ("bic", "valid"),
    [
        ("AGRIFRPP", True),
        ("BNPAFRPPXXX", True),
        ("agrifrpp", True),
        ("AGRIFRP", False),
        ("AGRI FR PP", False),
        ("1GRIFRPP", False),
    ],
)
def test_bic_shape(bic: str, valid: bool) -> None:
    assert (bic_problem(bic) is None) is valid
