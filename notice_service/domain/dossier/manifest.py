"""The dossier's ``manifest.json`` (every file with its size and SHA-256, the exhibits and the audit anchors) and
the ``VERIFY.md`` that tells anyone how to check it offline (format: ``audit/SPEC.md`` §9).

The manifest lists every file of the ZIP except itself and the two files over it: ``manifest.json.p7s`` (detached
CMS signature) and ``manifest.json.tsr`` (RFC 3161 time-stamp response over its exact bytes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from notice_service.domain.audit.records import JsonValue
from notice_service.domain.dossier.exhibits import Exhibit

FORMAT = "notice-service-dossier/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"
TOKEN = "manifest.json.tsr"  # noqa: S105 - a file name, not a secret
UNLISTED = frozenset({MANIFEST, SIGNATURE, TOKEN})


@dataclass(frozen=True)
class ManifestFile:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class CheckpointRef:
    size: int
    note: str
    token: str | None
    previous_size: int | None
    previous_note: str | None


def _exhibit_json(exhibit: Exhibit, sha256: str) -> dict[str, JsonValue]:
    source = exhibit.source
    audit: JsonValue = None
    if source.audit_index is not None:
        audit = {"index": source.audit_index, "role": source.audit_role}
    return {
        "number": exhibit.number,
        "path": exhibit.path,
        "kind": source.kind,
        "title": source.title,
        "date": source.day.isoformat() if source.day else None,
        "sha256": sha256,
        "audit": audit,
    }


def build_manifest(
    header: Mapping[str, JsonValue],
    files: Sequence[ManifestFile],
    exhibits: Sequence[tuple[Exhibit, str]],
    checkpoint: CheckpointRef,
    time_stamped: bool,
) -> bytes:
    """The manifest's bytes: sorted, indented JSON, UTF-8, ending with a newline."""
    listed = sorted(files, key=lambda f: f.path)
    if len({f.path for f in listed}) != len(listed) or UNLISTED & {f.path for f in listed}:
        raise ValueError("manifest paths must be unique and exclude the manifest and its signature files")
    document: dict[str, JsonValue] = {
        "format": FORMAT,
        **header,
        "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in listed],
        "exhibits": [_exhibit_json(exhibit, sha) for exhibit, sha in exhibits],
        "checkpoint": {
            "size": checkpoint.size,
            "note": checkpoint.note,
            "token": checkpoint.token,
            "previous_size": checkpoint.previous_size,
            "previous_note": checkpoint.previous_note,
        },
        "signature": SIGNATURE,
        "time_stamp": TOKEN if time_stamped else None,
    }
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def verify_instructions(archive_name: str, time_stamped: bool, checkpoint: CheckpointRef) -> str:
    """``VERIFY.md``: the exact commands and what each proves."""
    return (
        _whole_and_manifest_sections(archive_name)
        + _time_stamp_section(archive_name, time_stamped, checkpoint)
        + _pdf_and_audit_sections(checkpoint)
    )


def _whole_and_manifest_sections(archive_name: str) -> str:
    """``VERIFY.md``'s title, §1 (``audit/verify.py`` checks everything at once) and §2 (the manifest's CMS)."""
    return f"""# Verifying this dossier

Everything below runs offline. Nothing here asks you to trust the service that produced the ZIP.

## 1. Everything at once

    python audit/verify.py dossier {archive_name} [--tsa-ca TSA-ROOT.pem] [--signer-ca SIGNER-ROOT.pem]

`audit/verify.py` comes from the public notice-service repository (stdlib, `cryptography`, `rfc8785`, and the
`openssl` command). It checks: every file's size and SHA-256 against `manifest.json`, that no file is missing or
unlisted, the manifest's CMS signature and time-stamp, the signed checkpoint of the audit log (Ed25519) and its
time-stamp, each audit record's inclusion in that checkpoint (RFC 9162), the consistency proof from the previous
checkpoint, that each notice and proof in `pieces/` is the very file its audit record names (SHA-256), and the
PDF signatures with `pdfsig` when it is installed. It prints one line per exhibit and exits non-zero naming
every failure.

## 2. The manifest's signature (CMS, detached)

    openssl cms -verify -binary -inform DER -in manifest.json.p7s -content manifest.json -purpose any \\
        -CAfile SIGNER-ROOT.pem -out /dev/null

Proves that the holder of the service's signing certificate (the one that signs the notices' PDFs) issued this
exact manifest. Without `SIGNER-ROOT.pem`, `-noverify` checks the signature only.
"""


def _time_stamp_section(archive_name: str, time_stamped: bool, checkpoint: CheckpointRef) -> str:
    """``VERIFY.md``'s §3: the two RFC 3161 checks, or a note that the dossier carries no token."""
    if not (time_stamped and checkpoint.token):
        return "\n## 3. The time-stamps\n\nNo time-stamping authority was configured: this dossier carries no token.\n"
    return f"""
## 3. The time-stamps (RFC 3161)

    unzip {archive_name} -d dossier && cd dossier
    openssl ts -verify -data manifest.json -in manifest.json.tsr -CAfile TSA-ROOT.pem -untrusted audit/tsa-chain.pem
    openssl ts -verify -data {checkpoint.note} -in {checkpoint.token} \\
        -CAfile TSA-ROOT.pem -untrusted audit/tsa-chain.pem

Proves that the manifest (hence every file it lists) and the audit checkpoint existed at the token's genTime.
`TSA-ROOT.pem` is the time-stamping authority's root, obtained from the TSA itself, never from this ZIP.
OpenSSL checks the TSA chain at the current time; when it answers `certificate has expired` (the TSA certificate
expired after issuing the token), add `-attime <genTime in seconds since the epoch>`: `audit/verify.py` does so
itself, for that failure only. Neither checks revocation.
"""


def _pdf_and_audit_sections(checkpoint: CheckpointRef) -> str:
    """``VERIFY.md``'s §4 (the signed PDFs, ``pdfsig``) and §5 (the audit log's keys, checkpoint and proofs)."""
    return f"""
## 4. The signed PDFs

    pdfsig pieces/NN-mise-en-demeure-….pdf

Proves that each notice is byte for byte the PDF that was signed (PAdES); `Total document signed` must appear.

## 5. The audit log

`audit/keys.json` lists the log's Ed25519 keys with their fingerprints: compare them out of band with the
published key history. `audit/{checkpoint.note.split("/")[-1]}` is the signed checkpoint (C2SP signed note) of
size {checkpoint.size}; `audit/records.jsonl` holds this case's records (RFC 8785 bytes) and
`audit/inclusion-proofs.json` their RFC 9162 inclusion proofs to it; `audit/consistency-proof.json` links the
previous exported checkpoint to this one. Formats: `audit/SPEC.md` in the repository.
"""
