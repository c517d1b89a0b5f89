"""Envelope encryption of provider secrets: a round trip, a fresh data key and nonce per seal, and nothing
opens with another settings key, another tenant or provider (associated data), or a tampered byte."""

from __future__ import annotations

import base64
import os

import pytest

from notice_service.errors import ConfigurationError, InvalidInput
from notice_service.use_cases.providers.sealing import open_secrets, parse_settings_key, seal_secrets

KEY = os.urandom(32)
SECRETS = {"secret_key": "secret-twin-key-0123456789"}


def test_round_trip_and_a_new_data_key_each_time() -> None:
    wrapped, sealed = seal_secrets(KEY, SECRETS, "tenant-a/merci_facteur")
    again = seal_secrets(KEY, SECRETS, "tenant-a/merci_facteur")
    assert open_secrets(KEY, wrapped, sealed, "tenant-a/merci_facteur") == SECRETS
    assert (wrapped, sealed) != again and SECRETS["secret_key"].encode() not in base64.b64decode(sealed)


@pytest.mark.parametrize("change", ["other key", "other tenant", "tampered"])
def test_nothing_else_opens_it(change: str) -> None:
    wrapped, sealed = seal_secrets(KEY, SECRETS, "tenant-a/merci_facteur")
    key, aad = KEY, "tenant-a/merci_facteur"
    if change == "other key":
        key = os.urandom(32)
    elif change == "other tenant":
        aad = "tenant-b/merci_facteur"
    else:
        raw = bytearray(base64.b64decode(sealed))
        raw[-1] ^= 1
        sealed = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(ConfigurationError):
        open_secrets(key, wrapped, sealed, aad)


def test_no_settings_key_is_a_problem_naming_credentials() -> None:
    with pytest.raises(InvalidInput) as raised:
        seal_secrets(None, SECRETS, "t/p")
    assert raised.value.errors[0].field == "credentials" and "NOTICE_SECRETS_KEY" in raised.value.detail


@pytest.mark.parametrize("encoded", ["", "c2hvcnQ=", "not base64 at all!", base64.b64encode(bytes(range(31))).decode()])
def test_a_settings_key_must_be_32_bytes(encoded: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_settings_key(encoded)
    assert parse_settings_key(base64.urlsafe_b64encode(KEY).decode().rstrip("=")) == KEY
