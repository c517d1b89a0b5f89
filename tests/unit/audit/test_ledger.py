"""``verify_ledger`` over a small ledger built in memory: the happy path, then one alteration per named reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from notice_service.domain.audit.checkpoint import (
    format_checkpoint_body,
    key_fingerprint,
    sign_checkpoint,
    verifier_key_string,
)
from notice_service.domain.audit.evidence import AnchorFacts, anchor_record, key_activation_record, sha256_hex
from notice_service.domain.audit.ledger import CheckpointEvidence, LedgerFailure, LedgerKey, verify_ledger
from notice_service.domain.audit.merkle import CompactRange
from notice_service.domain.audit.records import GENESIS_PREV, RecordDraft, leaf_hash, seal_record

ORIGIN = "example.test/tenants/t-1"
KEY_NAME = "example.test/checkpoint"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
FINGERPRINT = key_fingerprint(KEY.public_key())


@dataclass
class Ledger:
    records: list[bytes] = field(default_factory=list)
    checkpoints: list[CheckpointEvidence] = field(default_factory=list)
    keys: list[LedgerKey] = field(default_factory=list)
    origin: str = ORIGIN
    compact: CompactRange = field(default_factory=CompactRange)

    def append(self, draft: RecordDraft) -> None:
        prev = leaf_hash(self.records[-1]) if self.records else GENESIS_PREV
        sealed = seal_record(draft, log=ORIGIN, index=len(self.records), prev=prev, time=NOW)
        self.records.append(sealed.canonical)
        self.compact = self.compact.append(bytes.fromhex(sealed.leaf_hash))

    def checkpoint(self, note_sha256: str | None = None) -> None:
        size, root = self.compact.size, self.compact.root()
        note = sign_checkpoint(format_checkpoint_body(ORIGIN, size, root), KEY_NAME, KEY)
        self.checkpoints.append(CheckpointEvidence(f"checkpoint {size}", note))
        self.append(anchor_record(AnchorFacts(size, root, note_sha256 or sha256_hex(note), FINGERPRINT)))

    def verify(self) -> object:
        return verify_ledger(self.records, origin=self.origin, keys=self.keys, checkpoints=self.checkpoints)


def build(note_sha256: str | None = None) -> Ledger:
    ledger = Ledger(keys=[LedgerKey(KEY_NAME, KEY.public_key(), FINGERPRINT, 0)])
    ledger.append(key_activation_record(KEY_NAME, verifier_key_string(KEY_NAME, KEY.public_key()), FINGERPRINT, None))
    for number in range(5):
        ledger.append(RecordDraft("api_key", "k-1", "debtor:registered", "debtor", f"d-{number}"))
    ledger.checkpoint()
    for number in range(3):
        ledger.append(RecordDraft("api_key", "k-1", "case:opened", "case", f"c-{number}"))
    ledger.checkpoint(note_sha256)
    return ledger


def test_the_untouched_ledger_verifies() -> None:
    report = build().verify()
    assert report == replace(report, records=11, checkpoints=2, consistency_proofs=1, anchors=2, key_activations=1)


def _swap(ledger: Ledger) -> None:
    ledger.records[3], ledger.records[4] = ledger.records[4], ledger.records[3]


def _edit(ledger: Ledger) -> None:
    ledger.records[2] = ledger.records[2].replace(b"d-1", b"d-9")


def _respace(ledger: Ledger) -> None:
    ledger.records[2] = ledger.records[2].replace(b'"v":1', b'"v": 1')


def _other_key(ledger: Ledger) -> None:
    rogue = Ed25519PrivateKey.generate()
    body = ledger.checkpoints[0].note.split(b"\n\n")[0] + b"\n"
    ledger.checkpoints[0] = CheckpointEvidence("rogue", sign_checkpoint(body, KEY_NAME, rogue))


def _edit_note(ledger: Ledger) -> None:
    note = ledger.checkpoints[0].note
    ledger.checkpoints[0] = CheckpointEvidence("edited", note.replace(b"\n6\n", b"\n7\n", 1))


def _fork(ledger: Ledger) -> None:
    forged = sign_checkpoint(format_checkpoint_body(ORIGIN, 6, b"\x42" * 32), KEY_NAME, KEY)
    ledger.checkpoints.append(CheckpointEvidence("forged", forged))


def _truncate(ledger: Ledger) -> None:
    del ledger.records[8:]


def _lose_checkpoint(ledger: Ledger) -> None:
    del ledger.checkpoints[1]


def _unlogged_key(ledger: Ledger) -> None:
    ledger.keys[0] = replace(ledger.keys[0], valid_from_index=1)


def _other_origin(ledger: Ledger) -> None:
    ledger.origin = "example.test/tenants/t-2"


def _wrong_anchor(ledger: Ledger) -> None:
    replacement = build(note_sha256="0" * 64)
    ledger.records, ledger.checkpoints = replacement.records, replacement.checkpoints


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (_swap, "index-sequence"),
        (_edit, "prev-mismatch"),
        (_respace, "record-not-canonical"),
        (_other_key, "checkpoint-unknown-key"),
        (_edit_note, "checkpoint-bad-signature"),
        (_fork, "checkpoint-fork"),
        (_truncate, "log-shorter-than-checkpoint"),
        (_lose_checkpoint, "checkpoint-missing"),
        (_unlogged_key, "key-not-logged"),
        (_other_origin, "record-wrong-log"),
        (_wrong_anchor, "anchor-mismatch"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_each_alteration_is_named(tamper: Callable[[Ledger], None], reason: str) -> None:
    ledger = build()
    tamper(ledger)
    with pytest.raises(LedgerFailure) as failure:
        ledger.verify()
    assert failure.value.reason == reason, failure.value


def test_a_token_the_check_refuses_is_timestamp_invalid() -> None:
    ledger = build()
    ledger.checkpoints[0] = replace(ledger.checkpoints[0], token=b"not a token")

    def refuse(note: bytes, token: bytes) -> bool:
        raise ValueError("the token does not cover the note")

    with pytest.raises(LedgerFailure, match="timestamp-invalid"):
        verify_ledger(
            ledger.records, origin=ORIGIN, keys=ledger.keys, checkpoints=ledger.checkpoints, check_token=refuse
        )
