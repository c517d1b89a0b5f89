"""What the postal contract suite does not say about AR24's adapter (against its twin): the repr and the logs
keep the token and the private key out, a proof URL outside AR24 is not fetched, an answer that does not decrypt
names the private key."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from notice_service.adapters.postal.ar24 import Ar24Provider
from notice_service.ports import ProofKind, ProviderError
from tests.contract.postal.ar24 import _electronic
from tests.contract.test_postal_provider_contract import submission
from tests.twins.ar24 import PRIVATE_KEY, TOKEN, USER_ID, Ar24Twin


@pytest.fixture
def twin() -> Iterator[Ar24Twin]:
    with Ar24Twin().started() as started:
        yield started


def test_secrets_stay_out_of_the_repr_and_the_logs(twin: Ar24Twin, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    provider = Ar24Provider(twin.base_url, TOKEN, PRIVATE_KEY, USER_ID, timeout=5.0)
    provider.submit(_electronic(submission()))
    assert "urllib3" in caplog.text and "token=***" in caplog.text  # the request URLs were logged, redacted
    for secret in (TOKEN, PRIVATE_KEY):
        assert secret not in repr(provider) and secret not in caplog.text


def test_a_proof_url_outside_ar24_is_not_fetched(twin: Ar24Twin) -> None:
    provider = Ar24Provider(twin.base_url, TOKEN, PRIVATE_KEY, USER_ID, timeout=5.0)
    reference = provider.submit(_electronic(submission())).provider_reference
    twin.advance(reference, "ev", datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert provider.proof(reference, ProofKind.DEPOSIT) is not None  # the API's own host
    twin.proof_root = "http://127.0.0.2:9"  # another host: never asked
    with pytest.raises(ProviderError) as raised:
        provider.proof(reference, ProofKind.DEPOSIT)
    assert raised.value.code == "invalid-request" and not raised.value.retryable


def test_an_answer_that_does_not_decrypt_names_the_private_key(twin: Ar24Twin, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = Ar24Provider(twin.base_url, TOKEN, PRIVATE_KEY, USER_ID, timeout=5.0)
    original = requests.request

    def garbled(*args: object, **kwargs: object) -> requests.Response:
        response = original(*args, **kwargs)  # type: ignore[arg-type]
        response._content = b"bm90IGEgY2lwaGVydGV4dA=="  # what a reply under another key looks like to us
        return response

    monkeypatch.setattr(requests, "request", garbled)  # the wire is garbled; the adapter is the real one
    with pytest.raises(ProviderError) as raised:
        provider.check()
    assert (raised.value.code, raised.value.field_name) == ("unauthorized", "credentials.private_key")
