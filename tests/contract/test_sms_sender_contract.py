"""Contract of the ``SmsSender`` port: ``BrevoSmsSender`` against the Brevo twin (a local HTTP server that
checks the documented request), and the in-process ``MemorySmsSender`` twin, held to the same assertions.

A sender answers the provider's message id and ``accepted`` for a message the provider took, delivers the
number, the text, the encoding and the idempotency key, and raises ``SmsFailed`` for every refusal with a
detail a person can act on and ``extra['retryable']``: false for a bad number, a refused key or no credits
(the request or the account must change), true for 429 (with ``Retry-After``), 5xx and no answer at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from notice_service.adapters.sms.brevo import BrevoSmsSender
from notice_service.errors import ConfigurationError, SmsFailed
from notice_service.ports import OutgoingSms, SmsReceipt, SmsSender
from tests.twins.brevo_sms import API_KEY, BrevoSmsTwin, Scripted, drop
from tests.twins.sms_sender import MemorySmsSender

NUMBER = "+33612345678"
TEXT = "Bonjour, votre facture F-2026-0042 de 1 034,56 € reste impayée. Merci de la régler. Société Lépine"


@dataclass
class Delivered:
    to: str
    text: str
    key: str
    unicode: bool


@dataclass
class Subject:
    """One implementation of the port and its controls: what reached the provider, and scripted answers."""

    sender: SmsSender
    delivered: Callable[[], list[Delivered]]
    fail_next: Callable[[int, str | None], None]  # status (0: no answer), Retry-After


def _brevo(twin: BrevoSmsTwin) -> Subject:
    def delivered() -> list[Delivered]:
        return [
            Delivered("+" + r.body["recipient"], r.body["content"], r.body["tag"], r.body["unicodeEnabled"])
            for r in twin.received
        ]

    def fail_next(status: int, retry_after: str | None) -> None:
        headers = {"Retry-After": retry_after} if retry_after else {}
        body = {"code": "not_enough_credits", "message": "Not enough credits"} if status == 402 else None
        twin.script.append(drop() if status == 0 else Scripted(status, body or {"code": "x", "message": "y"}, headers))

    sender = BrevoSmsSender(API_KEY, "Lepine", base_url=twin.base_url, connect_timeout=1.0, read_timeout=2.0)
    return Subject(sender, delivered, fail_next)


def _memory() -> Subject:
    twin = MemorySmsSender()

    def delivered() -> list[Delivered]:
        return [Delivered(s.to, s.text, s.idempotency_key, s.unicode) for s in twin.accepted]

    return Subject(twin, delivered, lambda status, retry: twin.script.append((status, retry)))


@pytest.fixture(params=["brevo", "memory"])
def subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    if request.param == "memory":
        yield _memory()
        return
    twin = BrevoSmsTwin()
    try:
        yield _brevo(twin)
    finally:
        twin.close()


def test_a_message_taken_answers_its_id_and_accepted(subject: Subject) -> None:
    receipt = subject.sender.send(OutgoingSms(NUMBER, TEXT, "sms-key-1", unicode=False))
    assert isinstance(receipt, SmsReceipt)
    assert receipt.status == "accepted"
    assert receipt.message_id
    assert subject.delivered() == [Delivered(NUMBER, TEXT, "sms-key-1", False)]


def test_two_messages_get_two_ids_and_the_encoding_travels(subject: Subject) -> None:
    first = subject.sender.send(OutgoingSms(NUMBER, "Réglez svp", "k-1"))
    second = subject.sender.send(OutgoingSms("+447911123456", "Merci — ✓", "k-2", unicode=True))
    assert first.message_id != second.message_id
    assert [(d.to, d.key, d.unicode) for d in subject.delivered()] == [
        (NUMBER, "k-1", False),
        ("+447911123456", "k-2", True),
    ]


def test_a_number_the_provider_refuses_is_not_retryable(subject: Subject) -> None:
    with pytest.raises(SmsFailed) as failed:
        subject.sender.send(OutgoingSms("+1234", TEXT, "k-bad"))
    assert failed.value.extra["retryable"] is False
    assert "not sent" in failed.value.detail and "phone number" in failed.value.detail
    assert subject.delivered() == []


@pytest.mark.parametrize(
    ("status", "words"), [(401, "API key"), (402, "credits"), (400, "HTTP 400"), (403, "HTTP 403")]
)
def test_refusals_that_need_a_person_are_not_retryable(subject: Subject, status: int, words: str) -> None:
    subject.fail_next(status, None)
    with pytest.raises(SmsFailed) as failed:
        subject.sender.send(OutgoingSms(NUMBER, TEXT, "k-1"))
    assert failed.value.extra["retryable"] is False
    assert failed.value.extra["provider_status"] == status
    assert words in failed.value.detail


def test_429_is_retryable_and_says_when(subject: Subject) -> None:
    subject.fail_next(429, "7")
    with pytest.raises(SmsFailed) as failed:
        subject.sender.send(OutgoingSms(NUMBER, TEXT, "k-1"))
    assert failed.value.extra["retryable"] is True
    assert failed.value.extra["retry_after"] == "7"
    assert "after 7 s" in failed.value.detail
    assert subject.sender.send(OutgoingSms(NUMBER, TEXT, "k-1")).status == "accepted"  # the next one goes


@pytest.mark.parametrize("status", [500, 502, 503, 0])
def test_provider_failures_and_no_answer_are_retryable(subject: Subject, status: int) -> None:
    subject.fail_next(status, None)
    with pytest.raises(SmsFailed) as failed:
        subject.sender.send(OutgoingSms(NUMBER, TEXT, "k-1"))
    assert failed.value.extra["retryable"] is True
    assert "try again later" in failed.value.detail or "may or may not have left" in failed.value.detail
    assert subject.delivered() == []


def test_brevo_gets_the_documented_request() -> None:
    twin = BrevoSmsTwin()
    try:
        BrevoSmsSender(API_KEY, "Lepine", base_url=twin.base_url).send(OutgoingSms(NUMBER, TEXT, "k-9"))
        [request] = twin.received
        assert request.headers["api-key"] == API_KEY
        assert request.headers["content-type"] == "application/json"
        assert request.body == {
            "sender": "Lepine",
            "recipient": "33612345678",
            "content": TEXT,
            "type": "transactional",
            "tag": "k-9",
            "unicodeEnabled": False,
        }
        with pytest.raises(SmsFailed) as refused:  # the twin checks the key: a wrong one is a 401
            BrevoSmsSender("xkeysib-wrong", "Lepine", base_url=twin.base_url).send(OutgoingSms(NUMBER, TEXT, "k"))
        assert refused.value.extra["provider_status"] == 401
    finally:
        twin.close()


@pytest.mark.parametrize(("key", "sender"), [("", "Lepine"), ("k", "Société Lépine"), ("k", "1234567890123456")])
def test_brevo_refuses_a_bad_configuration(key: str, sender: str) -> None:
    with pytest.raises(ConfigurationError):
        BrevoSmsSender(key, sender)


def test_brevo_unreachable_is_retryable() -> None:
    sender = BrevoSmsSender(API_KEY, "Lepine", base_url="http://127.0.0.1:9", connect_timeout=0.5)
    with pytest.raises(SmsFailed) as failed:
        sender.send(OutgoingSms(NUMBER, TEXT, "k-x"))
    assert failed.value.extra["retryable"] is True and "k-x" in failed.value.detail
