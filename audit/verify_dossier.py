"""``verify.py dossier FILE.zip``: the standalone check of an evidence dossier (see audit/SPEC.md §9).

Imports nothing from ``notice_service``: the standard library, ``cryptography``, ``rfc8785`` (through ``verify_log``)
and the ``openssl`` command for the CMS signature and RFC 3161 tokens; ``pdfsig`` checks the signed PDFs (the
notices) when it is installed. Unlike ``verify.py log``, every check runs and every failure is reported, one per
line, with a named reason; the exit status is 1 when any failed. Two exceptions stop everything: a ZIP that
cannot be read, and one holding a name twice (refused before anything is hashed). Each case record is proven on
its own, so one that fails is the only one named.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import verify_log
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

FORMAT = "notice-service-dossier/1"
UNLISTED = frozenset({"manifest.json", "manifest.json.p7s", "manifest.json.tsr"})
CHUNK = 1024 * 1024
#: The exhibit kinds of format 1 (SPEC.md §9); a notice is a PDF the service signed, checked with pdfsig.
EXHIBIT_KINDS = frozenset({"invoice", "case_document", "notice", "evidence", "email_submission", "history"})
SIGNED_KINDS = frozenset({"notice"})


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


def _listed_files(manifest: dict[str, object]) -> tuple[dict[str, dict[str, object]], list[str]]:
    """``files`` of the manifest by path, and what keeps it from being a format-1 manifest (§9): reported as
    ``manifest-unreadable``, the other checks still run (on no listed file if ``files`` is malformed)."""
    problems = [] if manifest.get("format") == FORMAT else [f"format is {manifest.get('format')!r}, not {FORMAT}"]
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("size"), int)
        and isinstance(f.get("sha256"), str)
        for f in files
    ):  # fmt: skip
        return {}, [*problems, "files must be [{path, size, sha256}]"]
    return {str(f["path"]): f for f in files}, problems


class Dossier:
    """The ZIP's members and its manifest. A name held by two members is refused before anything is read: which
    of the two a tool extracts, hashes or shows differs from tool to tool (``file-duplicate``)."""

    def __init__(self, archive: zipfile.ZipFile, workdir: Path) -> None:
        self.archive = archive
        self.workdir = workdir
        self.infos = archive.infolist()
        self.names = [info.filename for info in self.infos]
        twice = sorted(name for name, count in Counter(self.names).items() if count > 1)
        if twice:
            raise verify_log.Failure("file-duplicate", f"the ZIP holds two members named {', '.join(twice)}")
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except (KeyError, ValueError) as exc:
            raise verify_log.Failure("manifest-unreadable", f"manifest.json: {exc}") from exc
        if not isinstance(manifest, dict):
            raise verify_log.Failure("manifest-unreadable", "manifest.json is not a JSON object")
        self.manifest: dict[str, object] = manifest
        self.listed, self.problems = _listed_files(manifest)
        self.hashes: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return name in self.names

    def extract(self, name: str) -> Path:
        """The member as a file under the work directory (for openssl and pdfsig); ``file-missing`` if absent."""
        if not self.has(name):
            raise verify_log.Failure("file-missing", f"{name} is absent from the ZIP")
        target = self.workdir / "members" / name
        if not target.resolve().is_relative_to((self.workdir / "members").resolve()):
            raise verify_log.Failure("file-unlisted", f"{name} is not a relative path inside the dossier")
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
    """Every member stored, not compressed (its bytes are in the ZIP as they are hashed), listed, present, and of
    the size and SHA-256 the manifest gives."""
    for problem in dossier.problems:
        report.fail("manifest-unreadable", f"manifest.json: {problem}")
    for info in dossier.infos:
        if info.compress_type != zipfile.ZIP_STORED:
            report.fail("file-not-stored", f"{info.filename} is compressed (method {info.compress_type}), not stored")
    for name in sorted(set(dossier.names) - set(dossier.listed) - UNLISTED):
        report.fail("file-unlisted", f"{name} is in the ZIP but not in manifest.json")
    for path, entry in sorted(dossier.listed.items()):
        if not dossier.has(path):
            report.fail("file-missing", f"{path} is listed in manifest.json but absent from the ZIP")
            continue
        sha, size = dossier.digest(path)
        dossier.hashes[path] = sha
        if sha != entry["sha256"] or size != entry["size"]:  # a member's size in the ZIP is not trusted
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


def _check_signer(dossier: Dossier, signers_pem: Path) -> str:
    """The one certificate that signed the manifest: its SHA-256 (over its DER) is ``signer_certificate_sha256``."""
    try:
        signers = x509.load_pem_x509_certificates(signers_pem.read_bytes())
    except ValueError as exc:
        raise verify_log.Failure("manifest-signer-mismatch", f"no signer certificate in the CMS: {exc}") from exc
    digests = [hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest() for certificate in signers]
    if digests != [dossier.manifest.get("signer_certificate_sha256")]:
        raise verify_log.Failure(
            "manifest-signer-mismatch",
            f"signed by {', '.join(digests)}, the manifest names {dossier.manifest.get('signer_certificate_sha256')}",
        )
    return digests[0]


def check_manifest_signature(dossier: Dossier, signer_ca: Path | None) -> str:
    if not dossier.has("manifest.json.p7s"):
        raise verify_log.Failure("manifest-signature-missing", "manifest.json.p7s is absent")
    p7s, content = dossier.extract("manifest.json.p7s"), dossier.extract("manifest.json")
    trust = ["-CAfile", str(signer_ca), "-purpose", "any"] if signer_ca else ["-noverify"]
    base = ["cms", "-verify", "-binary", "-inform", "DER", "-in", str(p7s), "-content", str(content)]
    signers = dossier.workdir / "signers.pem"
    ok, output = _openssl([*base, *trust, "-out", str(dossier.workdir / "cms.out"), "-signer", str(signers)])
    if not ok:
        raise verify_log.Failure("manifest-signature-invalid", output[-300:])
    signer = _check_signer(dossier, signers)
    anchored = "chain checked against --signer-ca" if signer_ca else "chain NOT checked (pass --signer-ca)"
    certificates = _signer_certificates(p7s.read_bytes())
    return (
        f"manifest signature: CMS valid over manifest.json ({anchored}); signer certificate sha256 {signer} "
        f"= signer_certificate_sha256; certificates {certificates}"
    )


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
    """What the audit checks established: the checkpoint and its keys, the records read (index → record) and
    those proven in the checkpoint (index → leaf hash)."""

    def __init__(self) -> None:
        self.checkpoint: verify_log.Checkpoint | None = None
        self.keys: list[verify_log.LogKey] = []
        self.records: dict[int, dict[str, object]] = {}
        self.proven: dict[int, bytes] = {}


def _reference(dossier: Dossier) -> dict[str, object]:
    reference = dossier.manifest.get("checkpoint")
    return reference if isinstance(reference, dict) else {}


def check_checkpoint(dossier: Dossier, state: AuditState, tsa_ca: Path | None) -> str:
    reference = _reference(dossier)
    note = str(reference.get("note", ""))
    if not dossier.has(note) or not dossier.has("audit/keys.json"):
        raise verify_log.Failure("checkpoint-missing", f"{note or 'the checkpoint'} or audit/keys.json is absent")
    state.keys = verify_log.load_keys(dossier.extract("audit/keys.json"))
    checkpoint = verify_log.load_checkpoint(dossier.extract(note), state.keys)
    if checkpoint.size != reference.get("size"):
        raise verify_log.Failure(
            "checkpoint-size-mismatch", f"{note} has size {checkpoint.size}, the manifest says {reference.get('size')}"
        )
    state.checkpoint = checkpoint
    fingerprints = ", ".join(key.fingerprint for key in state.keys)
    line = (
        f"checkpoint: {note} signed (Ed25519) by a listed key, size {checkpoint.size}; key fingerprints {fingerprints}"
    )
    token = reference.get("token")
    if token:
        if not dossier.has(str(token)):
            raise verify_log.Failure("checkpoint-token-missing", f"the manifest declares {token}, absent from the ZIP")
        line += "\n" + _verify_token(dossier, note, str(token), tsa_ca, "checkpoint-token-invalid")
    return line


def _previous_checkpoint(dossier: Dossier, state: AuditState, newer: verify_log.Checkpoint) -> verify_log.Checkpoint:
    """The previous checkpoint the manifest names: present, signed, of the size it says, same log, older."""
    reference = _reference(dossier)
    note, size = reference.get("previous_note"), reference.get("previous_size")
    if not isinstance(note, str) or not dossier.has(note):
        raise verify_log.Failure("checkpoint-missing", f"the previous checkpoint {note} is absent from the ZIP")
    older = verify_log.load_checkpoint(dossier.extract(note), state.keys)
    if older.size != size:
        raise verify_log.Failure("checkpoint-size-mismatch", f"{note} has size {older.size}, the manifest says {size}")
    if older.origin != newer.origin:
        raise verify_log.Failure("checkpoint-origin-mismatch", f"{note} is a checkpoint of {older.origin!r}")
    if not 0 < older.size < newer.size:
        raise verify_log.Failure(
            "checkpoint-inconsistent", f"no consistency proof from size {older.size} to {newer.size} (§3)"
        )
    return older


def check_consistency(dossier: Dossier, state: AuditState) -> str | None:
    reference, checkpoint = _reference(dossier), state.checkpoint
    if reference.get("previous_note") is None and reference.get("previous_size") is None:
        return "consistency: no previous checkpoint (the log had none of size > 0 before this one)"
    if checkpoint is None:
        return "consistency: not checked (no verified checkpoint)"
    older = _previous_checkpoint(dossier, state, checkpoint)
    proof = _json_member(dossier, "audit/consistency-proof.json")
    if not isinstance(proof, dict) or (proof.get("from"), proof.get("to")) != (older.size, checkpoint.size):
        raise verify_log.Failure("checkpoint-inconsistent", "consistency-proof.json does not link the two checkpoints")
    try:
        path = [bytes.fromhex(p) for p in proof.get("path", [])]
        verify_log.check_consistency(older.size, checkpoint.size, path, older.root, checkpoint.root)
    except (verify_log.Failure, ValueError, TypeError) as exc:
        raise verify_log.Failure("checkpoint-inconsistent", f"{older.file} → {checkpoint.file}: {exc}") from exc
    return f"consistency: checkpoint {older.size} → {checkpoint.size} proven (RFC 9162)"


def _record(line: bytes, origin: str) -> dict[str, object]:
    """One case record: JSON without duplicates or non-integers, RFC 8785 bytes, §1's members and rules, the log's
    origin, an integer index."""
    try:
        record = json.loads(
            line.decode("utf-8"), object_pairs_hook=verify_log.unique_keys, parse_float=verify_log.no_float
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise verify_log.Failure("record-not-json", f"a line of audit/records.jsonl: {exc}") from exc
    where = f"record {record.get('index')}" if isinstance(record, dict) else "a record"
    if not isinstance(record, dict):
        raise verify_log.Failure("record-format", f"{where}: not a JSON object")
    try:
        canonical = verify_log.rfc8785.dumps(record)
    except verify_log.rfc8785.CanonicalizationError as exc:
        raise verify_log.Failure("record-format", f"{where}: {exc}") from exc
    if canonical != line:
        raise verify_log.Failure("record-not-canonical", f"{where}: bytes differ from RFC 8785")
    verify_log.check_members(record, where=where)
    index = record["index"]
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise verify_log.Failure("record-format", f"{where}: index must be an integer ≥ 0")
    if record["log"] != origin:
        raise verify_log.Failure("record-wrong-log", f"{where}: log {record['log']!r}")
    return dict(record)


def _proofs(dossier: Dossier, size: int) -> dict[object, dict[str, object]]:
    proofs = _json_member(dossier, "audit/inclusion-proofs.json")
    if not isinstance(proofs, dict) or proofs.get("tree_size") != size or not isinstance(proofs.get("proofs"), list):
        raise verify_log.Failure("record-not-included", f"inclusion-proofs.json is not a set of proofs to size {size}")
    return {p.get("index"): p for p in proofs["proofs"] if isinstance(p, dict)}


def _prove(
    line: bytes, record: dict[str, object], proof: dict[str, object] | None, tree: verify_log.Checkpoint
) -> bytes:
    """The record's leaf hash, once its inclusion proof leads to the checkpoint's root (``record-not-included``)."""
    index, leaf = int(str(record["index"])), hashlib.sha256(b"\x00" + line).digest()
    try:
        if proof is None:
            raise ValueError("inclusion-proofs.json has no proof for it")
        path = [bytes.fromhex(p) for p in proof.get("path", [])]  # type: ignore[union-attr]
        verify_log.check_inclusion(index, tree.size, leaf, path, tree.root)
        if proof.get("leaf_hash") != leaf.hex():
            raise ValueError("inclusion-proofs.json names another leaf hash for it")
    except (verify_log.Failure, ValueError, TypeError) as exc:
        raise verify_log.Failure("record-not-included", f"record {index}: {exc}") from exc
    return leaf


def _record_lines(dossier: Dossier) -> list[bytes]:
    data = dossier.archive.read("audit/records.jsonl") if dossier.has("audit/records.jsonl") else b""
    if data and not data.endswith(b"\n"):
        raise verify_log.Failure("records-file-malformed", "audit/records.jsonl must end with a newline")
    return data.split(b"\n")[:-1] if data else []


def _check_record_line(line: bytes, state: AuditState, proofs: dict[object, dict[str, object]], last: int) -> int:
    """One line of records.jsonl: a record after ``last`` in index order, proven in the checkpoint."""
    assert state.checkpoint is not None
    record = _record(line, state.checkpoint.origin)
    index = int(str(record["index"]))
    if index <= last:
        raise verify_log.Failure("index-sequence", f"record {index} follows record {last}: not in increasing order")
    state.records[index] = record
    state.proven[index] = _prove(line, record, proofs.get(index), state.checkpoint)
    return index


def _check_chain(state: AuditState, report: Report) -> int:
    """``prev`` of each proven record whose predecessor is proven too (or record 0): that record's leaf hash."""
    linked = 0
    for index in sorted(state.proven):
        if index == 0 or index - 1 in state.proven:
            expected = state.proven[index - 1].hex() if index else verify_log.GENESIS_PREV
            if state.records[index]["prev"] != expected:
                report.fail("prev-mismatch", f"record {index}: prev is not the leaf hash of record {index - 1}")
            linked += 1
    return linked


def check_records(dossier: Dossier, state: AuditState, report: Report) -> None:
    """Every case record on its own: one that fails is named, the others are still proven (and their exhibits)."""
    checkpoint = state.checkpoint
    if checkpoint is None:
        report.fail("record-not-included", "no verified checkpoint to prove the records against")
        return
    try:
        proofs, lines = _proofs(dossier, checkpoint.size), _record_lines(dossier)
    except verify_log.Failure as exc:
        report.fail(exc.reason, str(exc).partition(": ")[2])
        return
    last = -1
    for line in lines:
        try:
            last = _check_record_line(line, state, proofs, last)
        except verify_log.Failure as exc:
            report.fail(exc.reason, str(exc).partition(": ")[2])
    linked = _check_chain(state, report)
    report.lines.append(
        f"records: {len(state.proven)} of {len(lines)} case records canonical, in index order and included in "
        f"checkpoint {checkpoint.size} (RFC 9162); {linked} follow a proven record or the genesis (prev checked)"
    )


# --- exhibits ----------------------------------------------------------------------------------------------


def pdfsig_problem(output: str, returncode: int) -> str | None:
    """None when ``pdfsig`` reports what SPEC.md §9 calls valid: exit status 0, at least one signature, every one
    ``Signature is Valid.``, and one of them ``Total document signed`` (no byte after what it signed)."""
    blocks = re.split(r"^Signature #\d+:$", output, flags=re.MULTILINE)[1:]
    if returncode != 0 or not blocks:
        return f"no signature pdfsig can read (exit {returncode}): {output.strip()[-160:]}"
    for number, block in enumerate(blocks, start=1):
        if "- Signature Validation: Signature is Valid." not in block:
            found = re.search(r"- Signature Validation: (.*)", block)
            return f"signature #{number}: {found.group(1) if found else 'no validation result'}"
    if not any("- Total document signed" in block for block in blocks):
        return "no signature covers the whole file (bytes were added after signing)"
    return None


def _pdf_signature(dossier: Dossier, number: object, path: str) -> str:
    where = f"pièce n° {number} {path}"
    if shutil.which("pdfsig") is None:
        return f"{where}: PDF signature not checked (pdfsig not installed)"
    if not dossier.has(path):
        return f"{where}: PDF signature not checked (the file is absent)"
    done = subprocess.run(  # noqa: S603
        ["pdfsig", "-nocert", "-no-ocsp", str(dossier.extract(path))],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    problem = pdfsig_problem(done.stdout + done.stderr, done.returncode)
    if problem is not None:
        raise verify_log.Failure("pdf-signature-invalid", f"{path}: {problem}")
    return f"{where}: PDF signature valid, total document signed (pdfsig)"


def _exhibit_record(state: AuditState, number: int, audit: dict[str, object], actual: str) -> str:
    index = audit.get("index")
    record = state.records.get(index) if isinstance(index, int) else None
    if record is None or index not in state.proven:
        raise verify_log.Failure(
            "exhibit-record-missing", f"pièce n° {number}: record {index} is not proven in the checkpoint"
        )
    named = {(d["role"], d["sha256"]) for d in record["documents"]}  # type: ignore[union-attr]
    if (audit.get("role"), actual) not in named:
        raise verify_log.Failure(
            "exhibit-not-in-record", f"pièce n° {number}: record {index} ({record['action']}) names another file"
        )
    return f"named by record {index} ({record['action']}, {audit.get('role')}), included"


def _exhibit_line(dossier: Dossier, state: AuditState, exhibit: dict[str, object], count: int) -> str:
    path, number = str(exhibit.get("path")), exhibit.get("number")
    if exhibit.get("kind") not in EXHIBIT_KINDS:
        raise verify_log.Failure("exhibit-kind-unknown", f"pièce {number} ({path}): kind {exhibit.get('kind')!r}")
    width = max(2, len(str(count)))
    if not isinstance(number, int) or not path.startswith(f"pieces/{number:0{width}d}-"):
        raise verify_log.Failure("exhibit-number-mismatch", f"pièce n° {number} is filed as {path}")
    actual = dossier.hashes.get(path)
    if actual is None or actual != exhibit.get("sha256"):
        raise verify_log.Failure(
            "exhibit-hash-mismatch", f"pièce n° {number} ({path}) is not the file the bordereau names"
        )
    audit = exhibit.get("audit")
    named = (
        _exhibit_record(state, number, audit, actual)
        if isinstance(audit, dict)
        else "generated for the dossier (no audit record)"
    )
    return f"pièce n° {number} {path} ({exhibit.get('kind')}): sha256 {actual[:16]}… OK; {named}"


def check_exhibits(dossier: Dossier, state: AuditState, report: Report) -> None:
    """One line per exhibit; a signed one (a notice) is also checked with pdfsig, whatever its hash says."""
    exhibits = dossier.manifest.get("exhibits", [])
    exhibits = [e for e in exhibits if isinstance(e, dict)] if isinstance(exhibits, list) else []
    paths = [str(e.get("path")) for e in exhibits]
    if len(set(paths)) != len(paths):
        report.fail("exhibit-number-mismatch", "two pièces share one file")
    for exhibit in exhibits:
        report.run(lambda exhibit=exhibit: _exhibit_line(dossier, state, exhibit, len(exhibits)))
        if exhibit.get("kind") in SIGNED_KINDS:
            number, path = exhibit.get("number"), str(exhibit.get("path"))
            report.run(lambda number=number, path=path: _pdf_signature(dossier, number, path))


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
        check_records(dossier, state, report)
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
