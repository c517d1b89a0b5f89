"""Verification codes (domain/verification_codes.py): 100 random bits in Crockford base32, grouped for reading
aloud, read back forgivingly (case, hyphens, spaces, I/L/O) and strictly otherwise; the audit digest; the
letter's mention that requires the block; the ``NOTICE_PUBLIC_URL`` setting."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notice_service.domain.completeness import check_mentions
from notice_service.domain.verification_codes import (
    ALPHABET,
    LENGTH,
    MAX_INPUT_LENGTH,
    canonical,
    code_digest,
    grouped,
    new_code,
    verification_url,
)
from notice_service.errors import ConfigurationError
from notice_service.letter_catalogue import mentions_for
from notice_service.settings import Settings, load_settings

codes = st.text(alphabet=ALPHABET, min_size=LENGTH, max_size=LENGTH)


def test_the_alphabet_is_crockfords_32_unambiguous_characters() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)
    assert LENGTH * 5 >= 100  # at least 100 bits


def test_new_codes_are_canonical_distinct_and_use_every_character() -> None:
    made = [new_code() for _ in range(5000)]
    assert all(len(code) == LENGTH and canonical(code) == code for code in made)
    assert len(set(made)) == len(made)
    assert set("".join(made)) == set(ALPHABET)  # 100 000 characters: every one of the 32 appears
    first = [code[0] for code in made]
    assert set(first) == set(ALPHABET)  # the leading character carries 5 bits too (no zero padding)


@given(codes)
def test_a_grouped_code_reads_back_in_any_case_with_or_without_separators(code: str) -> None:
    printed = grouped(code)
    assert [len(group) for group in printed.split("-")] == [5, 5, 5, 5]
    for typed in (printed, printed.lower(), code, " ".join(printed.split("-")), f" {printed} "):
        assert canonical(typed) == code


def test_i_l_and_o_read_as_one_one_and_zero() -> None:
    assert canonical("IL0O1-00000-00000-00000") == "11001" + "0" * 15
    assert canonical("ilooi-00000-00000-00000") == "11001" + "0" * 15


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ABC",
        "A" * (LENGTH - 1),
        "A" * (LENGTH + 1),
        "U" * LENGTH,  # U is not a Crockford digit
        "ABCDE_FGHJK_MNPQR_STVWX",
        "ABCDE-FGHJK-MNPQR-STVW\x00",
        "ABCDE/FGHJK/MNPQR/STVWX",
        "ÀBCDE-FGHJK-MNPQR-STVWX",
        "ABCDE-FGHJK-MNPQR-STVWX" + "-" * (MAX_INPUT_LENGTH - 22),  # too long to be read, even if hyphens
        "<script>alert(1)</script>",
        "1" * 10_000,
    ],
)
def test_anything_else_is_not_a_code(text: str) -> None:
    assert canonical(text) is None


def test_the_digest_is_domain_separated_and_stable() -> None:
    code = "7K3M9QX2PAHT4WZB8N6R"
    assert code_digest(code) == code_digest(code) != hashlib.sha256(code.encode()).hexdigest()
    assert code_digest(code) != code_digest("7K3M9QX2PAHT4WZB8N6S")
    assert len(code_digest(code)) == 64


def test_the_url_joins_the_base_and_the_grouped_code() -> None:
    code = "7K3M9QX2PAHT4WZB8N6R"
    assert verification_url("https://v.example/", code) == "https://v.example/v/7K3M9-QX2PA-HT4WZ-B8N6R"
    assert verification_url("https://v.example", code) == "https://v.example/v/7K3M9-QX2PA-HT4WZ-B8N6R"


@pytest.mark.parametrize("kind,variant", [("reminder", "b2b"), ("formal_notice", "b2c"), ("payment_plan", "b2b")])
def test_every_letter_must_print_the_block_with_its_url(kind: str, variant: str) -> None:
    (mention,) = [m for m in mentions_for(kind, variant) if m.id == "verification"]
    assert mention.legal_basis == "house rule: anti-phishing verification"
    url = "https://v.example/v/7K3M9-QX2PA-HT4WZ-B8N6R"
    printed = f"Vérifiez l’authenticité de ce courrier en scannant ce code ou sur la page ci-dessous. {url}"
    assert check_mentions(printed, [mention], {"verification_url": url}).complete
    other = printed.replace("B8N6R", "B8N6S")
    assert not check_mentions(other, [mention], {"verification_url": url}).complete
    assert not check_mentions(printed, [mention], {"verification_url": ""}).complete  # no code: not issued


def test_the_public_url_setting() -> None:
    assert Settings().resolved_public_url == "http://127.0.0.1:8000"
    assert Settings(port=8123).resolved_public_url == "http://127.0.0.1:8123"
    env = {"NOTICE_PUBLIC_URL": "https://verifier.example.fr/", "NOTICE_VERIFICATION_RATE_LIMIT_REQUESTS": "5"}
    loaded = load_settings(env)
    assert loaded.resolved_public_url == "https://verifier.example.fr"
    assert (loaded.verification_rate_limit_requests, loaded.verification_rate_limit_window_seconds) == (5, 60)
    assert load_settings({}).verification_rate_limit_requests == 30
    for bad in ("verifier.example.fr", "ftp://x", "https://x/?a=1", "https://x/#f", "https://x y"):
        with pytest.raises(ConfigurationError, match="NOTICE_PUBLIC_URL"):
            load_settings({"NOTICE_PUBLIC_URL": bad})
    with pytest.raises(ConfigurationError, match="NOTICE_VERIFICATION_RATE_LIMIT_REQUESTS"):
        load_settings({"NOTICE_VERIFICATION_RATE_LIMIT_REQUESTS": "-1"})
