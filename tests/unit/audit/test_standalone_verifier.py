"""audit/verify.py run as an outside expert would: as a subprocess, on the vectors and on exported logs.

``build_export`` writes a valid export (records, signed checkpoints, keys) so each test can tamper with it.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from notice_service.domain.audit.checkpoint import (
    format_checkpoint_body,
    key_fingerprint,
    sign_checkpoint,
    verifier_key_string,
)
from notice_service.domain.audit.merkle import CompactRange
from notice_service.domain.audit.records import GENESIS_PREV, DocumentRef, RecordDraft, seal_record

REPO = Path(__file__).resolve().parents[3]
VERIFY = REPO / "audit" / "verify.py"
ORIGIN = "notice-service.example/audit/test"
KEY_NAME = "notice-service.example/audit"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ROGUE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(2, 34)))
START = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)


def _draft(index: int) -> RecordDraft:
    if index == 0:  # the log's first record activates its checkpoint key (SPEC.md §7)
        public = LOG_KEY.public_key()
        fingerprint = key_fingerprint(public)
        vkey = verifier_key_string(KEY_NAME, public)
        data = {"key_name": KEY_NAME, "vkey": vkey, "fingerprint": fingerprint, "replaces": None}
        return RecordDraft(
            "worker", "audit-checkpointer", "audit:key-activated", "checkpoint_key", fingerprint, (), data
        )
    return RecordDraft(
        actor_type="user",
        actor_id=f"u-{index % 3}",
        action="notice:issue",
        subject_type="notice",
        subject_id=f"n-{index:05d}",
        documents=(DocumentRef(role="pdf", sha256=f"{index:064x}"),),
        data={"amount": "1234.56", "attempt": index},
    )


def write_checkpoint(directory: Path, name: str, size: int, root: bytes, key: Ed25519PrivateKey = LOG_KEY) -> None:
    note = sign_checkpoint(format_checkpoint_body(ORIGIN, size, root), KEY_NAME, key)
    (directory / "checkpoints" / name).write_bytes(note)


def build_export(directory: Path, count: int, checkpoint_every: int = 4) -> Path:
    """A valid export of ``count`` sealed records with a checkpoint every few records and at the end."""
    (directory / "checkpoints").mkdir(parents=True)
    lines, prev, compact = [], GENESIS_PREV, CompactRange()
    for index in range(count):
        sealed = seal_record(_draft(index), log=ORIGIN, index=index, prev=prev, time=START + timedelta(seconds=index))
        lines.append(sealed.canonical + b"\n")
        prev = sealed.leaf_hash
        compact = compact.append(bytes.fromhex(sealed.leaf_hash))
        if compact.size % checkpoint_every == 0 or compact.size == count:
            write_checkpoint(directory, f"{compact.size}.note", compact.size, compact.root())
    (directory / "records.jsonl").write_bytes(b"".join(lines))
    public = LOG_KEY.public_key()
    key = {
        "name": KEY_NAME,
        "vkey": verifier_key_string(KEY_NAME, public),
        "fingerprint": key_fingerprint(public),
        "valid_from_index": 0,
    }
    (directory / "keys.json").write_text(json.dumps([key], indent=2))
    return directory


def run_verifier(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(VERIFY), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_verifier_imports_nothing_from_notice_service() -> None:
    source = VERIFY.read_text()
    assert "notice_service" not in source.replace("notice_service``", "")


def test_all_vectors_pass() -> None:
    done = run_verifier("vectors", REPO / "audit" / "vectors")
    assert done.returncode == 0, done.stdout
    assert "vectors: 202 passed, 0 failed" in done.stdout


def test_an_altered_happy_path_fails_the_vector_run(tmp_path: Path) -> None:
    vectors = tmp_path / "vectors"
    shutil.copytree(REPO / "audit" / "vectors", vectors)
    happy = vectors / "merkle" / "inclusion" / "1" / "happy-path.json"
    happy.chmod(0o644)
    vector = json.loads(happy.read_text())
    root = bytearray(base64.b64decode(vector["root"]))
    root[0] ^= 0x01
    vector["root"] = base64.b64encode(bytes(root)).decode()
    happy.write_text(json.dumps(vector))
    done = run_verifier("vectors", vectors)
    assert done.returncode == 1
    assert "1 failed" in done.stdout
    assert "inclusion/1/happy-path.json" in done.stdout


def test_a_valid_export_verifies(tmp_path: Path) -> None:
    export = build_export(tmp_path / "export", 23)
    done = run_verifier("log", export)
    assert done.returncode == 0, done.stdout
    assert "records: 23 canonical" in done.stdout
    assert "consistency: 5 proofs" in done.stdout
    assert done.stdout.strip().endswith("OK")


def test_an_empty_export_verifies(tmp_path: Path) -> None:
    export = build_export(tmp_path / "export", 0)
    assert run_verifier("log", export).returncode == 0


def _records(export: Path) -> list[bytes]:
    return (export / "records.jsonl").read_bytes().split(b"\n")[:-1]


def _write_records(export: Path, lines: list[bytes]) -> None:
    (export / "records.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))


def _edit_field(export: Path) -> None:
    lines = _records(export)
    lines[5] = lines[5].replace(b'"amount":"1234.56"', b'"amount":"9234.56"')
    _write_records(export, lines)


def _reserialise(export: Path) -> None:
    lines = _records(export)
    lines[5] = json.dumps(json.loads(lines[5]), indent=1).replace("\n", "").encode()
    _write_records(export, lines)


def _delete_middle(export: Path) -> None:
    lines = _records(export)
    del lines[10]
    _write_records(export, lines)


def _reorder(export: Path) -> None:
    lines = _records(export)
    lines[6], lines[7] = lines[7], lines[6]
    _write_records(export, lines)


def _truncate_tail(export: Path) -> None:
    _write_records(export, _records(export)[:21])


def _fork(export: Path) -> None:
    write_checkpoint(export, "20.witness.note", 20, bytes(32))


def _rogue_key(export: Path) -> None:
    write_checkpoint(export, "8.note", 8, b"\x07" * 32, key=ROGUE_KEY)


def _flip_signed_root(export: Path) -> None:
    note = (export / "checkpoints" / "12.note").read_bytes()
    root = bytearray(base64.b64decode(note.split(b"\n")[2]))
    root[31] ^= 0x80
    write_checkpoint(export, "12.note", 12, bytes(root))


def _flip_root_bit_in_note(export: Path) -> None:
    path = export / "checkpoints" / "12.note"
    lines = path.read_bytes().split(b"\n")
    root = bytearray(base64.b64decode(lines[2]))
    root[0] ^= 0x01
    lines[2] = base64.b64encode(bytes(root))
    path.write_bytes(b"\n".join(lines))


def _key_not_activated_where_listed(export: Path) -> None:
    keys = json.loads((export / "keys.json").read_text())
    keys[0]["valid_from_index"] = 1
    (export / "keys.json").write_text(json.dumps(keys))


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (_key_not_activated_where_listed, "key-not-logged"),
        (_edit_field, "prev-mismatch"),
        (_reserialise, "record-not-canonical"),
        (_delete_middle, "index-sequence"),
        (_reorder, "index-sequence"),
        (_truncate_tail, "log-shorter-than-checkpoint"),
        (_fork, "checkpoint-fork"),
        (_rogue_key, "checkpoint-unknown-key"),
        (_flip_signed_root, "checkpoint-root-mismatch"),
        (_flip_root_bit_in_note, "checkpoint-bad-signature"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_each_tamper_fails_with_a_named_reason(tmp_path: Path, tamper: object, reason: str) -> None:
    export = build_export(tmp_path / "export", 23)
    assert callable(tamper)
    tamper(export)
    done = run_verifier("log", export)
    assert done.returncode == 1, done.stdout
    assert done.stdout.startswith(f"FAIL {reason}:"), done.stdout


def test_editing_the_last_record_is_caught_by_the_checkpoint_root(tmp_path: Path) -> None:
    export = build_export(tmp_path / "export", 23)
    lines = _records(export)
    lines[-1] = lines[-1].replace(b'"amount":"1234.56"', b'"amount":"1234.57"')
    _write_records(export, lines)
    done = run_verifier("log", export)
    assert done.stdout.startswith("FAIL checkpoint-root-mismatch:"), done.stdout


def test_a_fingerprint_that_does_not_match_is_refused(tmp_path: Path) -> None:
    export = build_export(tmp_path / "export", 5)
    keys = json.loads((export / "keys.json").read_text())
    keys[0]["fingerprint"] = "0" * 64
    (export / "keys.json").write_text(json.dumps(keys))
    assert run_verifier("log", export).stdout.startswith("FAIL key-fingerprint-mismatch:")


def _root_of(export: Path, size: int) -> bytes:
    return base64.b64decode((export / "checkpoints" / f"{size}.note").read_bytes().split(b"\n")[2])


def _held_note(path: Path, size: int, root: bytes, key: Ed25519PrivateKey = LOG_KEY) -> Path:
    """A checkpoint note kept outside the export (an earlier export's copy, a receipt), under any name."""
    path.write_bytes(sign_checkpoint(format_checkpoint_body(ORIGIN, size, root), KEY_NAME, key))
    return path


def test_a_held_checkpoint_is_checked_against_an_intact_export(tmp_path: Path) -> None:
    export = build_export(tmp_path / "export", 23)
    earlier = tmp_path / "earlier.note"
    earlier.write_bytes((export / "checkpoints" / "20.note").read_bytes())
    done = run_verifier("log", export, "--checkpoint", earlier)
    assert done.returncode == 0, done.stdout
    assert f"given: 1 checkpoints ({earlier} (given))" in done.stdout
    assert done.stdout.strip().endswith("OK")


def test_a_tail_cut_after_the_newest_checkpoint_fails_against_an_earlier_held_one(tmp_path: Path) -> None:
    export = build_export(tmp_path / "export", 23)
    earlier = tmp_path / "earlier.note"
    earlier.write_bytes((export / "checkpoints" / "23.note").read_bytes())
    # the attacker cuts the last records and removes the checkpoint that attested them: the export alone is
    # consistent with itself again (its newest checkpoint is now 20)
    _write_records(export, _records(export)[:21])
    (export / "checkpoints" / "23.note").unlink()
    assert run_verifier("log", export).returncode == 0
    done = run_verifier("log", export, "--checkpoint", earlier)
    assert done.returncode == 1, done.stdout
    assert done.stdout.startswith(f"FAIL log-shorter-than-checkpoint: {earlier} (given) attests 23 > 21"), done.stdout


@pytest.mark.parametrize(
    ("size", "forged_root", "key", "reason"),
    [
        (20, False, ROGUE_KEY, "checkpoint-unknown-key"),
        (13, True, LOG_KEY, "checkpoint-root-mismatch"),
        (12, True, LOG_KEY, "checkpoint-fork"),
    ],
    ids=["signed-by-another-key", "another-root", "another-root-than-the-exported-one"],
)
def test_a_held_checkpoint_that_does_not_match_fails(
    tmp_path: Path, size: int, forged_root: bool, key: Ed25519PrivateKey, reason: str
) -> None:
    export = build_export(tmp_path / "export", 23)
    root = b"\x07" * 32 if forged_root else _root_of(export, size)
    held = _held_note(tmp_path / "receipt.note", size, root, key)
    done = run_verifier("log", export, "--checkpoint", held)
    assert done.returncode == 1, done.stdout
    assert done.stdout.startswith(f"FAIL {reason}: "), done.stdout
    assert f"{held} (given)" in done.stdout.splitlines()[0]


def test_a_held_checkpoint_that_is_not_there_is_a_usage_error(tmp_path: Path) -> None:
    export = build_export(tmp_path / "export", 5)
    missing = run_verifier("log", export, "--checkpoint", tmp_path / "nowhere.note")
    assert missing.returncode == 2 and "--checkpoint" in missing.stderr and "nowhere.note" in missing.stderr
    elsewhere = run_verifier("vectors", REPO / "audit" / "vectors", "--checkpoint", export / "checkpoints" / "5.note")
    assert elsewhere.returncode == 2 and "log command only" in elsewhere.stderr


TSA_CONFIG = """[tsa]
default_tsa = t
[t]
serial = {dir}/serial
signer_cert = {dir}/tsa.pem
signer_key = {dir}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ess_cert_id_alg = sha256
"""


def _openssl(*args: str | Path, cwd: Path) -> None:
    subprocess.run(["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_ca(directory: Path, name: str) -> None:
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             f"{name}.key", "-out", f"{name}.pem", "-subj", f"/CN={name}", "-days", "2",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
             cwd=directory)  # fmt: skip


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throw-away TSA made with the openssl CLI: ca.pem (root), tsa.pem with a critical timeStamping EKU."""
    assert shutil.which("openssl"), "the verifier's token checks need the openssl command (Debian: openssl)"
    directory = tmp_path_factory.mktemp("tsa")
    _make_ca(directory, "ca")
    _make_ca(directory, "other-ca")
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tsa.key",
             "-out", "tsa.csr", "-subj", "/CN=Test TSA", cwd=directory)  # fmt: skip
    (directory / "ext.cnf").write_text("extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n")
    _openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "tsa.pem", "-days", "2", "-extfile", "ext.cnf", cwd=directory)  # fmt: skip
    (directory / "tsa.cnf").write_text(TSA_CONFIG.format(dir=directory))
    (directory / "serial").write_text("01\n")
    return directory


def _time_stamp(tsa: Path, note: Path) -> None:
    query = note.with_suffix(".tsq")
    _openssl("ts", "-query", "-data", note, "-sha256", "-cert", "-out", query, cwd=tsa)
    _openssl("ts", "-reply", "-queryfile", query, "-config", "tsa.cnf", "-out", note.with_suffix(".tsr"), cwd=tsa)
    query.unlink()


def test_time_stamps_are_verified_against_the_given_roots(tmp_path: Path, tsa: Path) -> None:
    export = build_export(tmp_path / "export", 9)
    for note in (export / "checkpoints").glob("*.note"):
        _time_stamp(tsa, note)
    unchecked = run_verifier("log", export)
    assert unchecked.returncode == 0
    assert "3 tokens NOT CHECKED" in unchecked.stdout
    checked = run_verifier("log", export, "--tsa-ca", tsa / "ca.pem")
    assert checked.returncode == 0, checked.stdout
    assert "3 RFC 3161 tokens verified" in checked.stdout
    untrusted = run_verifier("log", export, "--tsa-ca", tsa / "other-ca.pem")
    assert untrusted.stdout.startswith("FAIL timestamp-invalid:"), untrusted.stdout


def test_a_time_stamp_over_another_checkpoint_is_refused(tmp_path: Path, tsa: Path) -> None:
    export = build_export(tmp_path / "export", 9)
    _time_stamp(tsa, export / "checkpoints" / "4.note")
    shutil.copy(export / "checkpoints" / "4.tsr", export / "checkpoints" / "8.tsr")
    done = run_verifier("log", export, "--tsa-ca", tsa / "ca.pem")
    assert done.stdout.startswith("FAIL timestamp-invalid: 8.tsr"), done.stdout
