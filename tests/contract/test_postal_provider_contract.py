"""One contract for every ``PostalProvider``: each adapter against its provider's twin (``tests/contract/postal/``,
one module per provider exposing ``PAIR``; a new provider is one more module, collected here).

Asserted for each: a submission answers the provider's reference, tracking and price, and the twin received one
letter; the same idempotency key again posts nothing and answers the same reference; an answer lost after the
provider accepted is ``ProviderAmbiguous`` and ``find`` then answers that letter (``None`` for a key never
sent); 5xx and 429 are retryable (429 with its ``Retry-After``); wrong credentials fail ``check`` naming the
credential; an address too long or a country the provider does not serve is refused naming the field, before
anything is sent; events come oldest first with ids stable across polls; proofs appear once the events say so;
a letter is cancellable until it is posted, then ``not-cancellable`` (``not-cancellable`` once submitted for a
provider that cannot cancel a submitted letter); a quote costs what the submission is charged (``not-supported``,
nothing sent, for a provider that publishes no estimate). Each case is collected for the providers it applies to.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from notice_service.ports import PostalAddress, PostalProvider, ProofKind, ProviderAmbiguous, ProviderError
from tests.contract.postal import RECIPIENT, Pair, Running, pairs
from tests.contract.postal import SENDER as SENDER  # the suite's letter, still imported from here by adapter tests
from tests.contract.postal import submission as submission

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(params=pairs(), ids=lambda pair: pair.name)
def pair(request: pytest.FixtureRequest) -> Pair:
    chosen: Pair = request.param
    return chosen


@pytest.fixture
def running(pair: Pair) -> Iterator[Running]:
    with pair.start() as started:
        yield replace(started, adapt=pair.adapt)


def test_every_provider_module_is_collected() -> None:
    assert {pair.name for pair in pairs()} >= {"merci_facteur", "maileva", "ar24"}


def test_a_submission_answers_the_provider_ids_and_price(running: Running, pair: Pair) -> None:
    provider: PostalProvider = running.provider
    assert running.submission().level in provider.levels()
    receipt = provider.submit(running.submission())
    assert receipt.provider_reference and (receipt.tracking_number or not pair.tracked)
    assert receipt.price is not None and receipt.price > Decimal("0")
    assert running.twin.received("delivery-0b6c1f0e") == 1 and running.twin.received() == 1


def test_the_same_key_twice_posts_once(running: Running) -> None:
    first = running.provider.submit(running.submission())
    again = running.provider.submit(running.submission())
    assert again.provider_reference == first.provider_reference
    assert running.twin.received() == 1


def test_a_lost_answer_is_ambiguous_and_find_answers_the_letter(running: Running) -> None:
    running.twin.drop_after_accept()
    with pytest.raises(ProviderAmbiguous):
        running.provider.submit(running.submission())
    found = running.provider.find("delivery-0b6c1f0e")
    assert found is not None and found.provider_reference
    assert running.provider.find("never-sent") is None
    assert running.provider.submit(running.submission()).provider_reference == found.provider_reference
    assert running.twin.received() == 1


@pytest.mark.parametrize(("status", "code"), [(500, "unavailable"), (503, "unavailable"), (429, "rate-limited")])
def test_server_errors_and_rate_limits_are_retryable(running: Running, status: int, code: str) -> None:
    running.provider.check()  # a token first, so the fault hits the submission
    running.twin.fail_next(status, retry_after=30 if status == 429 else None)
    with pytest.raises(ProviderError) as raised:
        running.provider.submit(running.submission())
    assert raised.value.code == code and raised.value.retryable
    if status == 429:
        assert raised.value.retry_after_seconds == 30
    assert running.twin.received() == 0
    assert running.provider.submit(running.submission()).provider_reference  # then it goes through
    assert running.twin.received() == 1


def test_wrong_credentials_fail_the_check_naming_the_credential(running: Running) -> None:
    running.provider.check()
    with pytest.raises(ProviderError) as raised:
        running.wrong_credentials.check()
    assert raised.value.code == "unauthorized" and not raised.value.retryable
    assert raised.value.field_name and raised.value.field_name.startswith("credentials.")


# Paper providers only (an LRE provider's recipients are an e-mail address: the next test checks them).
PAPER_PAIRS = [pair for pair in pairs() if pair.paper_addresses]


@pytest.mark.parametrize("pair", PAPER_PAIRS, ids=lambda pair: pair.name, indirect=True)
@pytest.mark.parametrize(
    ("recipient", "code", "field"),
    [
        (replace(RECIPIENT, lines=("Boulangerie Martin SARL", "x" * 91)), "address-too-long", "recipient.lines[1]"),
        (None, "address-too-long", "recipient.lines"),  # one line more than the provider prints
        (replace(RECIPIENT, city="V" * 71), "address-too-long", "recipient.city"),
        (replace(RECIPIENT, country="JP"), "unsupported-country", "recipient.country"),
    ],
)
def test_bad_addresses_are_refused_before_sending(
    running: Running, pair: Pair, recipient: PostalAddress | None, code: str, field: str
) -> None:
    if recipient is None:
        recipient = replace(RECIPIENT, lines=tuple(f"Ligne {n}" for n in range(pair.max_lines + 1)))
    with pytest.raises(ProviderError) as raised:
        running.provider.submit(running.submission(recipient=recipient))
    assert (raised.value.code, raised.value.field_name, raised.value.retryable) == (code, field, False)
    assert running.twin.received() == 0


@pytest.mark.parametrize(
    "pair", [pair for pair in pairs() if pair.bad_recipients], ids=lambda pair: pair.name, indirect=True
)
def test_bad_recipients_are_refused_before_sending(running: Running, pair: Pair) -> None:
    for recipient, code, field in pair.bad_recipients:
        with pytest.raises(ProviderError) as raised:
            running.provider.submit(running.submission(recipient=recipient))
        assert (raised.value.code, raised.value.field_name, raised.value.retryable) == (code, field, False)
    assert running.twin.received() == 0


def test_events_oldest_first_with_stable_ids_and_proofs(running: Running, pair: Pair) -> None:
    reference = running.provider.submit(running.submission()).provider_reference
    assert running.provider.proof(reference, ProofKind.DEPOSIT) is None
    running.twin.progress(reference, "first_presented", T0.replace(day=25))  # reported out of order
    running.twin.progress(reference, "deposited", T0)
    running.twin.progress(reference, "deposited", T0)  # and twice
    events = running.provider.events(reference)
    assert [pair.facts(event.status) for event in events][-1] in pair.presented
    assert [event.occurred_at for event in events] == sorted(event.occurred_at for event in events)
    assert [e.event_id for e in running.provider.events(reference)] == [e.event_id for e in events]
    assert ProofKind.DEPOSIT in {kind for event in events for kind in event.proofs}
    deposit = running.provider.proof(reference, ProofKind.DEPOSIT)
    assert deposit is not None and deposit.content.startswith(b"%PDF-") and deposit.media_type == "application/pdf"
    assert running.provider.proof(reference, ProofKind.RECEIPT) is None
    running.twin.progress(reference, "delivered", T0.replace(day=26))
    receipt = running.provider.proof(reference, ProofKind.RECEIPT)
    assert receipt is not None and receipt.content and receipt.kind is ProofKind.RECEIPT


QUOTING_PAIRS = [pair for pair in pairs() if pair.quotes]


@pytest.mark.parametrize("pair", QUOTING_PAIRS, ids=lambda pair: pair.name, indirect=True)
def test_a_quote_costs_what_the_submission_is_charged(running: Running) -> None:
    quote = running.provider.quote(running.submission())
    receipt = running.provider.submit(running.submission())
    assert quote.amount == receipt.price and quote.currency == "EUR"
    assert running.twin.received() == 1  # the quote sent nothing


@pytest.mark.parametrize("pair", [p for p in pairs() if not p.quotes], ids=lambda pair: pair.name, indirect=True)
def test_without_a_published_estimate_a_quote_is_refused_and_sends_nothing(running: Running) -> None:
    with pytest.raises(ProviderError) as raised:  # a refusal a person can read
        running.provider.quote(running.submission())
    assert raised.value.code == "not-supported" and not raised.value.retryable
    assert running.twin.received() == 0


CANCELLING_PAIRS = [pair for pair in pairs() if pair.cancellable_after_submit]


@pytest.mark.parametrize("pair", CANCELLING_PAIRS, ids=lambda pair: pair.name, indirect=True)
def test_cancellable_until_posted(running: Running) -> None:
    first = running.provider.submit(running.submission("k-1")).provider_reference
    running.provider.cancel(first)
    second = running.provider.submit(running.submission("k-2")).provider_reference
    running.twin.progress(second, "deposited", T0)
    with pytest.raises(ProviderError) as raised:
        running.provider.cancel(second)
    assert raised.value.code == "not-cancellable"


@pytest.mark.parametrize(
    "pair", [p for p in pairs() if not p.cancellable_after_submit], ids=lambda pair: pair.name, indirect=True
)
def test_not_cancellable_once_submitted(running: Running) -> None:
    first = running.provider.submit(running.submission("k-1")).provider_reference
    with pytest.raises(ProviderError) as refused:
        running.provider.cancel(first)
    assert refused.value.code == "not-cancellable" and running.twin.received() == 1
