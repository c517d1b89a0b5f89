"""Delivery facts: status by occurrence, duplicates, receipt (actual or deemed) and the deadline it sets
(LEGAL.md Part B §4.2, Part A §7–8); tracking numbers (§7.3); evidence sniffing; provider tables."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime

import pytest

from notice_service.domain.deadlines import Receipt
from notice_service.domain.delivery.facts import (
    Channel,
    Fact,
    FactKind,
    current_fact,
    derive_deadline,
    derive_receipt,
    earliest_receipt,
    is_duplicate,
)
from notice_service.domain.delivery.provider_events import LA_POSTE_CODES, la_poste_fact, parse_merci_facteur
from notice_service.domain.delivery.tracking_numbers import normalise_tracking_number, s10_check_digit
from notice_service.domain.evidence_files import sniff_media_type
from notice_service.errors import InvalidInput

K = FactKind


def fact(kind: FactKind, day: int, hour: int = 10, source: str | None = None) -> Fact:
    return Fact(kind, datetime(2026, 12, day, hour, tzinfo=UTC), source or f"{kind}-{day}-{hour}")


@pytest.mark.parametrize(
    ("channel", "facts", "expected"),
    [
        (Channel.REGISTERED_LETTER, [fact(K.DEPOSITED, 1), fact(K.DELIVERED, 3)], Receipt(date(2026, 12, 3), False)),
        # Unclaimed after an avis de passage: first presentation, deemed.
        (
            Channel.REGISTERED_LETTER,
            [fact(K.DEPOSITED, 1), fact(K.FIRST_PRESENTED, 2), fact(K.UNCLAIMED, 18), fact(K.RETURNED, 21)],
            Receipt(date(2026, 12, 2), True),
        ),
        # RE1 after AG1 without an explicit "unclaimed": the same.
        (
            Channel.REGISTERED_LETTER,
            [fact(K.FIRST_PRESENTED, 2), fact(K.RETURNED, 19)],
            Receipt(date(2026, 12, 2), True),
        ),
        # Refused at the door without an avis: the refusal day is the presentation.
        (Channel.REGISTERED_LETTER, [fact(K.DEPOSITED, 1), fact(K.REFUSED, 3)], Receipt(date(2026, 12, 3), True)),
        # NPAI: never received.
        (Channel.REGISTERED_LETTER, [fact(K.FIRST_PRESENTED, 2), fact(K.ADDRESS_ERROR, 3), fact(K.RETURNED, 5)], None),
        (Channel.REGISTERED_LETTER, [fact(K.DEPOSITED, 1), fact(K.IN_TRANSIT, 2)], None),
        (Channel.REGISTERED_LETTER, [fact(K.RETURNED, 5)], None),
        # LRE: accepted is actual; expired counts from the notification (deposit), deemed.
        (Channel.ELECTRONIC_REGISTERED, [fact(K.DEPOSITED, 1), fact(K.ACCEPTED, 4)], Receipt(date(2026, 12, 4), False)),
        (Channel.ELECTRONIC_REGISTERED, [fact(K.DEPOSITED, 1), fact(K.EXPIRED, 17)], Receipt(date(2026, 12, 1), True)),
        (Channel.ELECTRONIC_REGISTERED, [fact(K.DEPOSITED, 1), fact(K.REFUSED, 2)], Receipt(date(2026, 12, 1), True)),
        # A simple letter or an e-mail proves nothing by being unclaimed; delivered is delivered.
        (Channel.EMAIL, [fact(K.SUBMITTED, 1)], None),
        (Channel.LETTER, [fact(K.DELIVERED, 4)], Receipt(date(2026, 12, 4), False)),
        (Channel.BAILIFF, [fact(K.DELIVERED, 7)], Receipt(date(2026, 12, 7), False)),
        # 23:30 UTC on 3 December is already 4 December in Paris.
        (Channel.REGISTERED_LETTER, [fact(K.DELIVERED, 3, 23)], Receipt(date(2026, 12, 4), False)),
    ],
)
def test_receipt(channel: Channel, facts: list[Fact], expected: Receipt | None) -> None:
    assert derive_receipt(channel, facts) == expected
    assert derive_receipt(channel, list(reversed(facts))) == expected  # arrival order does not matter


def test_latest_by_occurrence_wins_whatever_the_arrival_order() -> None:
    facts = [fact(K.DELIVERED, 5), fact(K.DEPOSITED, 1), fact(K.FIRST_PRESENTED, 3)]
    assert current_fact(facts) == facts[0]
    assert current_fact([]) is None
    same_instant = [fact(K.DELIVERED, 5), fact(K.IN_TRANSIT, 5)]
    assert current_fact(same_instant).kind is K.DELIVERED  # type: ignore[union-attr]


def test_duplicates_are_recognised_by_source_event_id() -> None:
    known = [fact(K.DEPOSITED, 1, source="evt-1")]
    assert is_duplicate(known, fact(K.DELIVERED, 9, source="evt-1"))
    assert not is_duplicate(known, fact(K.DEPOSITED, 1, source="evt-2"))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Fact(K.DELIVERED, datetime(2026, 12, 1), "x")  # noqa: DTZ001


def test_earliest_actual_receipt_wins_over_deemed() -> None:
    deemed, actual, later = Receipt(date(2026, 12, 2), True), Receipt(date(2026, 12, 9), False), None
    assert earliest_receipt([deemed, actual, later]) == actual
    assert earliest_receipt([deemed, Receipt(date(2026, 12, 5), True)]) == deemed
    assert earliest_receipt([None]) is None


@pytest.mark.parametrize(
    ("receipt", "postal_code", "deadline"),
    [
        (Receipt(date(2026, 12, 2), True), "75019", date(2026, 12, 10)),
        (Receipt(date(2026, 12, 17), False), "75019", date(2026, 12, 28)),  # Friday 25 → Mon 28 (Sat/Sun/25th)
        (Receipt(date(2026, 12, 18), False), "67000", date(2026, 12, 28)),  # 26 Dec Alsace, Sat anyway
        (Receipt(date(2026, 12, 24), False), "75019", date(2027, 1, 1 + 3)),  # 1 Jan holiday → Mon 4 Jan
    ],
)
def test_deadline_skips_weekends_and_holidays(receipt: Receipt, postal_code: str, deadline: date) -> None:
    derived = derive_deadline(receipt, 8, postal_code=postal_code, country="FR")
    assert derived is not None and derived.deadline == deadline and derived.receipt == receipt
    assert derive_deadline(None, 8, postal_code=postal_code, country="FR") is None


@pytest.mark.parametrize(
    ("serial", "check"), [("47312482", 9), ("12345678", 5), ("00000000", 5), ("00000001", 4), ("00000008", 0)]
)
def test_s10_check_digit(serial: str, check: int) -> None:
    assert s10_check_digit(serial) == check


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("RR123456785FR", "RR123456785FR"),
        ("rr 473 124 829 fr", "RR473124829FR"),
        ("1A12345678901", "1A12345678901"),
        ("2C123456789", "2C123456789"),
    ],
)
def test_valid_tracking_numbers(raw: str, normalised: str) -> None:
    assert normalise_tracking_number(raw) == normalised


@pytest.mark.parametrize("raw", ["RR123456784FR", "1A123", "1A1234567890123456", "RR12345678!FR", ""])
def test_invalid_tracking_numbers(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_tracking_number(raw)
    assert caught.value.errors[0].field == "tracking_number"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"II*\x00\x08", "image/tiff"),
        (b"MM\x00*\x00", "image/tiff"),
        (b"GIF89a", None),
        (b"<html>%PDF-", None),
        (b"", None),
    ],
)
def test_sniffing_by_magic_bytes(head: bytes, expected: str | None) -> None:
    assert sniff_media_type(head) == expected


@pytest.mark.parametrize(("code", "kind"), [("DI1", K.DELIVERED), ("AG1", K.FIRST_PRESENTED), ("RE1", K.RETURNED)])
def test_la_poste_codes(code: str, kind: FactKind) -> None:
    assert la_poste_fact(code) is kind and la_poste_fact(code.lower()) is kind
    assert "DI0" not in LA_POSTE_CODES  # doubtful (LEGAL.md §7.2 [?]): not mapped


def test_merci_facteur_are_event_with_its_inline_ar() -> None:
    scan = b"\xff\xd8\xff\xe0 scanned AR"
    form = {
        "event": json.dumps({"name_event": "are", "id_user": 17460, "date_event": 1796383800}),
        "detail": json.dumps(
            [
                {
                    "ref_courrier": "123456-789123456",
                    "mode_envoi": "lrare",
                    "tracking_number": "2C123456789",
                    "statut_courrier": "retour_are",
                    "ref_interne": "delivery-1",
                    "are_base64_jpeg": base64.b64encode(scan).decode(),
                }
            ]
        ),
    }
    [event] = parse_merci_facteur(form)
    assert event.fact.kind is K.DELIVERED
    assert event.fact.occurred_at == datetime.fromtimestamp(1796383800, tz=UTC)
    assert event.fact.source_event_id == "merci_facteur:are:retour_are:123456-789123456"
    assert (event.delivery_ref, event.tracking_number) == ("delivery-1", "2C123456789")
    assert event.evidence[0].data == scan and event.evidence[0].kind == "acknowledgement_of_receipt"
    assert "are_base64_jpeg" not in event.raw["letter"]  # type: ignore[operator]


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"event": "{", "detail": "[]"},
        {"event": json.dumps({"name_event": "are", "date_event": 1}), "detail": "[]"},
        {"event": json.dumps({"name_event": "x", "date_event": "soon"}), "detail": json.dumps([{}])},
        {"event": json.dumps({"name_event": "x", "date_event": 1}), "detail": json.dumps([{"ref_courrier": "r"}])},
        {
            "event": json.dumps({"name_event": "x", "date_event": 1}),
            "detail": json.dumps([{"ref_courrier": "r", "statut_courrier": "teleported"}]),
        },
    ],
)
def test_malformed_merci_facteur_bodies_are_refused(form: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        parse_merci_facteur(form)
