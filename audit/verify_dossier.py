"""``verify.py dossier FILE.zip``: the standalone check of an evidence dossier (see audit/SPEC.md §9).

Imports nothing from ``notice_service``: the standard library, ``cryptography``, ``rfc8785`` (through ``verify_log``)
and the ``openssl`` command for the CMS signature and RFC 3161 tokens; ``pdfsig`` checks the signed PDFs when
it is installed. Unlike ``verify.py log``, every check runs and every failure is reported, one per line, with
a named reason; the exit status is 1 when any failed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import verify_log
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import pkcs7

UNLISTED = frozenset({"manifest.json", "manifest.json.p7s", "manifest.json.tsr"})
CHUNK = 1024 * 1024


class Report:
    """Lines of what was checked, and the failures (reason, detail) found along the way."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failures: list[tuple[str, str]] = []

    def fail(self, reason: str, detail: str) -> None:
        self.failures.append((reason, detail))
        self.lines.append(f"FAIL {reason}: {detail}")

    def run(self, check: Callable[[], str | None]) -> None:
        try:
            line = check()
        except verify_log.Failure as exc:
            self.fail(exc.reason, str(exc).partition(": ")[2])
            return
        if line:
            self.lines.append(line)


def _openssl(arguments: list[str]) -> tuple[bool, str]:
    done = subprocess.run(["openssl", *arguments], capture_output=True, text=True, check=False)  # noqa: S603, S607
    return done.returncode == 0, (done.stdout + done.stderr).strip()


class Dossier:
    def __init__(self, archive: zipfile.ZipFile, workdir: Path) -> None:
        self.archive = archive
        self.workdir = workdir
        self.names = [info.filename for info in archive.infolist()]
        try:
            self.manifest = json.loads(archive.read("manifest.json"))
        except (KeyError, ValueError) as exc:
            raise verify_log.Failure("manifest-unreadable", f"manifest.json: {exc}") from exc
        self.listed = {f["path"]: f for f in self.manifest.get("files", [])}
        self.hashes: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return name in self.names

    def extract(self, name: str) -> Path:
        """The member as a file under the work directory (for openssl and pdfsig)."""
        target = self.workdir / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with self.archive.open(name) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
        return target

    def digest(self, name: str) -> tuple[str, int]:
        sha, size = hashlib.sha256(), 0
        with self.archive.open(name) as source:
            while chunk := source.read(CHUNK):
                sha.update(chunk)
                size += len(chunk)
        return sha.hexdigest(), size


# --- files against the manifest ------------------------------------------------------------------------


def check_files(dossier: Dossier, report: Report) -> None:
    if len(set(dossier.names)) != len(dossier.names):
        report.fail("file-duplicate", "the ZIP holds two members with one name")
    for name in sorted(set(dossier.names) - set(dossier.listed) - UNLISTED):
        report.fail("file-unlisted", f"{name} is in the ZIP but not in manifest.json")
    for path, entry in sorted(dossier.listed.items()):
        if not dossier.has(path):
            report.fail("file-missing", f"{path} is listed in manifest.json but absent from the ZIP")
            continue
        sha, size = dossier.digest(path)
        dossier.hashes[path] = sha
        if sha != entry["sha256"] or size != entry["size"]:
            report.fail("file-hash-mismatch", f"{path}: SHA-256 {sha[:16]}… size {size} differ from the manifest")
    report.lines.append(f"files: {len(dossier.listed)} listed in manifest.json, each hashed (SHA-256) and sized")


# --- manifest signature and token -------------------------------------------------------------------------


def _signer_certificates(p7s: bytes) -> str:
    try:
        certificates = pkcs7.load_der_pkcs7_certificates(p7s)
    except ValueError:
        return "no readable certificate"
    return "; ".join(
        f"{c.subject.rfc4514_string()} sha256 {c.fingerprint(hashes.SHA256()).hex()}" for c in certificates
    )


def check_manifest_signature(dossier: Dossier, signer_ca: Path | None) -> str:
    if not dossier.has("manifest.json.p7s"):
        raise verify_log.Failure("manifest-signature-missing", "manifest.json.p7s is absent")
    p7s, content = dossier.extract("manifest.json.p7s"), dossier.extract("manifest.json")
    trust = ["-CAfile", str(signer_ca), "-purpose", "any"] if signer_ca else ["-noverify"]
    base = ["cms", "-verify", "-binary", "-inform", "DER", "-in", str(p7s), "-content", str(content)]
    ok, output = _openssl([*base, *trust, "-out", str(dossier.workdir / "cms.out")])
    if not ok:
        raise verify_log.Failure("manifest-signature-invalid", output[-300:])
    anchored = "chain checked against --signer-ca" if signer_ca else "chain NOT checked (pass --signer-ca)"
    signer = _signer_certificates(p7s.read_bytes())
    return f"manifest signature: CMS valid over manifest.json ({anchored}); signer {signer}"


def _verify_token(dossier: Dossier, data: str, token: str, tsa_ca: Path | None, reason: str) -> str:
    chain = "audit/tsa-chain.pem"
    if tsa_ca is not None:
        trust = ["-CAfile", str(tsa_ca)]
        if dossier.has(chain):
            trust += ["-untrusted", str(dossier.extract(chain))]
        anchored = "TSA chain checked against --tsa-ca"
    elif dossier.has(chain):
        trust = ["-CAfile", str(dossier.extract(chain)), "-partial_chain"]
        anchored = "TSA chain NOT anchored (pass --tsa-ca)"
    else:
        return f"{token}: present, NOT checked (no --tsa-ca and no audit/tsa-chain.pem)"
    try:
        gen_time = verify_log.verify_token(dossier.extract(data), dossier.extract(token), trust)
    except ValueError as exc:
        raise verify_log.Failure(reason, f"{token}: {str(exc)[-300:]}") from exc
    line = f"{token}: RFC 3161 token over {data} verified by openssl ts -verify ({anchored})"
    if gen_time is not None:
        notes = f"{verify_log.GEN_TIME_NOTE}; {verify_log.UNREVOKED_NOTE}"
        line += f"; at its genTime {gen_time:%Y-%m-%dT%H:%M:%SZ} (-attime): {notes}"
    return line


def check_manifest_token(dossier: Dossier, tsa_ca: Path | None) -> str:
    expected = dossier.manifest.get("time_stamp")
    if not expected:
        if dossier.has("manifest.json.tsr"):
            raise verify_log.Failure("manifest-token-unexpected", "a token is present but the manifest declares none")
        return "manifest time-stamp: none (the exporting service had no TSA configured)"
    if not dossier.has(expected):
        raise verify_log.Failure("manifest-token-missing", f"the manifest declares {expected}, absent from the ZIP")
    return _verify_token(dossier, "manifest.json", expected, tsa_ca, "manifest-token-invalid")


# --- the audit log's checkpoint, records and proofs ----------------------------------------------------------


def _json_member(dossier: Dossier, name: str) -> object:
    if not dossier.has(name):
        raise verify_log.Failure("audit-file-missing", f"{name} is absent")
    try:
        return json.loads(dossier.archive.read(name))
    except ValueError as exc:
        raise verify_log.Failure("audit-file-malformed", f"{name}: {exc}") from exc


class AuditState:
    """What the audit checks established: the checkpoint and the records proven in it (index → record)."""

    def __init__(self) -> None:
        self.checkpoint: verify_log.Checkpoint | None = None
        self.records: dict[int, dict[str, object]] = {}
        self.proven: set[int] = set()


def check_checkpoint(dossier: Dossier, state: AuditState, tsa_ca: Path | None) -> str:
    reference = dossier.manifest.get("checkpoint") or {}
    note = str(reference.get("note", ""))
    if not dossier.has(note) or not dossier.has("audit/keys.json"):
        raise verify_log.Failure("checkpoint-missing", f"{note or 'the checkpoint'} or audit/keys.json is absent")
    keys = verify_log.load_keys(dossier.extract("audit/keys.json"))
    checkpoint = verify_log.load_checkpoint(dossier.extract(note), keys)
    if checkpoint.size != reference.get("size"):
        raise verify_log.Failure(
            "checkpoint-size-mismatch", f"{note} has size {checkpoint.size}, the manifest says {reference.get('size')}"
        )
    state.checkpoint = checkpoint
    fingerprints = ", ".join(
        json.loads(dossier.archive.read("audit/keys.json"))[i]["fingerprint"] for i in range(len(keys))
    )
    line = (
        f"checkpoint: {note} signed (Ed25519) by a listed key, size {checkpoint.size}; key fingerprints {fingerprints}"
    )
    token = reference.get("token")
    if token:
        if not dossier.has(str(token)):
            raise verify_log.Failure("checkpoint-token-missing", f"the manifest declares {token}, absent from the ZIP")
        line += "\n" + _verify_token(dossier, note, str(token), tsa_ca, "checkpoint-token-invalid")
    return line


def check_consistency(dossier: Dossier, state: AuditState) -> str | None:
    reference = dossier.manifest.get("checkpoint") or {}
    previous = reference.get("previous_note")
    if not previous or state.checkpoint is None:
        return "consistency: no previous exported checkpoint"
    keys = verify_log.load_keys(dossier.extract("audit/keys.json"))
    older = verify_log.load_checkpoint(dossier.extract(str(previous)), keys)
    proof = _json_member(dossier, "audit/consistency-proof.json")
    if not isinstance(proof, dict) or (proof.get("from"), proof.get("to")) != (older.size, state.checkpoint.size):
        raise verify_log.Failure("checkpoint-inconsistent", "consistency-proof.json does not link the two checkpoints")
    path = [bytes.fromhex(p) for p in proof.get("path", [])]
    try:
        verify_log.check_consistency(older.size, state.checkpoint.size, path, older.root, state.checkpoint.root)
    except verify_log.Failure as exc:
        raise verify_log.Failure("checkpoint-inconsistent", f"{previous} → {reference.get('note')}: {exc}") from exc
    return f"consistency: checkpoint {older.size} → {state.checkpoint.size} proven (RFC 9162)"


def _record(line: bytes, origin: str) -> dict[str, object]:
    record = json.loads(line.decode("utf-8"), object_pairs_hook=verify_log.unique_keys, parse_float=verify_log.no_float)
    if verify_log.rfc8785.dumps(record) != line:
        raise verify_log.Failure("record-not-canonical", f"record {record.get('index')}: bytes differ from RFC 8785")
    verify_log.check_members(record)
    if record["log"] != origin:
        raise verify_log.Failure("record-wrong-log", f"record {record['index']}: log {record['log']!r}")
    return dict(record)


def check_records(dossier: Dossier, state: AuditState) -> str:
    checkpoint = state.checkpoint
    if checkpoint is None:
        raise verify_log.Failure("record-not-included", "no verified checkpoint to prove the records against")
    proofs = _json_member(dossier, "audit/inclusion-proofs.json")
    by_index = {p["index"]: p for p in proofs.get("proofs", [])} if isinstance(proofs, dict) else {}
    data = dossier.archive.read("audit/records.jsonl") if dossier.has("audit/records.jsonl") else b""
    lines = data.split(b"\n")[:-1] if data.endswith(b"\n") else [data] if data else []
    for line in lines:
        try:
            record = _record(line, checkpoint.origin)
        except (UnicodeDecodeError, ValueError) as exc:
            raise verify_log.Failure("record-not-json", str(exc)) from exc
        index = int(str(record["index"]))
        state.records[index] = record
        proof = by_index.get(index)
        leaf = hashlib.sha256(b"\x00" + line).digest()
        try:
            path = [bytes.fromhex(p) for p in (proof or {}).get("path", [])]
            verify_log.check_inclusion(index, checkpoint.size, leaf, path, checkpoint.root)
        except (verify_log.Failure, ValueError) as exc:
            raise verify_log.Failure("record-not-included", f"record {index}: {exc}") from exc
        state.proven.add(index)
    return f"records: {len(lines)} case records canonical and included in checkpoint {checkpoint.size} (RFC 9162)"


# --- exhibits ----------------------------------------------------------------------------------------------


def _pdf_signature(dossier: Dossier, path: str) -> str:
    if shutil.which("pdfsig") is None:
        return "PDF signature not checked (pdfsig not installed)"
    done = subprocess.run(  # noqa: S603
        ["pdfsig", "-nocert", "-no-ocsp", str(dossier.extract(path))],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    output = done.stdout + done.stderr
    if "Signature is Valid" not in output or "Total document signed" not in output:
        raise verify_log.Failure("pdf-signature-invalid", f"{path}: {output.strip()[-200:]}")
    return "PDF signature valid, total document signed (pdfsig)"


def _exhibit_line(dossier: Dossier, state: AuditState, exhibit: dict[str, object], count: int) -> str:
    path, number = str(exhibit.get("path")), int(str(exhibit.get("number")))
    width = max(2, len(str(count)))
    if not path.startswith(f"pieces/{number:0{width}d}-"):
        raise verify_log.Failure("exhibit-number-mismatch", f"pièce n° {number} is filed as {path}")
    actual = dossier.hashes.get(path)
    if actual is None or actual != exhibit.get("sha256"):
        raise verify_log.Failure(
            "exhibit-hash-mismatch", f"pièce n° {number} ({path}) is not the file the bordereau names"
        )
    parts = [f"pièce n° {number} {path}: sha256 {actual[:16]}… OK"]
    audit = exhibit.get("audit")
    if isinstance(audit, dict):
        index = int(audit["index"])
        record = state.records.get(index)
        if record is None or index not in state.proven:
            raise verify_log.Failure(
                "exhibit-record-missing", f"pièce n° {number}: record {index} is not proven in the checkpoint"
            )
        named = {(d["role"], d["sha256"]) for d in record["documents"]}  # type: ignore[union-attr]
        if (audit.get("role"), actual) not in named:
            raise verify_log.Failure(
                "exhibit-not-in-record", f"pièce n° {number}: record {index} ({record['action']}) names another file"
            )
        parts.append(f"named by record {index} ({record['action']}, {audit.get('role')}), included")
    else:
        parts.append("generated for the dossier (no audit record)")
    if audit and isinstance(audit, dict) and audit.get("role") == "signed_pdf":
        parts.append(_pdf_signature(dossier, path))
    return "; ".join(parts)


def check_exhibits(dossier: Dossier, state: AuditState, report: Report) -> None:
    exhibits = dossier.manifest.get("exhibits", [])
    paths = [str(e.get("path")) for e in exhibits]
    if len(set(paths)) != len(paths):
        report.fail("exhibit-number-mismatch", "two pièces share one file")
    for exhibit in exhibits:
        report.run(lambda exhibit=exhibit: _exhibit_line(dossier, state, exhibit, len(exhibits)))


# --- the command -------------------------------------------------------------------------------------------


def verify_dossier(path: Path, tsa_ca: Path | None, signer_ca: Path | None) -> Report:
    report = Report()
    with tempfile.TemporaryDirectory() as workdir, zipfile.ZipFile(path) as archive:
        try:
            dossier = Dossier(archive, Path(workdir))
        except verify_log.Failure as exc:
            report.fail(exc.reason, str(exc).partition(": ")[2])
            return report
        check_files(dossier, report)
        report.run(lambda: check_manifest_signature(dossier, signer_ca))
        report.run(lambda: check_manifest_token(dossier, tsa_ca))
        state = AuditState()
        report.run(lambda: check_checkpoint(dossier, state, tsa_ca))
        report.run(lambda: check_consistency(dossier, state))
        report.run(lambda: check_records(dossier, state))
        check_exhibits(dossier, state, report)
    return report


def run(path: Path, tsa_ca: Path | None, signer_ca: Path | None) -> int:
    try:
        report = verify_dossier(path, tsa_ca, signer_ca)
    except (OSError, zipfile.BadZipFile) as exc:
        print(f"FAIL dossier-unreadable: {exc}")
        return 1
    print("\n".join(report.lines))
    if report.failures:
        print(f"FAILED: {len(report.failures)} problem(s): {', '.join(sorted({r for r, _ in report.failures}))}")
        return 1
    print("OK")
    return 0
