"""What only Maileva's adapter does (beyond the shared contract), against its twin: the OAuth2 token kept and
fetched again once after a 401, a sending interrupted between its steps completed rather than duplicated, the
idempotency key found past the first page of sendings, the documented refusals mapped to codes a person can
act on, and a sweep of submissions refused before any call."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from notice_service.adapters.postal.maileva import MailevaProvider
from notice_service.adapters.postal.maileva_events import recipient_events
from notice_service.adapters.postal.maileva_wire import refusal_code, token_url
from notice_service.ports import PostalAddress, ProviderAmbiguous, ProviderError, ServiceLevel
from tests.contract.postal.maileva import NOW, provider
from tests.contract.test_postal_provider_contract import RECIPIENT, SENDER, submission
from tests.twins.maileva import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, MailevaTwin, Sending


@pytest.fixture
def twin() -> Iterator[MailevaTwin]:
    with MailevaTwin(now=lambda: NOW).started() as started:
        yield started


def test_one_token_for_many_calls_and_one_more_after_a_401(twin: MailevaTwin) -> None:
    maileva = provider(twin)
    maileva.check()
    maileva.submit(submission("k-1"))
    assert twin.tokens_issued == 1  # kept until it expires
    twin.expire_tokens()  # Maileva forgets it: the next call answers 401
    assert maileva.submit(submission("k-2")).provider_reference
    assert twin.tokens_issued == 2 and twin.received() == 2


def test_a_short_lived_token_is_fetched_again_before_it_expires(twin: MailevaTwin) -> None:
    twin.token_lifetime = 30  # under the adapter's 60 s margin: never reused
    maileva = provider(twin)
    maileva.check()
    maileva.check()
    assert twin.tokens_issued == 2


def test_a_sending_interrupted_before_its_submission_is_completed_not_duplicated(twin: MailevaTwin) -> None:
    maileva = provider(twin)
    maileva.check()
    twin.fail_on("POST", "/submit", 503)
    with pytest.raises(ProviderError) as raised:
        maileva.submit(submission())
    assert raised.value.retryable and twin.received() == 0
    assert maileva.find("delivery-0b6c1f0e") is None  # a draft: nothing was posted
    twin.fail_on("POST", "/recipients", 503)  # the document is there; suppose the recipient had not been
    twin.sendings[0].recipients.clear()
    with pytest.raises(ProviderError):
        maileva.submit(submission())
    receipt = maileva.submit(submission())
    [sending] = twin.sendings
    assert receipt.provider_reference == sending.id and sending.status == "ACCEPTED"
    assert len(sending.documents) == 1 and len(sending.recipients) == 1 and twin.received() == 1


@pytest.mark.parametrize("ours_first", [False, True], ids=["oldest-first", "newest-first"])
def test_the_key_is_found_whichever_way_sendings_are_listed(twin: MailevaTwin, ours_first: bool) -> None:
    maileva = provider(twin)
    first = maileva.submit(submission("the-one"))
    others = [
        Sending(f"old-{n}", {"name": f"old {n}", "custom_id": f"old-{n}"}, "2026-01-01T00:00:00Z", "PROCESSED")
        for n in range(1200)
    ]
    twin.sendings[1 if ours_first else 0 : 1 if ours_first else 0] = others  # three pages of 500
    before = len(twin.requests)
    found = maileva.find("the-one")
    assert found is not None and found.provider_reference == first.provider_reference
    listings = [path for _method, path in twin.requests[before:] if path.endswith("/sendings")]
    assert len(listings) == (1 if ours_first else 2)  # page 1, then the last page
    assert maileva.submit(submission("the-one")).provider_reference == first.provider_reference
    assert twin.received("the-one") == 1 and maileva.find("never-used") is None


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"level": ServiceLevel.TRACKED}, "invalid-request", "level"),
        ({"level": ServiceLevel.ELECTRONIC_REGISTERED}, "invalid-request", "level"),
        ({"document": b"GIF89a not a pdf"}, "document-rejected", "document"),
        (
            {"recipient": replace(RECIPIENT, lines=("Boulangerie-Pâtisserie Martin et Fils SARL",))},
            "address-too-long",
            "recipient.lines[0]",
        ),
        ({"recipient": replace(RECIPIENT, lines=())}, "address-too-long", "recipient.lines"),
        ({"recipient": replace(RECIPIENT, postal_code="7519")}, "invalid-request", "recipient.postal_code"),
        ({"recipient": replace(RECIPIENT, country="BE")}, "unsupported-country", "recipient.country"),
        ({"sender": replace(SENDER, lines=("A" * 39,))}, "address-too-long", "sender.lines[0]"),
        ({"sender": replace(SENDER, city="L" * 40)}, "address-too-long", "sender.city"),
        ({"sender": replace(SENDER, country="US")}, "unsupported-country", "sender.country"),
    ],
)
def test_submissions_refused_before_any_call(
    twin: MailevaTwin, changes: dict[str, object], code: str, field: str
) -> None:
    with pytest.raises(ProviderError) as raised:
        provider(twin).submit(submission(**changes))
    assert (raised.value.code, raised.value.field_name, raised.value.retryable) == (code, field, False)
    assert twin.requests == []  # not even a token


def test_overseas_departments_and_monaco_are_served(twin: MailevaTwin) -> None:
    maileva = provider(twin)
    for n, (postal_code, city, country) in enumerate([("97400", "Saint-Denis", "RE"), ("98000", "Monaco", "MC")]):
        address = PostalAddress(("Client SARL", "1 rue de la Mer"), postal_code, city, country)
        assert maileva.submit(submission(f"k-{n}", recipient=address)).provider_reference
    assert [s.recipients[0]["country_code"] for s in twin.sendings] == ["RE", "MC"]


@pytest.mark.parametrize(
    ("password", "client_secret", "field"),
    [("wrong", CLIENT_SECRET, "credentials.password"), (PASSWORD, "wrong", "credentials.client_secret")],
)
def test_wrong_credentials_name_the_one_at_fault(
    twin: MailevaTwin, password: str, client_secret: str, field: str
) -> None:
    maileva = MailevaProvider(twin.base_url, CLIENT_ID, client_secret, USERNAME, password, timeout=5.0)
    with pytest.raises(ProviderError) as raised:
        maileva.check()
    assert (raised.value.code, raised.value.field_name, raised.value.retryable) == ("unauthorized", field, False)
    assert password not in str(raised.value) and client_secret not in repr(maileva)


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [(402, "insufficient-credit", False), (429, "rate-limited", True), (502, "unavailable", True)],
)
def test_provider_failures_map_to_codes(twin: MailevaTwin, status: int, code: str, retryable: bool) -> None:
    maileva = provider(twin)
    maileva.check()
    twin.fail_on("POST", "/sendings", status)
    with pytest.raises(ProviderError) as raised:
        maileva.submit(submission())
    assert (raised.value.code, raised.value.retryable) == (code, retryable)
    assert twin.received() == 0


def test_the_token_endpoint_unreachable_or_failing_is_retryable(twin: MailevaTwin) -> None:
    twin.fail_next(503)
    with pytest.raises(ProviderError) as raised:
        provider(twin).check()
    assert raised.value.code == "unavailable" and raised.value.retryable
    closed = MailevaProvider("http://127.0.0.1:9/registered_mail/v4", CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD)
    with pytest.raises(ProviderError) as unreachable:
        closed.check()
    assert unreachable.value.code == "unavailable" and unreachable.value.retryable


def test_an_unknown_sending_is_not_found(twin: MailevaTwin) -> None:
    maileva = provider(twin)
    with pytest.raises(ProviderError) as raised:
        maileva.cancel("no-such-sending")
    assert raised.value.code == "not-found"
    with pytest.raises(ProviderError) as events:
        maileva.events("no-such-sending")
    assert events.value.code == "not-found"


def test_the_token_endpoint_follows_the_api_host() -> None:
    path = "/auth/realms/services/protocol/openid-connect/token"
    assert token_url("https://api.maileva.com/registered_mail/v4") == f"https://connexion.maileva.com{path}"
    assert (
        token_url("https://api.sandbox.maileva.net/registered_mail/v4")
        == f"https://connexion.sandbox.maileva.net{path}"
    )
    assert token_url("http://127.0.0.1:8080/registered_mail/v4") == f"http://127.0.0.1:8080{path}"
    assert token_url("https://api.maileva.com/registered_mail/v4", "https://sso.example/t") == "https://sso.example/t"


@pytest.mark.parametrize(
    ("code", "mapped"),
    [
        ("ADDRESS_LINE_3_TOO_LONG", ("address-too-long", "recipient.lines[2]")),
        ("ADDRESS_LINE_6_TOO_LONG", ("address-too-long", "recipient.city")),
        ("SENDER_ADDRESS_LINE_1_TOO_LONG", ("address-too-long", "sender.lines[0]")),
        ("INVALID_ADDRESS_LINE_6", ("invalid-request", "recipient.postal_code")),
        ("INVALID_COUNTRY_CODE", ("unsupported-country", None)),
        ("DOCUMENT_TYPE_NOT_ACCEPTED", ("document-rejected", None)),
        ("SENDING_STATUS_IS_NOT_DRAFT", ("not-draft", None)),
        ("SOMETHING_NEW", ("invalid-request", None)),
    ],
)
def test_documented_error_codes_map_to_ours(code: str, mapped: tuple[str, str | None]) -> None:
    assert refusal_code(code) == mapped


def test_a_rejected_recipient_and_unknown_codes_in_the_events() -> None:
    recipient = {
        "statuses": [
            {"code": "PENDING", "date": "2026-12-01T08:00:00Z"},
            {"code": "REJECTED", "date": "2026-12-01T09:00:00Z"},
        ],
        "delivery_statuses": [{"code": "LP00", "date": "2026-12-01T10:00:00"}, {"code": "LP01", "date": "bad"}],
        "deposit_proof_date": "2026-12-01T11:00:00Z",  # no URL yet: no proof event
    }
    events = recipient_events("s-1", recipient)
    assert [(e.status, e.occurred_at) for e in events] == [
        ("REJECTED", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ("LP00", datetime(2026, 12, 1, 10, tzinfo=UTC)),
    ]
    assert [e.event_id for e in events] == ["maileva:poll:REJECTED:s-1", "maileva:poll:LP00:s-1"]


@pytest.mark.parametrize("step", ["/sendings", "/documents", "/recipients"])
def test_an_answer_lost_mid_sending_is_ambiguous_then_completed_once(twin: MailevaTwin, step: str) -> None:
    maileva = provider(twin)
    twin.drop_after_accept(step)  # Maileva did it; the answer never came back
    with pytest.raises(ProviderAmbiguous):
        maileva.submit(submission())
    assert maileva.find("delivery-0b6c1f0e") is None  # a draft at most: nothing posted yet
    receipt = maileva.submit(submission())  # the retry finds the draft and completes it
    [sending] = twin.sendings
    assert receipt.provider_reference == sending.id and twin.received() == 1
    assert len(sending.documents) == 1 and len(sending.recipients) == 1


def test_an_auth_url_that_is_not_http_names_the_field(twin: MailevaTwin) -> None:
    maileva = MailevaProvider(twin.base_url, CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD, auth_url="ftp://sso")
    with pytest.raises(ProviderError) as raised:
        maileva.check()
    assert (raised.value.code, raised.value.field_name) == ("invalid-request", "credentials.auth_url")
    assert twin.requests == []
