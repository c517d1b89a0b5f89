"""An exported log (audit/SPEC.md §5) written from the spec by the test itself, record by record.

``LogExport`` builds the records as raw JSON objects (so a test can put in them what the service never would:
a 30 February, an action without a colon, a wrong anchor), canonicalises them with ``rfc8785``, chains them,
computes the RFC 9162 roots with its own small recursion and signs C2SP notes with ``cryptography``: a third
implementation beside the service and ``audit/verify.py``, sharing no code with either.

It follows the service's conventions (SPEC.md §7): record 0 activates the log key, and ``checkpoint`` signs the
current size and appends the anchor record (``audit:checkpoint``, or ``audit:anchored`` when a token is given).
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import rfc8785
from asn1crypto import tsp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

REPO = Path(__file__).resolve().parents[3]
VERIFY = REPO / "audit" / "verify.py"
ORIGIN = "notice-service.example/audit/spec"
KEY_NAME = "notice-service.example/audit"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(5, 37)))
START = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)
Token = Callable[[bytes], bytes]


def token_gen_time(response: bytes) -> datetime:
    """A ``TimeStampResp``'s genTime, read with asn1crypto (neither verifier's code)."""
    tst_info = tsp.TimeStampResp.load(response)["time_stamp_token"]["content"]["encap_content_info"]["content"]
    gen_time: datetime = tst_info.parsed["gen_time"].native
    return gen_time.astimezone(UTC)


def record_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def leaf_of(canonical: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + canonical).digest()


def tree_root(leaves: list[bytes]) -> bytes:
    """MTH (RFC 9162 §2.1.1) by its definition: split at the largest power of two below n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + tree_root(leaves[:k]) + tree_root(leaves[k:])).digest()


def raw_key(key: Ed25519PrivateKey) -> bytes:
    return b"\x01" + key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, key: Ed25519PrivateKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + raw_key(key)).digest()[:4]


def vkey(name: str, key: Ed25519PrivateKey) -> str:
    return f"{name}+{key_id(name, key).hex()}+{base64.b64encode(raw_key(key)).decode()}"


def fingerprint(key: Ed25519PrivateKey) -> str:
    return hashlib.sha256(raw_key(key)).hexdigest()


def signed_note(body: bytes, key: Ed25519PrivateKey = LOG_KEY, name: str = KEY_NAME) -> bytes:
    blob = key_id(name, key) + key.sign(body)
    return body + b"\n" + f"— {name} {base64.b64encode(blob).decode()}\n".encode()


def checkpoint_body(size: int, root: bytes, origin: str = ORIGIN, extensions: tuple[str, ...] = ()) -> bytes:
    return "".join(f"{line}\n" for line in (origin, str(size), base64.b64encode(root).decode(), *extensions)).encode()


class LogExport:
    """A log being written; ``write`` puts it in the export layout."""

    def __init__(self, origin: str = ORIGIN, start: datetime = START, key: Ed25519PrivateKey = LOG_KEY) -> None:
        self.origin = origin
        self.key = key
        self.clock = start
        self.records: list[bytes] = []
        self.notes: dict[str, bytes] = {}
        self.tokens: dict[str, bytes] = {}
        self.keys: list[dict[str, Any]] = []
        self.activate(key)

    @property
    def size(self) -> int:
        return len(self.records)

    def root(self, size: int | None = None) -> bytes:
        return tree_root([leaf_of(record) for record in self.records[: self.size if size is None else size]])

    def record(self, **members: Any) -> dict[str, Any]:
        """A valid record at the next index (``notice:issued`` by default); ``members`` replace any member."""
        self.clock += timedelta(seconds=1)
        prev = leaf_of(self.records[-1]).hex() if self.records else "0" * 64
        record = {
            "v": 1, "log": self.origin, "index": self.size, "prev": prev, "time": record_time(self.clock),
            "actor": {"type": "user", "id": "u-1"}, "action": "notice:issued",
            "subject": {"type": "notice", "id": f"n-{self.size}"}, "documents": [], "data": {"amount": "12.50"},
        }  # fmt: skip
        return {**record, **members}

    def add(self, **members: Any) -> int:
        """Append ``record(**members)``; answers its index."""
        self.records.append(rfc8785.dumps(self.record(**members)))
        return self.size - 1

    def add_many(self, count: int) -> None:
        for _ in range(count):
            self.add()

    def activate(self, key: Ed25519PrivateKey, name: str = KEY_NAME, **members: Any) -> int:
        """The ``audit:key-activated`` record of ``key`` (listed in keys.json from its index)."""
        replaces = self.keys[-1]["fingerprint"] if self.keys else None
        data = {"key_name": name, "vkey": vkey(name, key), "fingerprint": fingerprint(key), "replaces": replaces}
        index = self.add(**{
            "action": "audit:key-activated", "actor": {"type": "worker", "id": "audit-checkpointer"},
            "subject": {"type": "checkpoint_key", "id": fingerprint(key)}, "data": data, **members,
        })  # fmt: skip
        entry = {"name": name, "vkey": vkey(name, key), "fingerprint": fingerprint(key), "valid_from_index": index}
        self.keys.append(entry)
        return index

    def checkpoint(self, token: Token | None = None, key: Ed25519PrivateKey | None = None, **anchor: Any) -> int:
        """Sign the current size (with the log's key unless told), time-stamp the note with ``token``, append the
        anchor record (``anchor`` replaces its members; ``data_members`` some of its data); answers the size."""
        size, key = self.size, key or self.key
        note = signed_note(checkpoint_body(size, self.root(), origin=self.origin), key)
        self.notes[f"{size}.note"] = note
        tsr = token(note) if token is not None else None
        if tsr is not None:
            self.tokens[f"{size}.tsr"] = tsr
        data = {
            "size": size, "root": self.root().hex(), "note_sha256": hashlib.sha256(note).hexdigest(),
            "key_fingerprint": fingerprint(key), "token_sha256": hashlib.sha256(tsr).hexdigest() if tsr else None,
            "gen_time": token_gen_time(tsr).isoformat() if tsr else None,
            "tsa_url": "http://tsa.example/" if tsr else None,
        }  # fmt: skip
        data.update(anchor.pop("data_members", {}))
        self.add(**{
            "action": "audit:anchored" if tsr else "audit:checkpoint",
            "actor": {"type": "worker", "id": "audit-checkpointer"},
            "subject": {"type": "audit_log", "id": str(size)}, "data": data, **anchor,
        })  # fmt: skip
        return size

    def write(self, directory: Path) -> Path:
        (directory / "checkpoints").mkdir(parents=True)
        (directory / "records.jsonl").write_bytes(b"".join(record + b"\n" for record in self.records))
        (directory / "keys.json").write_text(json.dumps(self.keys, indent=2), encoding="utf-8")
        for name, data in {**self.notes, **self.tokens}.items():
            (directory / "checkpoints" / name).write_bytes(data)
        return directory


def service_failure(
    log: LogExport, notes: dict[str, bytes] | None = None, tsa_roots: list[bytes] | None = None
) -> str | None:
    """The reason ``verify_ledger`` (what ``notice-service audit verify`` runs) gives for the same records, keys and
    notes (``notes`` replaces the log's), or None when it verifies them; keys are read as the service reads its
    key rows (an unreadable vkey is ``keys-invalid``), tokens checked by its adapter against ``tsa_roots``."""
    from notice_service.adapters.timestamping.rfc3161_token_verifier import Rfc3161TokenVerifier
    from notice_service.domain.audit.checkpoint import CheckpointError, key_fingerprint, parse_verifier_key
    from notice_service.domain.audit.ledger import CheckpointEvidence, LedgerFailure, LedgerKey, verify_ledger

    def check_token(note: bytes, tsr: bytes) -> tuple[datetime, bool]:
        verified = Rfc3161TokenVerifier(tsa_roots or []).verify(note, tsr)
        return verified.gen_time, verified.at_gen_time

    try:
        keys = []
        for entry in log.keys:
            try:
                name, public = parse_verifier_key(entry["vkey"])
            except CheckpointError as exc:
                raise LedgerFailure("keys-invalid", str(exc)) from exc
            keys.append(LedgerKey(name, public, key_fingerprint(public), entry["valid_from_index"]))
        evidence = [
            CheckpointEvidence(name, note, log.tokens.get(name.removesuffix(".note") + ".tsr"))
            for name, note in (log.notes if notes is None else notes).items()
        ]
        verify_ledger(
            log.records,
            origin=log.origin,
            keys=keys,
            checkpoints=evidence,
            check_token=check_token if tsa_roots else None,
        )
    except LedgerFailure as failure:
        return failure.reason
    return None


def run_verifier(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``audit/verify.py`` as an outside expert runs it: a separate process."""
    command = [sys.executable, str(VERIFY), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def first_failure(*args: str | Path) -> str:
    """The ``FAIL <reason>: …`` line of a ``verify.py log`` run that must fail."""
    done = run_verifier(*args)
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stdout.splitlines()[0]
