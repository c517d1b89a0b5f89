"""Archived RFC 3161 tokens whose TSA certificate has expired since: validated at their genTime, and said so.

certomancer's ``expired-tsa`` (``tests/services/tsa.py``) was valid from 15 to 5 days ago; its animator signs at
the moment named in the ``X-Certomancer-Fake-Time`` header, so these are real tokens, over HTTP, issued in the
past: inside the certificate's validity (they must still verify, at genTime), or outside it (they must not).
Both verifiers are run: the service's ``Rfc3161TokenVerifier`` (and ``audit verify`` on a ledger checkpointed by
that TSA) and ``audit/verify.py`` (``log`` on an export, ``dossier`` on a ZIP), with the TSA's real root.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from asn1crypto import tsp

from notice_service.adapters.system_clock import FixedClock
from notice_service.adapters.timestamping.rfc3161_token_verifier import Rfc3161TokenVerifier
from notice_service.ports import TimeStampToken, VerifiedToken
from notice_service.use_cases.audit.export import export_ledger
from notice_service.use_cases.audit.mirror import request_checkpoint
from notice_service.use_cases.audit.verify import verify_tenant_ledger
from tests.integration.audit.ledger_setup import drain, ledger_services, new_tenant, register_debtors
from tests.services.tsa import TsaService
from tests.unit.audit.test_standalone_verifier import VERIFY, build_export, run_verifier

pytestmark = pytest.mark.tsa

NOTE = b"notice-service.example/audit/t-1\n12\nq83vEjRwAjLm2jYkW0y3oZ0Yw1sQbXk2tW6w0XQ6Cvo=\n"
Moment = Callable[[TsaService], datetime]
GEN_TIME_NOTE = "a TSA certificate has expired since, or is not yet valid by this machine's clock"


def _inside(tsa: TsaService) -> datetime:
    """The middle of the expired certificate's validity: the TSA could sign then."""
    start, end = tsa.expired_tsa_valid
    return start + (end - start) / 2


def _after(tsa: TsaService) -> datetime:
    return tsa.expired_tsa_valid[1] + timedelta(days=2)


def _before(tsa: TsaService) -> datetime:
    return tsa.expired_tsa_valid[0] - timedelta(days=2)


def _gen_time(response: bytes) -> datetime:
    tst_info = tsp.TimeStampResp.load(response)["time_stamp_token"]["content"]["encap_content_info"]["content"]
    gen_time: datetime = tst_info.parsed["gen_time"].native
    return gen_time.astimezone(UTC)


def _standalone_verifier() -> ModuleType:
    """The standalone verifier's RFC 3161 module, loaded from its file (it imports no other part of it)."""
    spec = importlib.util.spec_from_file_location("standalone_verify_tsr", VERIFY.with_name("verify_tsr.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


# --- the service's verifier ----------------------------------------------------------------------------------


def test_the_service_accepts_a_token_whose_tsa_certificate_expired_since(tsa: TsaService) -> None:
    response = tsa.expired_tsa_token(NOTE, _inside(tsa))
    assert tsa.expired_tsa_valid[1] < datetime.now(UTC), "the TSA certificate must be expired now"

    verified = Rfc3161TokenVerifier([tsa.root_pem]).verify(NOTE, response)

    assert verified == VerifiedToken(_gen_time(response), at_gen_time=True)
    with pytest.raises(ValueError, match="message imprint"):
        Rfc3161TokenVerifier([tsa.root_pem]).verify(NOTE + b"x", response)


@pytest.mark.parametrize("when", [_after, _before], ids=["gen-time-after-expiry", "gen-time-before-validity"])
def test_the_service_refuses_it_when_gen_time_is_outside_the_validity_too(tsa: TsaService, when: Moment) -> None:
    response = tsa.expired_tsa_token(NOTE, when(tsa))

    with pytest.raises(ValueError, match="outside its validity period now and does not validate at the token's genT"):
        Rfc3161TokenVerifier([tsa.root_pem]).verify(NOTE, response)


def test_the_service_still_refuses_an_untrusted_root_with_the_old_reason(tsa: TsaService) -> None:
    response = tsa.expired_tsa_token(NOTE, _inside(tsa))

    with pytest.raises(ValueError, match="which does not chain to a trusted TSA root"):
        Rfc3161TokenVerifier([tsa.unrelated_root_pem]).verify(NOTE, response)


class PastTimeStamper:
    """The ``TimeStamper`` port on the expired TSA, asking it to sign at a past moment (a token issued back then)."""

    def __init__(self, tsa: TsaService, at: datetime) -> None:
        self.tsa, self.at = tsa, at

    def timestamp(self, data: bytes) -> TimeStampToken:
        response = tsp.TimeStampResp.load(self.tsa.expired_tsa_token(data, self.at))
        token = response["time_stamp_token"]
        return TimeStampToken(
            token_der=token.dump(),
            gen_time=_gen_time(response.dump()),
            tsa_url=self.tsa.expired_tsa_url,
            serial_number=token["content"]["encap_content_info"]["content"].parsed["serial_number"].native,
            certificates_der=tuple(choice.chosen.dump() for choice in token["content"]["certificates"]),
        )


def test_audit_verify_and_verify_py_say_which_tokens_verified_at_their_gen_time(
    tmp_path: Path, tsa: TsaService
) -> None:
    """The log's history as it happened: records, then a checkpoint time-stamped days ago by the TSA expired since,
    more records, then one time-stamped now by the valid TSA (the clock follows, so the time bounds hold)."""
    services = ledger_services(tmp_path / "var", f"sqlite:///{tmp_path / 'notice.db'}", tsa)
    past = PastTimeStamper(tsa, _inside(tsa))
    try:
        services.clock = FixedClock(past.at - timedelta(minutes=5))
        tenant = new_tenant(services)
        register_debtors(services, tenant, 3)
        services.time_stamper, current = past, services.time_stamper
        request_checkpoint(services, tenant.tenant_id)  # time-stamped days ago, by the TSA expired since
        drain(services)
        register_debtors(services, tenant, 1)
        services.time_stamper = current
        request_checkpoint(services, tenant.tenant_id)  # time-stamped now, by the TSA whose certificate is valid
        drain(services)
        check = verify_tenant_ledger(services, tenant.tenant_id)
        export_ledger(services, tenant.tenant_id, tmp_path / "export")
    finally:
        services.db.engine.dispose()

    assert check.failure is None, check.failure
    (line,) = (line for line in check.lines if line.startswith("timestamps:"))
    assert line == (
        "timestamps: 2 RFC 3161 tokens verified over the note bytes (1 at their genTime: "
        f"{GEN_TIME_NOTE}; revocation was not checked)"
    )
    done = run_verifier("log", tmp_path / "export", "--tsa-ca", tsa.root_pem_path)
    assert done.returncode == 0, done.stdout
    assert (  # the export's own checkpoint (SPEC.md §8) is the third, time-stamped now
        "timestamps: 3 RFC 3161 tokens verified by openssl ts -verify over the note bytes "
        f"(1 at their genTime, -attime: {GEN_TIME_NOTE}; revocation was not checked)"
    ) in done.stdout


# --- audit/verify.py ---------------------------------------------------------------------------------------


def test_verify_py_reads_gen_time_from_the_token_der(tsa: TsaService) -> None:
    verify = _standalone_verifier()
    response = tsa.expired_tsa_token(NOTE, _inside(tsa))

    assert verify.token_gen_time(response) == _gen_time(response).replace(microsecond=0)
    for broken in (b"", response[:100], b"\x30\x80" + response[2:], response.replace(b"\x18\x0f", b"\x17\x0f", 1)):
        with pytest.raises(ValueError, match="genTime"):
            verify.token_gen_time(broken)


def _export_with_token(tmp_path: Path, tsa: TsaService, at: datetime) -> Path:
    """An export whose checkpoint 4 carries a token by the expired TSA, issued at ``at``."""
    export = build_export(tmp_path / "export", 9)
    note = export / "checkpoints" / "4.note"
    note.with_suffix(".tsr").write_bytes(tsa.expired_tsa_token(note.read_bytes(), at))
    return export


def test_verify_py_accepts_it_at_its_gen_time(tmp_path: Path, tsa: TsaService) -> None:
    export = _export_with_token(tmp_path, tsa, _inside(tsa))

    done = run_verifier("log", export, "--tsa-ca", tsa.root_pem_path)

    assert done.returncode == 0, done.stdout
    assert "1 RFC 3161 tokens verified by openssl ts -verify over the note bytes (1 at their genTime" in done.stdout
    assert "revocation was not checked" in done.stdout


@pytest.mark.parametrize(
    ("when", "problem"),
    [(_after, "certificate has expired"), (_before, "certificate is not yet valid")],
    ids=["gen-time-after-expiry", "gen-time-before-validity"],
)
def test_verify_py_refuses_it_when_gen_time_is_outside_the_validity_too(
    tmp_path: Path, tsa: TsaService, when: Moment, problem: str
) -> None:
    export = _export_with_token(tmp_path, tsa, when(tsa))

    done = run_verifier("log", export, "--tsa-ca", tsa.root_pem_path)

    assert done.stdout.startswith("FAIL timestamp-invalid: 4.tsr"), done.stdout
    assert f"Verify error:{problem}" in done.stdout and "with -attime; now: certificate has expired" in done.stdout


def test_verify_py_still_refuses_an_untrusted_root_with_the_old_reason(tmp_path: Path, tsa: TsaService) -> None:
    export = _export_with_token(tmp_path, tsa, _inside(tsa))
    (tmp_path / "unrelated-root.pem").write_bytes(tsa.unrelated_root_pem)

    done = run_verifier("log", export, "--tsa-ca", tmp_path / "unrelated-root.pem")

    assert done.stdout.startswith("FAIL timestamp-invalid: 4.tsr"), done.stdout
    assert "unable to get local issuer certificate" in done.stdout and "genTime" not in done.stdout


def test_verify_py_dossier_says_a_token_verified_at_its_gen_time(tmp_path: Path, tsa: TsaService) -> None:
    """A ZIP holding only a manifest and its token: every other dossier check fails, the token's line is printed."""
    manifest = json.dumps({"files": [], "time_stamp": "manifest.json.tsr"}).encode()
    response = tsa.expired_tsa_token(manifest, _inside(tsa))
    with zipfile.ZipFile(tmp_path / "dossier.zip", "w") as archive:
        archive.writestr("manifest.json", manifest)
        archive.writestr("manifest.json.tsr", response)

    done = run_verifier("dossier", tmp_path / "dossier.zip", "--tsa-ca", tsa.root_pem_path)

    gen_time = _gen_time(response).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (
        "manifest.json.tsr: RFC 3161 token over manifest.json verified by openssl ts -verify (TSA chain checked "
        f"against --tsa-ca); at its genTime {gen_time} (-attime): {GEN_TIME_NOTE}; revocation was not checked"
    ) in done.stdout, done.stdout
