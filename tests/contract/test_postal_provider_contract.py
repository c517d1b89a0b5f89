"""One contract for every ``PostalProvider``: each adapter against its provider's twin (``tests/contract/postal/``,
one module per provider exposing ``PAIR``; a new provider is one more module, collected here).

Asserted for each: a submission answers the provider's reference, tracking and price, and the twin received one
letter; the same idempotency key again posts nothing and answers the same reference; an answer lost after the
provider accepted is ``ProviderAmbiguous`` and ``find`` then answers that letter (``None`` for a key never
sent); 5xx and 429 are retryable (429 with its ``Retry-After``); wrong credentials fail ``check`` naming the
credential; an address too long or a country the provider does not serve is refused naming the field, before
anything is sent; events come oldest first with ids stable across polls; proofs appear once the events say so;
a letter is cancellable until it is posted, then ``not-cancellable``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pypdf import PdfWriter

from notice_service.ports import (
    PostalAddress,
    PostalProvider,
    ProofKind,
    ProviderAmbiguous,
    ProviderError,
    ServiceLevel,
    Submission,
)
from tests.contract.postal import Pair, Running, pairs

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _pdf()
SENDER = PostalAddress(("Atelier Durand SARL", "3 quai Saint-Antoine"), "69002", "Lyon")
RECIPIENT = PostalAddress(("Boulangerie Martin SARL", "8 avenue Jean Jaurès", "Bâtiment B"), "75019", "Paris")


_ADAPT: list[Pair] = []  # the pair under test (set by ``running``): its ``adapt`` shapes every submission


def submission(key: str = "delivery-0b6c1f0e", **changes: object) -> Submission:
    base = Submission(key, ServiceLevel.REGISTERED_WITH_RECEIPT, PDF, "mise-en-demeure.pdf", RECIPIENT, SENDER, "C-42")
    adapted = _ADAPT[-1].adapt(base) if _ADAPT else base
    return replace(adapted, **changes)  # type: ignore[arg-type]


@pytest.fixture(params=pairs(), ids=lambda pair: pair.name)
def pair(request: pytest.FixtureRequest) -> Pair:
    chosen: Pair = request.param
    return chosen


@pytest.fixture
def running(pair: Pair) -> Iterator[Running]:
    _ADAPT.append(pair)
    try:
        with pair.start() as started:
            yield started
    finally:
        _ADAPT.remove(pair)


def test_every_provider_module_is_collected() -> None:
    assert {pair.name for pair in pairs()} >= {"merci_facteur", "maileva", "ar24"}


def test_a_submission_answers_the_provider_ids_and_price(running: Running, pair: Pair) -> None:
    provider: PostalProvider = running.provider
    assert submission().level in provider.levels()
    receipt = provider.submit(submission())
    assert receipt.provider_reference and (receipt.tracking_number or not pair.tracked)
    assert receipt.price is not None and receipt.price > Decimal("0")
    assert running.twin.received("delivery-0b6c1f0e") == 1 and running.twin.received() == 1


def test_the_same_key_twice_posts_once(running: Running) -> None:
    first = running.provider.submit(submission())
    again = running.provider.submit(submission())
    assert again.provider_reference == first.provider_reference
    assert running.twin.received() == 1


def test_a_lost_answer_is_ambiguous_and_find_answers_the_letter(running: Running) -> None:
    running.twin.drop_after_accept()
    with pytest.raises(ProviderAmbiguous):
        running.provider.submit(submission())
    found = running.provider.find("delivery-0b6c1f0e")
    assert found is not None and found.provider_reference
    assert running.provider.find("never-sent") is None
    assert running.provider.submit(submission()).provider_reference == found.provider_reference
    assert running.twin.received() == 1


@pytest.mark.parametrize(("status", "code"), [(500, "unavailable"), (503, "unavailable"), (429, "rate-limited")])
def test_server_errors_and_rate_limits_are_retryable(running: Running, status: int, code: str) -> None:
    running.provider.check()  # a token first, so the fault hits the submission
    running.twin.fail_next(status, retry_after=30 if status == 429 else None)
    with pytest.raises(ProviderError) as raised:
        running.provider.submit(submission())
    assert raised.value.code == code and raised.value.retryable
    if status == 429:
        assert raised.value.retry_after_seconds == 30
    assert running.twin.received() == 0
    assert running.provider.submit(submission()).provider_reference  # then it goes through
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
        running.provider.submit(submission(recipient=recipient))
    assert (raised.value.code, raised.value.field_name, raised.value.retryable) == (code, field, False)
    assert running.twin.received() == 0


@pytest.mark.parametrize(
    "pair", [pair for pair in pairs() if pair.bad_recipients], ids=lambda pair: pair.name, indirect=True
)
def test_bad_recipients_are_refused_before_sending(running: Running, pair: Pair) -> None:
    for recipient, code, field in pair.bad_recipients:
        with pytest.raises(ProviderError) as raised:
            running.provider.submit(submission(recipient=recipient))
        assert (raised.value.code, raised.value.field_name, raised.value.retryable) == (code, field, False)
    assert running.twin.received() == 0


def test_events_oldest_first_with_stable_ids_and_proofs(running: Running, pair: Pair) -> None:
    reference = running.provider.submit(submission()).provider_reference
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


def test_a_quote_costs_what_the_submission_is_charged(running: Running, pair: Pair) -> None:
    if "quote" not in pair.supports:  # no estimate published: a refusal a person can read, and nothing sent
        with pytest.raises(ProviderError) as raised:
            running.provider.quote(submission())
        assert raised.value.code == "not-supported" and not raised.value.retryable
        assert running.twin.received() == 0
        return
    quote = running.provider.quote(submission())
    receipt = running.provider.submit(submission())
    assert quote.amount == receipt.price and quote.currency == "EUR"
    assert running.twin.received() == 1  # the quote sent nothing


def test_cancellable_until_posted(running: Running, pair: Pair) -> None:
    if "cancel" not in pair.supports:  # then nothing can be cancelled, even right after the submission
        with pytest.raises(ProviderError) as raised:
            running.provider.cancel(running.provider.submit(submission("k-1")).provider_reference)
        assert raised.value.code == "not-cancellable"
        return
    first = running.provider.submit(submission("k-1")).provider_reference
    if not pair.cancellable_after_submit:
        with pytest.raises(ProviderError) as refused:
            running.provider.cancel(first)
        assert refused.value.code == "not-cancellable" and running.twin.received() == 1
        return
    running.provider.cancel(first)
    second = running.provider.submit(submission("k-2")).provider_reference
    running.twin.progress(second, "deposited", T0)
    with pytest.raises(ProviderError) as raised:
        running.provider.cancel(second)
    assert raised.value.code == "not-cancellable"
