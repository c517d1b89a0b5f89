"""What the audit log keeps of a provider's error text: phone numbers masked, the rest of the text kept."""

from __future__ import annotations

import pytest

from notice_service.use_cases.privacy.redaction import mask_phone_numbers


@pytest.mark.parametrize(
    ("said", "audited"),
    [
        ("Invalid phone number +33612345678", "Invalid phone number [number]"),
        ("bad recipient 06 12 34 56 78 (FR)", "bad recipient [number] (FR)"),
        ("numero 06.12.34.56.78 inconnu", "numero [number] inconnu"),
        ("Brevo refused the SMS (HTTP 400, invalid_parameter)", "Brevo refused the SMS (HTTP 400, invalid_parameter)"),
        ("try again after 30 s; 3 segments", "try again after 30 s; 3 segments"),
    ],
)
def test_phone_numbers_are_masked_and_the_rest_kept(said: str, audited: str) -> None:
    assert mask_phone_numbers(said) == audited
