"""SPEC.md §9, where the second verifier found the spec silent or ``verify.py dossier`` lenient: each case is a
real dossier (exported through the API with a real TSA) tampered with here, or a dossier forged from a log the
test writes itself (``log_export.LogExport``) when the case needs what the service never signs."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.integration.dossier import test_tamper
from tests.integration.dossier.test_tamper import Exported, reasons, rewrite
from tests.unit.audit.log_export import (
    LogExport,
    checkpoint_body,
    leaf_of,
    signed_note,
    tree_root,
)
from tests.unit.audit.test_spec import spec_section

pytestmark = [pytest.mark.tsa]
VERIFIER = Path(__file__).resolve().parents[3] / "audit" / "verify.py"
exported = test_tamper.exported  # the module's dossier, exported once through the API with the TSA


def _run(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(VERIFIER), "dossier", str(path), *options]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def _read(exported: Exported, name: str) -> bytes:
    with zipfile.ZipFile(exported.path) as archive:
        return archive.read(name)


def _member(exported: Exported, prefix: str) -> str:
    return next(name for name in exported.names if name.startswith(prefix))


def _fail_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("FAIL ")]


# --- a dossier forged from a log the test writes -----------------------------------------------------------------


def inclusion_path(leaves: list[bytes], index: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) by its definition, from the leaf upwards."""
    if len(leaves) <= 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if index < k:
        return [*inclusion_path(leaves[:k], index), tree_root(leaves[k:])]
    return [*inclusion_path(leaves[k:], index - k), tree_root(leaves[:k])]


def forged_dossier(
    target: Path,
    log: LogExport,
    indexes: list[int],
    exhibits: list[dict[str, object]] | None = None,
    members: Mapping[str, bytes] | None = None,
    previous: tuple[int, bytes] | None = None,
) -> Path:
    """A format-1 dossier (unsigned: ``manifest-signature-missing`` is expected) proving records ``indexes`` of
    ``log`` in a checkpoint of its whole size, with ``exhibits``, extra ``members`` and a ``previous`` checkpoint."""
    size, leaves = log.size, [leaf_of(record) for record in log.records]
    proofs = [
        {"index": i, "leaf_hash": leaves[i].hex(), "path": [p.hex() for p in inclusion_path(leaves, i)]}
        for i in indexes
    ]
    files = {
        f"audit/checkpoints/{size}.note": signed_note(checkpoint_body(size, log.root())),
        "audit/keys.json": json.dumps(log.keys).encode(),
        "audit/records.jsonl": b"".join(log.records[i] + b"\n" for i in indexes),
        "audit/inclusion-proofs.json": json.dumps({"tree_size": size, "proofs": proofs}).encode(),
        **(members or {}),
    }
    reference: dict[str, object] = {"size": size, "note": f"audit/checkpoints/{size}.note", "token": None}
    reference |= {"previous_size": None, "previous_note": None}
    if previous is not None:
        reference |= {"previous_size": previous[0], "previous_note": f"audit/checkpoints/{previous[0]}.note"}
        files[f"audit/checkpoints/{previous[0]}.note"] = previous[1]
    manifest = {
        "format": "notice-service-dossier/1", "signer_certificate_sha256": None, "time_stamp": None,
        "files": [{"path": p, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for p, d in files.items()],
        "exhibits": exhibits or [], "checkpoint": reference,
    }  # fmt: skip
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        for name, data in files.items():
            archive.writestr(name, data)
    return target


def _exhibit(number: int, path: str, data: bytes, kind: str = "notice") -> dict[str, object]:
    return {"number": number, "path": path, "kind": kind, "title": "t", "date": None, "audit": None,
            "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip


# --- the manifest's signature --------------------------------------------------------------------------------


def _spec_commands() -> list[str]:
    return re.findall(r"^\s*(openssl cms -verify [^\n]+)$", spec_section_raw(9), flags=re.MULTILINE)


def spec_section_raw(number: int) -> str:
    text = (VERIFIER.parent / "SPEC.md").read_text(encoding="utf-8")
    return text.split(f"\n## {number}. ", 1)[1].split("\n## ", 1)[0]


def test_the_cms_commands_of_the_spec_check_the_manifest_with_and_without_the_signers_ca(
    exported: Exported, tmp_path: Path
) -> None:
    commands = _spec_commands()
    assert len(commands) == 2 and any("-noverify" in c for c in commands), commands
    with zipfile.ZipFile(exported.path) as archive:
        archive.extractall(tmp_path)
    ca = exported.path.parent / "keys" / "development-ca.pem"
    for command in commands:
        argv = command.replace("SIGNER-ROOT.pem", str(ca)).split()
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=False)
        assert done.returncode == 0 and "Verification successful" in done.stderr, (command, done.stderr)
    with_ca = next(c for c in commands if "-CAfile" in c).replace("SIGNER-ROOT.pem", str(exported.root_pem)).split()
    refused = subprocess.run(with_ca, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert refused.returncode != 0, "another CA must not anchor the service's signing certificate"


def _forger(directory: Path) -> tuple[Path, Path]:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", "key.pem", "-out", "cert.pem", "-subj", "/CN=Somebody else", "-days", "2"],
        cwd=directory, check=True, capture_output=True,
    )  # fmt: skip
    return directory / "cert.pem", directory / "key.pem"


def test_a_manifest_signed_by_another_certificate_than_it_names_is_refused(exported: Exported, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(_read(exported, "manifest.json"))
    cert, key = _forger(tmp_path)
    subprocess.run(
        ["openssl", "cms", "-sign", "-binary", "-in", str(manifest), "-signer", str(cert), "-inkey", str(key),
         "-outform", "DER", "-out", str(tmp_path / "other.p7s")],
        check=True, capture_output=True,
    )  # fmt: skip
    resigned = rewrite(exported.path, tmp_path / "t.zip", {"manifest.json.p7s": (tmp_path / "other.p7s").read_bytes()})
    output = reasons(resigned)
    assert _fail_lines(output) == [next(line for line in _fail_lines(output))], output
    assert _fail_lines(output)[0].startswith("FAIL manifest-signer-mismatch: signed by "), output
    assert "`signer_certificate_sha256`" in spec_section(9) and "DER" in spec_section(9)


# --- the ZIP itself -----------------------------------------------------------------------------------------------


def test_a_deflated_member_is_refused(exported: Exported, tmp_path: Path) -> None:
    target = tmp_path / "t.zip"
    with zipfile.ZipFile(exported.path) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            method = zipfile.ZIP_DEFLATED if info.filename == "decompte.csv" else zipfile.ZIP_STORED
            new.writestr(info.filename, old.read(info.filename), compress_type=method)
    output = reasons(target)
    assert _fail_lines(output) == ["FAIL file-not-stored: decompte.csv is compressed (method 8), not stored"]
    assert "`file-not-stored`" in spec_section(9)


def test_a_name_held_by_two_members_is_refused_before_anything_is_hashed(exported: Exported, tmp_path: Path) -> None:
    target = tmp_path / "t.zip"
    with zipfile.ZipFile(exported.path) as old, zipfile.ZipFile(target, "w") as new, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name we write on purpose
        for name in old.namelist():
            new.writestr(name, old.read(name))
        new.writestr("decompte.csv", b"montant;1934.56\n")
    checked = _run(target)
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[0] == "FAIL file-duplicate: the ZIP holds two members named decompte.csv"
    assert "files:" not in checked.stdout and "manifest signature" not in checked.stdout, checked.stdout
    assert "before anything is hashed" in spec_section(9)


# --- exhibits ------------------------------------------------------------------------------------------------------


def test_a_flipped_byte_in_a_signed_notice_is_rechecked_with_pdfsig(exported: Exported, tmp_path: Path) -> None:
    notice = _member(exported, "pieces/02-")
    data = bytearray(_read(exported, notice))
    data[len(data) // 2] ^= 0x01
    output = reasons(rewrite(exported.path, tmp_path / "t.zip", {notice: bytes(data)}))
    assert "FAIL exhibit-hash-mismatch: pièce n° 2" in output
    assert f"FAIL pdf-signature-invalid: {notice}: signature #1: Digest Mismatch." in output, output


def test_what_counts_as_a_valid_pdfsig_result(exported: Exported, tmp_path: Path) -> None:
    signed = _read(exported, _member(exported, "pieces/02-"))
    unsigned = _read(exported, _member(exported, "pieces/01-"))
    pieces = {
        "pieces/01-signe.pdf": signed,
        "pieces/02-complete-apres-signature.pdf": signed + b"\n% appended after signing\n",
        "pieces/03-jamais-signe.pdf": unsigned,
    }
    exhibits = [_exhibit(number, path, data) for number, (path, data) in enumerate(pieces.items(), start=1)]
    log = LogExport()
    log.add()
    output = reasons(forged_dossier(tmp_path / "d.zip", log, [1], exhibits, pieces))
    assert "pièce n° 1 pieces/01-signe.pdf: PDF signature valid, total document signed (pdfsig)" in output
    assert "FAIL pdf-signature-invalid: pieces/02-complete-apres-signature.pdf: no signature covers the whole" in output
    assert "FAIL pdf-signature-invalid: pieces/03-jamais-signe.pdf: no signature pdfsig can read (exit 2)" in output
    assert "Total document signed" in spec_section(9) and "Signature is Valid." in spec_section(9)


def test_an_exhibit_kind_outside_the_list_is_refused(tmp_path: Path) -> None:
    log = LogExport()
    log.add()
    pieces = {"pieces/01-lettre.pdf": b"%PDF-1.4\n"}
    exhibits = [_exhibit(1, "pieces/01-lettre.pdf", b"%PDF-1.4\n", kind="letter")]
    output = reasons(forged_dossier(tmp_path / "d.zip", log, [1], exhibits, pieces))
    assert "FAIL exhibit-kind-unknown: pièce 1 (pieces/01-lettre.pdf): kind 'letter'" in output
    for kind in ("invoice", "case_document", "notice", "evidence", "email_submission", "history"):
        assert f"`{kind}`" in spec_section(9), kind


# --- the previous checkpoint ------------------------------------------------------------------------------------


def test_a_missing_previous_checkpoint_is_named(exported: Exported, tmp_path: Path) -> None:
    checkpoint = exported.manifest["checkpoint"]
    assert isinstance(checkpoint, dict)
    checked = _run(rewrite(exported.path, tmp_path / "t.zip", {checkpoint["previous_note"]: None}))
    assert checked.returncode == 1 and "Traceback" not in checked.stderr, checked.stderr
    assert f"FAIL checkpoint-missing: the previous checkpoint {checkpoint['previous_note']} is absent" in checked.stdout


def test_a_previous_checkpoint_of_size_0_or_of_another_size_is_refused(tmp_path: Path) -> None:
    log = LogExport()
    log.add_many(3)
    empty = signed_note(checkpoint_body(0, tree_root([])))
    output = reasons(forged_dossier(tmp_path / "zero.zip", log, [1], previous=(0, empty)))
    assert "FAIL checkpoint-inconsistent: no consistency proof from size 0 to 4" in output, output
    two = signed_note(checkpoint_body(2, log.root(2)))
    target = forged_dossier(tmp_path / "two.zip", log, [1], previous=(2, two))
    manifest = json.loads(zipfile.ZipFile(target).read("manifest.json"))
    manifest["checkpoint"]["previous_size"] = 3
    output = reasons(rewrite(target, tmp_path / "three.zip", {"manifest.json": json.dumps(manifest).encode()}))
    assert "FAIL checkpoint-size-mismatch: audit/checkpoints/2.note has size 2, the manifest says 3" in output
    none = _run(forged_dossier(tmp_path / "none.zip", log, [1])).stdout
    assert "consistency: no previous checkpoint" in none
    assert "size 0" in spec_section(9) and "previous_note" in spec_section(9)


# --- the case's records --------------------------------------------------------------------------------------------


def test_records_out_of_index_order_are_refused(exported: Exported, tmp_path: Path) -> None:
    lines = _read(exported, "audit/records.jsonl").split(b"\n")[:-1]
    lines[2], lines[3] = lines[3], lines[2]
    swapped = {"audit/records.jsonl": b"".join(line + b"\n" for line in lines)}
    output = reasons(rewrite(exported.path, tmp_path / "t.zip", swapped))
    assert re.search(r"FAIL index-sequence: record \d+ follows record \d+", output), output
    assert "`index-sequence`" in spec_section(9) and "`prev-mismatch`" in spec_section(9)


def test_a_record_whose_prev_is_not_its_proven_predecessors_leaf_is_refused(tmp_path: Path) -> None:
    log = LogExport()
    log.add()
    log.add(prev="ab" * 32)  # index 2: a chain broken when the log was signed, yet in the signed tree
    log.add()
    output = reasons(forged_dossier(tmp_path / "d.zip", log, [1, 2, 3]))
    assert _fail_lines(output) == [
        "FAIL manifest-signature-missing: manifest.json.p7s is absent",
        "FAIL prev-mismatch: record 2: prev is not the leaf hash of record 1",
    ], output
    output = reasons(forged_dossier(tmp_path / "e.zip", log, [1, 3]))  # 2 is not in the dossier: nothing to check
    assert "prev-mismatch" not in output


def test_one_edited_record_is_the_only_one_named(exported: Exported, tmp_path: Path) -> None:
    records = _read(exported, "audit/records.jsonl")
    edited = records.replace(b'"amount_due":"1234.56"', b'"amount_due":"1934.56"')
    assert edited != records
    output = reasons(rewrite(exported.path, tmp_path / "t.zip", {"audit/records.jsonl": edited}))
    failures = _fail_lines(output)
    assert len(failures) == 3, output
    assert failures[0].startswith("FAIL file-hash-mismatch: audit/records.jsonl: ")
    assert (
        failures[1] == "FAIL record-not-included: record 3: proof-root-mismatch: inclusion proof leads to another root"
    )
    assert failures[2] == "FAIL exhibit-record-missing: pièce n° 1: record 3 is not proven in the checkpoint"
    assert "records: 8 of 9 case records" in output
    assert "only the record that fails" in spec_section(9)


def test_a_record_with_an_integer_beyond_the_safe_range_is_named(tmp_path: Path) -> None:
    log = LogExport()
    log.add()
    unsafe = log.record(data={"count": 2**60})  # not I-JSON: RFC 8785 cannot serialise it (§1)
    log.records.append(json.dumps(unsafe, sort_keys=True, separators=(",", ":")).encode())
    checked = _run(forged_dossier(tmp_path / "d.zip", log, [1, 2]))
    assert "Traceback" not in checked.stderr, checked.stderr
    assert "FAIL record-format: record 2: " in checked.stdout, checked.stdout
