"""SPEC.md §6 step 9 and §7: what a time-stamped checkpoint says about the records' claimed times, checked by both
verifiers on logs written by the test (``log_export.LogExport``) whose checkpoints carry real RFC 3161 tokens.

certomancer's animator signs at the moment named in its fake-time header (``TsaService.expired_tsa_token``), so
each token's genTime is chosen by the test, inside the validity of the ``expired-tsa`` certificate: the tokens
also verify with the TSA's real root (at their genTime), and no outcome depends on today's date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.services.tsa import TsaService
from tests.unit.audit.log_export import LogExport, first_failure, run_verifier, service_failure
from tests.unit.audit.test_spec import spec_section

pytestmark = pytest.mark.tsa


def _moment(tsa: TsaService) -> datetime:
    """A moment the expired TSA could sign at: the middle of its certificate's validity."""
    start, end = tsa.expired_tsa_valid
    return start + (end - start) / 2


def _stamp(tsa: TsaService, at: datetime) -> Callable[[bytes], bytes]:
    return lambda note: tsa.expired_tsa_token(note, at)


@pytest.mark.parametrize(("late", "refused"), [(timedelta(seconds=30), False), (timedelta(minutes=2), True)])
def test_a_record_below_a_time_stamped_checkpoint_may_not_claim_a_later_time(
    tmp_path: Path, tsa: TsaService, late: timedelta, refused: bool
) -> None:
    at = _moment(tsa)
    log = LogExport(start=at - timedelta(hours=1))
    log.add_many(3)
    log.add(time=(at + late).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))  # claims to come after the token that covers it
    log.checkpoint(_stamp(tsa, at))
    log.add()
    export = log.write(tmp_path / "export")
    if refused:
        assert first_failure("log", export).startswith("FAIL time-beyond-timestamp: a record below 5 claims")
        assert service_failure(log, tsa_roots=[tsa.root_pem]) == "time-beyond-timestamp"
    else:
        done = run_verifier("log", export, "--tsa-ca", tsa.root_pem_path)
        assert done.returncode == 0, done.stdout
        assert (
            "time: the records below each of 1 time-stamped checkpoints claim no time after its genTime" in done.stdout
        )
        assert service_failure(log, tsa_roots=[tsa.root_pem]) is None
    assert "`time-beyond-timestamp`" in spec_section(6) and "60 s" in spec_section(6)


def test_a_token_may_not_be_earlier_than_one_whose_anchor_it_covers(tmp_path: Path, tsa: TsaService) -> None:
    at = _moment(tsa)
    log = LogExport(start=at - timedelta(hours=2))
    log.add_many(2)
    log.checkpoint(_stamp(tsa, at))  # size 3, anchor record 3
    log.add()
    log.checkpoint(_stamp(tsa, at - timedelta(minutes=10)))  # size 5 holds anchor 3, yet says it is 10 minutes older
    export = log.write(tmp_path / "export")
    assert first_failure("log", export).startswith("FAIL timestamp-order: 5.note")
    assert service_failure(log, tsa_roots=[tsa.root_pem]) == "timestamp-order"
    assert "`timestamp-order`" in spec_section(6)


def test_records_after_an_anchor_may_claim_an_earlier_time(tmp_path: Path, tsa: TsaService) -> None:
    """A record's time is taken when its operation starts (a dossier export checkpoints the log, then records
    itself with the time it started), so only its existence is bounded below, not its claimed time."""
    at = _moment(tsa)
    log = LogExport(start=at - timedelta(hours=1))
    log.add()
    log.checkpoint(_stamp(tsa, at))
    log.add(time=(at - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    log.checkpoint(_stamp(tsa, at + timedelta(minutes=1)))
    done = run_verifier("log", log.write(tmp_path / "export"), "--tsa-ca", tsa.root_pem_path)
    assert done.returncode == 0, done.stdout
    assert service_failure(log, tsa_roots=[tsa.root_pem]) is None
    assert "not bounded below" in spec_section(7)


@pytest.mark.parametrize(
    ("members", "detail"),
    [({"gen_time": "2020-01-01T00:00:00+00:00"}, "gen_time"), ({"tsa_url": None}, "tsa_url")],
    ids=["gen-time", "tsa-url"],
)
def test_an_anchor_must_carry_its_tokens_gen_time_and_tsa(
    tmp_path: Path, tsa: TsaService, members: dict[str, object], detail: str
) -> None:
    at = _moment(tsa)
    log = LogExport(start=at - timedelta(hours=1))
    log.add()
    log.checkpoint(_stamp(tsa, at), data_members=members)
    log.add()
    log.checkpoint()
    failure = first_failure("log", log.write(tmp_path / "export"))
    assert failure.startswith("FAIL anchor-mismatch: anchor record 2: ") and detail in failure, failure
    assert service_failure(log, tsa_roots=[tsa.root_pem]) == "anchor-mismatch"
