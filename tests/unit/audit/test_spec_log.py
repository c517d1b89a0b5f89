"""What a second verifier, written from audit/SPEC.md alone, found silent or lenient in §1–§5: each edge case is
built here (``log_export.LogExport``), run through ``audit/verify.py`` as a subprocess and, where the service
has the same data (records, keys, notes), through ``verify_ledger`` too, which must give the same answer; the rule
and the failure name are looked up in the section of the spec that must state them."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from tests.unit.audit.log_export import (
    KEY_NAME,
    LOG_KEY,
    OTHER_KEY,
    LogExport,
    checkpoint_body,
    fingerprint,
    first_failure,
    key_id,
    run_verifier,
    service_failure,
    signed_note,
    vkey,
)
from tests.unit.audit.test_spec import spec_section


def _verifies(export: Path, *options: str | Path) -> str:
    done = run_verifier("log", export, *options)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


# --- §1 records ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "time",
    [
        "2026-02-30T10:00:00.000000Z",
        "2026-13-01T10:00:00.000000Z",
        "2026-01-01T24:00:00.000000Z",
        "2026-06-30T23:59:60.000000Z",
        "0000-01-01T00:00:00.000000Z",
        "２０２６-01-01T10:00:00.000000Z",  # fullwidth digits match \d, not [0-9]
    ],
)
def test_a_time_that_is_no_calendar_date_and_time_is_refused(tmp_path: Path, time: str) -> None:
    log = LogExport()
    log.add()
    log.add(time=time)
    log.checkpoint()
    assert first_failure("log", log.write(tmp_path / "export")).startswith("FAIL record-format: record 2: ")
    assert service_failure(log) == "record-format"
    assert "calendar" in spec_section(1) and "2026-02-30" in spec_section(1)


def test_a_leap_day_is_a_calendar_date(tmp_path: Path) -> None:
    log = LogExport()
    log.add(time="2024-02-29T23:59:59.999999Z")
    log.checkpoint()
    _verifies(log.write(tmp_path / "export"))
    assert service_failure(log) is None


@pytest.mark.parametrize(
    "action",
    ["notice", "notice:", ":issued", "Notice:issued", "notice:issued:again", "notice: issued", "notice:issüed", "1:a"],
)
def test_an_action_that_is_not_noun_colon_verb_is_refused(tmp_path: Path, action: str) -> None:
    log = LogExport()
    log.add(action=action)
    log.add(action="case:dispute_recorded")
    log.checkpoint()
    assert first_failure("log", log.write(tmp_path / "export")).startswith("FAIL record-format: record 1: ")
    assert service_failure(log) == "record-format"
    assert "[a-z][a-z0-9_-]*" in spec_section(1)


# --- §3 hashes -------------------------------------------------------------------------------------------------


def test_a_leaf_hash_that_is_not_32_bytes_is_refused_with_its_name(tmp_path: Path) -> None:
    leaf = base64.b64encode(bytes(31)).decode()
    vector = {"leafIdx": 0, "treeSize": 1, "leafHash": leaf, "root": leaf, "proof": None, "wantErr": False}
    (tmp_path / "merkle" / "inclusion" / "1").mkdir(parents=True)
    (tmp_path / "merkle" / "inclusion" / "1" / "short-leaf.json").write_text(json.dumps(vector))
    done = run_verifier("vectors", tmp_path)
    assert done.returncode == 1
    assert "rejected a happy path (proof-bad-hash-size" in done.stdout
    assert "leaf hash" in spec_section(3) and "`proof-bad-hash-size`" in spec_section(3)


# --- §4 checkpoints and keys ---------------------------------------------------------------------------------


def test_a_vkey_is_split_at_its_first_two_plus_signs(tmp_path: Path) -> None:
    log = LogExport()
    assert "+" in log.keys[0]["vkey"].split("+", 2)[2], "the log key's base64 holds a '+'"
    log.add()
    log.checkpoint()
    _verifies(log.write(tmp_path / "export"))
    assert service_failure(log) is None
    assert "first two `+`" in spec_section(4)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda v: v.replace(v.split("+")[1], v.split("+")[1].upper()),
        lambda v: v.replace(v.split("+")[1], " " + v.split("+")[1][1:]),
        lambda v: v.replace("+", "++", 1),
    ],
    ids=["upper-case-key-id", "space-in-key-id", "empty-key-id"],
)
def test_a_key_id_that_is_not_eight_lower_case_hex_digits_is_refused(tmp_path: Path, mangle: object) -> None:
    log = LogExport()
    log.add()
    log.checkpoint()
    assert callable(mangle)
    log.keys[0]["vkey"] = mangle(log.keys[0]["vkey"])
    assert first_failure("log", log.write(tmp_path / "export")).startswith("FAIL keys-invalid: ")
    assert service_failure(log) == "keys-invalid"
    assert "8 lowercase hex digits" in spec_section(4)


@pytest.mark.parametrize(("character", "refused"), [("\t", True), ("\r", True), ("\x00", True), ("\x7f", False)])
def test_control_characters_are_the_ascii_ones_below_space_other_than_newline(
    tmp_path: Path, character: str, refused: bool
) -> None:
    log = LogExport()
    log.add()
    log.checkpoint()
    export = log.write(tmp_path / "export")
    witness = signed_note(checkpoint_body(3, log.root(3), extensions=(f"witnessed{character}here",)))
    (export / "checkpoints" / "3.witness.note").write_bytes(witness)
    if refused:
        assert first_failure("log", export).startswith("FAIL checkpoint-malformed: 3.witness.note")
    else:
        _verifies(export)
    assert service_failure(log, {**log.notes, "3.witness.note": witness}) == (
        "checkpoint-malformed" if refused else None
    )
    assert "0x00–0x1F" in spec_section(4) and "0x7F" in spec_section(4)


@pytest.mark.parametrize("extensions", [("",), ("", "witnessed"), ("witnessed", "")], ids=["only", "first", "last"])
def test_an_empty_extension_line_is_refused_by_both_verifiers(tmp_path: Path, extensions: tuple[str, ...]) -> None:
    """C2SP tlog-checkpoint: extension lines are non-empty; the signer refuses such a body, so do the verifiers."""
    log = LogExport()
    log.add()
    log.checkpoint()
    export = log.write(tmp_path / "export")
    witness = signed_note(checkpoint_body(3, log.root(3), extensions=extensions))
    (export / "checkpoints" / "3.witness.note").write_bytes(witness)
    assert first_failure("log", export).startswith("FAIL checkpoint-malformed: 3.witness.note")
    assert service_failure(log, {**log.notes, "3.witness.note": witness}) == "checkpoint-malformed"
    assert "each **non-empty**" in spec_section(4)


@pytest.mark.parametrize(
    "line",
    ["witness says hello", "— witness", "— witness not-base64!", "— witness AAAA", "—witness AAAAAAAA", ""],
    ids=["no-dash", "no-signature", "not-base64", "shorter-than-a-key-id", "no-space", "empty-line"],
)
def test_every_line_of_the_signature_block_is_a_signature_line(tmp_path: Path, line: str) -> None:
    log = LogExport()
    log.add()
    log.checkpoint()
    export = log.write(tmp_path / "export")
    note = signed_note(checkpoint_body(3, log.root(3))) + line.encode() + b"\n"
    (export / "checkpoints" / "3.witness.note").write_bytes(note)
    assert first_failure("log", export).startswith("FAIL checkpoint-malformed: 3.witness.note")
    assert service_failure(log, {**log.notes, "3.witness.note": note}) == "checkpoint-malformed"
    assert "every line of it must have this form" in spec_section(4)


def _note_signed_by_both(log: LogExport, size: int, second_good: bool) -> bytes:
    """The note of ``size`` signed by the log key, then by OTHER_KEY (a good or a forged signature)."""
    body = checkpoint_body(size, log.root(size))
    blob = key_id(KEY_NAME, OTHER_KEY) + (OTHER_KEY.sign(body) if second_good else bytes(64))
    return signed_note(body) + f"— {KEY_NAME} {base64.b64encode(blob).decode()}\n".encode()


@pytest.mark.parametrize("second_good", [True, False], ids=["valid-signature", "forged-signature"])
def test_a_listed_keys_signature_on_a_size_below_its_valid_from_index_is_ignored(
    tmp_path: Path, second_good: bool
) -> None:
    log = LogExport()
    log.add_many(2)
    log.activate(OTHER_KEY)  # index 3: OTHER_KEY may sign sizes ≥ 3
    log.add()
    log.checkpoint()
    export = log.write(tmp_path / "export")
    both = _note_signed_by_both(log, 2, second_good)
    (export / "checkpoints" / "2.witness.note").write_bytes(both)
    _verifies(export)
    log.keys.reverse()  # the service must not depend on the order of its key rows
    assert service_failure(log, {**log.notes, "2.witness.note": both}) is None
    only_other = signed_note(checkpoint_body(2, log.root(2)), OTHER_KEY)
    (export / "checkpoints" / "2.witness.note").write_bytes(only_other)
    assert first_failure("log", export).startswith("FAIL checkpoint-unknown-key: 2.witness.note")
    assert service_failure(log, {**log.notes, "2.witness.note": only_other}) == "checkpoint-unknown-key"
    assert "may not sign for" in spec_section(4)


def test_a_forged_line_by_an_allowed_key_refuses_a_note_another_allowed_key_signed(tmp_path: Path) -> None:
    log = LogExport()
    log.activate(OTHER_KEY)  # index 1: both keys may sign sizes ≥ 1
    log.add()
    log.checkpoint()
    export = log.write(tmp_path / "export")
    forged = _note_signed_by_both(log, 2, second_good=False)
    (export / "checkpoints" / "2.witness.note").write_bytes(forged)
    assert first_failure("log", export).startswith("FAIL checkpoint-bad-signature: 2.witness.note")
    for order in (log.keys, log.keys[::-1]):
        log.keys = order
        assert service_failure(log, {**log.notes, "2.witness.note": forged}) == "checkpoint-bad-signature"


# --- §5 the exported directory ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["012.note", "0012.witness.note", "１２.note", "+12.note", "12 .note"])
def test_a_note_name_must_be_its_size_in_decimal_without_leading_zeros(tmp_path: Path, name: str) -> None:
    log = LogExport()
    log.add_many(11)
    log.checkpoint()
    export = log.write(tmp_path / "export")
    shutil.copy(export / "checkpoints" / "12.note", export / "checkpoints" / name)
    assert first_failure("log", export).startswith(f"FAIL checkpoint-name-mismatch: {name}")
    assert "without leading zeros" in spec_section(5)


@pytest.mark.parametrize("tsa_ca", [False, True], ids=["tokens-not-checked", "with-tsa-ca"])
def test_a_token_without_its_note_is_named(tmp_path: Path, tsa_ca: bool) -> None:
    log = LogExport()
    log.add()
    log.checkpoint()
    export = log.write(tmp_path / "export")
    (export / "checkpoints" / "7.tsr").write_bytes(b"0\x03\x02\x01\x00")
    roots = tmp_path / "roots.pem"
    roots.write_text("")
    options = ["--tsa-ca", str(roots)] if tsa_ca else []
    assert first_failure("log", export, *options).startswith("FAIL timestamp-orphan: 7.tsr")
    assert "`timestamp-orphan`" in spec_section(5) and "`timestamp-orphan`" in spec_section(6)


def test_a_key_entry_with_another_member_is_refused(tmp_path: Path) -> None:
    log = LogExport()
    log.add()
    log.checkpoint()
    export = log.write(tmp_path / "export")
    keys = json.loads((export / "keys.json").read_text())
    keys[0]["revoked"] = False
    (export / "keys.json").write_text(json.dumps(keys))
    assert first_failure("log", export).startswith("FAIL keys-invalid: ")
    assert "no other member" in spec_section(5)


def test_the_vkey_helper_is_the_spec_format() -> None:
    name, key_hex, key_b64 = vkey(KEY_NAME, OTHER_KEY).split("+", 2)
    assert (name, len(key_hex), base64.b64decode(key_b64)[0]) == (KEY_NAME, 8, 1)


# --- §6 anchors, key activations, origin -----------------------------------------------------------------------


def _anchor_index(log: LogExport) -> int:
    return next(i for i, r in enumerate(log.records) if b'"action":"audit:checkpoint"' in r)


@pytest.mark.parametrize(
    ("anchor", "detail"),
    [
        ({"data_members": {"root": "00" * 32}}, "data.root"),
        ({"subject": {"type": "audit_log", "id": "3"}}, "subject"),
        ({"subject": {"type": "log", "id": "4"}}, "subject"),
        ({"data_members": {"key_fingerprint": "ab" * 32}}, "key_fingerprint"),
        ({"action": "audit:anchored"}, "token"),
        ({"data_members": {"gen_time": "2025-01-06T09:30:00Z"}}, "gen_time"),
        ({"data_members": {"tsa_url": "http://tsa.example/"}}, "tsa_url"),
        ({"data_members": {"comment": "x"}}, "exactly"),
        ({"data_members": {"size": True}}, "data.size"),
    ],
    ids=["root", "subject-id", "subject-type", "key", "action", "gen-time", "tsa-url", "extra-member", "size-bool"],
)
def test_an_anchor_record_must_say_what_its_checkpoint_is(
    tmp_path: Path, anchor: dict[str, object], detail: str
) -> None:
    log = LogExport()
    log.add_many(3)
    log.checkpoint(**anchor)
    log.add()
    log.checkpoint()  # covers the first anchor, so the tree agrees with whatever it says
    failure = first_failure("log", log.write(tmp_path / "export"))
    assert failure.startswith("FAIL anchor-mismatch: anchor record 4: ") and detail in failure, failure
    assert service_failure(log) == "anchor-mismatch"
    for name in ("`data.root`", "`data.key_fingerprint`", "`data.gen_time`", "`data.tsa_url`", "`anchor-mismatch`"):
        assert name in spec_section(6), name


def test_an_anchor_record_inside_the_checkpoint_it_claims_to_anchor_is_refused(tmp_path: Path) -> None:
    log = LogExport()
    log.add()  # index 1
    log.add(  # index 2 claims to anchor the checkpoint of size 4, which contains it
        action="audit:checkpoint", subject={"type": "audit_log", "id": "4"},
        data={"size": 4, "root": "00" * 32, "note_sha256": "00" * 32, "key_fingerprint": "00" * 32,
              "token_sha256": None, "gen_time": None, "tsa_url": None},
    )  # fmt: skip
    log.add()
    log.checkpoint()
    failure = first_failure("log", log.write(tmp_path / "export"))
    assert failure.startswith("FAIL anchor-mismatch: anchor record 2: it lies inside checkpoint 4"), failure
    assert service_failure(log) == "anchor-mismatch"
    assert "index ≥ size" in spec_section(6)


OTHER_ACTIVATION = {
    "key_name": KEY_NAME,
    "vkey": vkey(KEY_NAME, OTHER_KEY),
    "fingerprint": fingerprint(OTHER_KEY),
    "replaces": fingerprint(LOG_KEY),
}


@pytest.mark.parametrize(
    "members",
    [
        {"subject": {"type": "checkpoint_key", "id": "ab" * 32}},
        {"subject": {"type": "key", "id": fingerprint(OTHER_KEY)}},
        {"data": {**OTHER_ACTIVATION, "key_name": "another"}},
        {"data": {**OTHER_ACTIVATION, "replaces": None}},
        {"data": {**OTHER_ACTIVATION, "comment": "x"}},
    ],
    ids=["subject-id", "subject-type", "key-name", "replaces", "extra-member"],
)
def test_a_key_activation_record_must_be_exactly_the_keys(tmp_path: Path, members: dict[str, object]) -> None:
    log = LogExport()
    log.add()
    log.activate(OTHER_KEY, **members)  # index 2
    log.add()
    log.checkpoint(key=OTHER_KEY)
    failure = first_failure("log", log.write(tmp_path / "export"))
    assert failure.startswith("FAIL key-not-logged: key notice-service.example/audit"), failure
    assert service_failure(log) == "key-not-logged"
    for name in ('"key_name"', '"replaces"', "`key-not-logged`"):
        assert name in spec_section(6), name


def test_an_activation_record_of_a_key_keys_json_does_not_list_is_refused(tmp_path: Path) -> None:
    log = LogExport()
    log.activate(OTHER_KEY)  # index 1
    log.keys.pop()  # keys.json forgets the key the log says was activated
    log.add()
    log.checkpoint()
    failure = first_failure("log", log.write(tmp_path / "export"))
    assert failure.startswith("FAIL key-not-listed: activation record 1"), failure
    assert service_failure(log) == "key-not-listed"
    assert "`key-not-listed`" in spec_section(6)


def test_without_a_checkpoint_the_origin_is_record_0s_log(tmp_path: Path) -> None:
    log = LogExport()
    log.add()
    log.add(log="notice-service.example/audit/another")
    failure = first_failure("log", log.write(tmp_path / "export"))
    assert failure.startswith("FAIL record-wrong-log: record 2: log 'notice-service.example/audit/another'")
    other = LogExport()
    other.records[0] = other.records[0].replace(f'"log":"{other.origin}"'.encode(), b'"log":7')
    failure = first_failure("log", other.write(tmp_path / "other"))
    assert failure.startswith("FAIL record-format: record 0: log must be a string"), failure
    assert "no checkpoint" in spec_section(6) and "record 0" in spec_section(6)


def test_the_verifier_says_which_records_no_checkpoint_covers(tmp_path: Path) -> None:
    log = LogExport()
    log.add_many(3)
    log.checkpoint()  # size 4, anchor record 4
    log.add()
    out = _verifies(log.write(tmp_path / "export"))
    assert "coverage: records 0..3 are in checkpoint 4; records 4..5 (2) are covered by no checkpoint" in out


@pytest.mark.parametrize("number", [2**53, -(2**53), 2**60])
def test_an_integer_beyond_the_safe_range_is_refused_by_both_verifiers(tmp_path: Path, number: int) -> None:
    log = LogExport()
    unsafe = log.record(data={"count": number})  # not I-JSON: RFC 8785 cannot serialise it (§1)
    log.records.append(json.dumps(unsafe, sort_keys=True, separators=(",", ":")).encode())
    log.checkpoint()
    assert first_failure("log", log.write(tmp_path / "export")).startswith("FAIL record-format: record 1: ")
    assert service_failure(log) == "record-format"


def test_a_member_name_that_is_not_ascii_is_refused_by_both_verifiers(tmp_path: Path) -> None:
    log = LogExport()
    log.add(data={"montant_dû": "12.50"})
    log.checkpoint()
    assert first_failure("log", log.write(tmp_path / "export")).startswith("FAIL record-format: record 1.data: ")
    assert service_failure(log) == "record-format"


@pytest.mark.parametrize("index", [True, "1", 1.0], ids=["boolean", "string", "float"])
def test_an_index_that_is_not_the_integer_position_is_refused_by_both_verifiers(tmp_path: Path, index: object) -> None:
    log = LogExport()
    log.records.append(json.dumps(log.record(index=index), sort_keys=True, separators=(",", ":")).encode())
    log.checkpoint()
    reason = "record-not-json" if isinstance(index, float) else "index-sequence"
    assert first_failure("log", log.write(tmp_path / "export")).startswith(f"FAIL {reason}: record 1")
    assert service_failure(log) == ("record-format" if isinstance(index, float) else "index-sequence")


def test_a_replaced_key_still_signs_as_the_spec_says(tmp_path: Path) -> None:
    """The ``replaces`` link is information: both verifiers accept a later checkpoint by the key it replaced."""
    log = LogExport()
    log.add()
    log.checkpoint()
    log.activate(OTHER_KEY)
    log.add()
    log.checkpoint(key=LOG_KEY)
    _verifies(log.write(tmp_path / "export"))
    assert service_failure(log) is None
    assert "stays valid after a key that replaces it" in spec_section(5)
