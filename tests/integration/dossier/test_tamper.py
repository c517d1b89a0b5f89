"""A dossier exported with a real RFC 3161 TSA (certomancer over HTTP), checked by the standalone verifier and by
the commands of its VERIFY.md, then tampered with: every tampering fails with a named reason."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api
from tests.functional.dossier.test_export import case_with_delivered_notice, export, run_verifier
from tests.services.tsa import TsaService

pytestmark = [pytest.mark.tsa]


@dataclass(frozen=True)
class Exported:
    path: Path
    names: list[str]
    manifest: dict[str, object]
    root_pem: Path


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, tsa: TsaService) -> Iterator[Exported]:
    directory = tmp_path_factory.mktemp("dossier")
    roots = directory / "tsa-root.pem"
    roots.write_bytes(tsa.root_pem)
    settings = Settings(
        data_dir=directory, database_url=f"sqlite:///{directory / 'n.db'}", tsa_urls=(tsa.url,), tsa_roots_pem=roots
    )
    services = build_services(settings, clock=FixedClock(NOW))
    try:
        with create_app(services=services).test_client() as client:
            api = Api(
                client, create_tenant(services, name="Atelier", siren="404833048", profile=CREDITOR_PROFILE).api_key
            )
            ids = case_with_delivered_notice(api, services)
            export(api, ids["case_id"])  # a first export: the second carries a consistency proof from it
            dossier = export(api, ids["case_id"])
            path = directory / "dossier.zip"
            path.write_bytes(api.get(str(dossier["archive_url"])).data)
    finally:
        services.db.engine.dispose()
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    yield Exported(path, names, manifest, roots)


def rewrite(source: Path, target: Path, changes: dict[str, bytes | None]) -> Path:
    """A copy of the ZIP with members replaced (bytes), removed (None) or added (a new name)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            if name not in changes:
                new.writestr(name, old.read(name))
            elif changes[name] is not None:
                new.writestr(name, changes[name] or b"")
        for name, data in changes.items():
            if name not in old.namelist() and data is not None:
                new.writestr(name, data)
    return target


def reasons(path: Path, *options: str) -> str:
    checked = run_verifier(path, *options)
    assert checked.returncode == 1, checked.stdout
    return checked.stdout


def _member(exported: Exported, prefix: str) -> str:
    return next(name for name in exported.names if name.startswith(prefix))


def test_the_intact_dossier_verifies_with_the_tsa_root(exported: Exported) -> None:
    checked = run_verifier(exported.path, "--tsa-ca", str(exported.root_pem))
    assert checked.returncode == 0, checked.stdout
    assert "manifest.json.tsr: RFC 3161 token over manifest.json verified" in checked.stdout
    assert "TSA chain checked against --tsa-ca" in checked.stdout
    assert "consistency: checkpoint" in checked.stdout and checked.stdout.rstrip().endswith("OK")


def test_the_commands_of_verify_md_work(exported: Exported, tmp_path: Path) -> None:
    with zipfile.ZipFile(exported.path) as archive:
        archive.extractall(tmp_path)
    assert "openssl ts -verify -data manifest.json" in (tmp_path / "VERIFY.md").read_text()
    ts = ["openssl", "ts", "-verify", "-data", "manifest.json", "-in", "manifest.json.tsr"]
    trust = ["-CAfile", str(exported.root_pem), "-untrusted", "audit/tsa-chain.pem"]
    done = subprocess.run([*ts, *trust], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert "Verification: OK" in done.stdout, done.stderr
    cms = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "manifest.json.p7s"]
    done = subprocess.run(
        [*cms, "-content", "manifest.json", "-noverify", "-out", "/dev/null"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "Verification successful" in done.stderr


def test_one_changed_byte_in_an_exhibit(exported: Exported, tmp_path: Path) -> None:
    notice = _member(exported, "pieces/02-")
    with zipfile.ZipFile(exported.path) as archive:
        data = bytearray(archive.read(notice))
    data[len(data) // 2] ^= 0x01
    output = reasons(rewrite(exported.path, tmp_path / "t.zip", {notice: bytes(data)}))
    assert f"FAIL file-hash-mismatch: {notice}" in output
    assert "FAIL exhibit-hash-mismatch: pièce n° 2" in output


def test_a_removed_exhibit(exported: Exported, tmp_path: Path) -> None:
    evidence = _member(exported, "pieces/03-")
    output = reasons(rewrite(exported.path, tmp_path / "t.zip", {evidence: None}))
    assert f"FAIL file-missing: {evidence}" in output


def test_an_unlisted_file(exported: Exported, tmp_path: Path) -> None:
    output = reasons(rewrite(exported.path, tmp_path / "t.zip", {"pieces/05-extra.pdf": b"%PDF-1.4\n"}))
    assert "FAIL file-unlisted: pieces/05-extra.pdf" in output


def test_two_exhibits_swapped(exported: Exported, tmp_path: Path) -> None:
    first, second = _member(exported, "pieces/01-"), _member(exported, "pieces/02-")
    with zipfile.ZipFile(exported.path) as archive:
        swapped = {first: archive.read(second), second: archive.read(first)}
    output = reasons(rewrite(exported.path, tmp_path / "t.zip", swapped))
    assert f"FAIL file-hash-mismatch: {first}" in output and f"FAIL file-hash-mismatch: {second}" in output
    assert "FAIL exhibit-hash-mismatch: pièce n° 1" in output and "FAIL exhibit-hash-mismatch: pièce n° 2" in output


def test_an_edited_decompte(exported: Exported, tmp_path: Path) -> None:
    with zipfile.ZipFile(exported.path) as archive:
        csv = archive.read("decompte.csv").replace(b"1234.56", b"1934.56")
    output = reasons(rewrite(exported.path, tmp_path / "t.zip", {"decompte.csv": csv}))
    assert "FAIL file-hash-mismatch: decompte.csv" in output


def test_the_checkpoint_replaced_by_an_older_one_even_with_a_rewritten_manifest(
    exported: Exported, tmp_path: Path
) -> None:
    checkpoint = exported.manifest["checkpoint"]
    assert isinstance(checkpoint, dict) and checkpoint["previous_note"]
    with zipfile.ZipFile(exported.path) as archive:
        older = archive.read(checkpoint["previous_note"])
    manifest = json.loads(json.dumps(exported.manifest))
    for entry in manifest["files"]:
        if entry["path"] == checkpoint["note"]:
            entry["sha256"], entry["size"] = hashlib.sha256(older).hexdigest(), len(older)
    changes = {checkpoint["note"]: older, "manifest.json": json.dumps(manifest).encode()}
    output = reasons(rewrite(exported.path, tmp_path / "t.zip", changes), "--tsa-ca", str(exported.root_pem))
    assert "FAIL manifest-signature-invalid" in output
    assert "FAIL manifest-token-invalid" in output
    assert "FAIL checkpoint-name-mismatch" in output


def test_stripped_tokens(exported: Exported, tmp_path: Path) -> None:
    output = reasons(rewrite(exported.path, tmp_path / "t.zip", {"manifest.json.tsr": None}))
    assert "FAIL manifest-token-missing" in output
    checkpoint = exported.manifest["checkpoint"]
    assert isinstance(checkpoint, dict) and checkpoint["token"]
    output = reasons(rewrite(exported.path, tmp_path / "u.zip", {checkpoint["token"]: None}))
    assert "FAIL checkpoint-token-missing" in output and f"FAIL file-missing: {checkpoint['token']}" in output
