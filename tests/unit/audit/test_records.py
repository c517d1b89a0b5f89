"""Records sealed from a prepared draft (index, log and prev filled in under the head lock) are byte for byte the
RFC 8785 serialisation of the whole version-1 record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import rfc8785

from notice_service.domain.audit.records import (
    DocumentRef,
    JsonValue,
    RecordDraft,
    RecordFormatError,
    format_time,
    log_member,
    parse_record,
    prepare_record,
    seal_record,
)

TIME = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
PREV = "ab" * 32


def _reference(draft: RecordDraft, log: str, index: int) -> bytes:
    record: dict[str, JsonValue] = {
        "v": 1,
        "log": log,
        "index": index,
        "prev": PREV,
        "time": format_time(TIME),
        "actor": {"type": draft.actor_type, "id": draft.actor_id},
        "action": draft.action,
        "subject": {"type": draft.subject_type, "id": draft.subject_id},
        "documents": [{"role": d.role, "sha256": d.sha256} for d in draft.documents],
        "data": dict(draft.data or {}),
    }
    return rfc8785.dumps(record)


@pytest.mark.parametrize(
    ("draft", "log", "index"),
    [
        (RecordDraft("api_key", "k", "notice:issued", "notice", "n-1"), "svc.example/tenants/t", 0),
        (
            RecordDraft("op", "ü€", "a:b", "s", "id😀", (DocumentRef("pdf", "a" * 64),), {"z": [1, "é"], "a": None}),
            'log "quoted"\\',
            2**53 - 1,
        ),
        (RecordDraft("w", "x", "c:d", "e", "f", data={"\u007f": '\n\t"', "b": True, "n": -42}), "l", 12345),
    ],
)
def test_prepared_records_seal_to_the_rfc8785_bytes(draft: RecordDraft, log: str, index: int) -> None:
    sealed = prepare_record(draft, TIME).seal(log_member(log), index, PREV)
    assert sealed.canonical == _reference(draft, log, index)
    assert sealed == seal_record(draft, log=log, index=index, prev=PREV, time=TIME)
    assert parse_record(sealed.canonical)["index"] == index


@pytest.mark.parametrize(
    ("data", "index", "prev"),
    [({"amount": 1.5}, 0, PREV), ({}, 2**53, PREV), ({}, -1, PREV), ({}, 0, "short")],
)
def test_floats_unsafe_indexes_and_bad_prev_are_refused(data: dict[str, JsonValue], index: int, prev: str) -> None:
    draft = RecordDraft("a", "b", "c:d", "e", "f", data=data)
    with pytest.raises(RecordFormatError):
        prepare_record(draft, TIME).seal(log_member("l"), index, prev)


@pytest.mark.parametrize("action", ["notice", "Notice:issued", "notice:issued:again", "notice: issued", "é:a", ""])
def test_an_action_that_is_not_noun_colon_verb_is_never_written(action: str) -> None:
    """SPEC.md §1: the verifiers refuse such a record (record-format), so the service must not write one."""
    with pytest.raises(RecordFormatError, match="<noun>:<verb>"):
        prepare_record(RecordDraft("api_key", "k", action, "notice", "n-1"), TIME)
    prepare_record(RecordDraft("worker", "w", "audit:key-activated", "checkpoint_key", "f"), TIME)
