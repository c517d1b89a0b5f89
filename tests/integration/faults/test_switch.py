"""The fault switch itself: which points exist, ``#n`` occurrences, the production profile's refusal, and a
process that dies at the armed pass and no other (a real child process, ``os._exit``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from notice_service.errors import ConfigurationError
from notice_service.faults import FAULT_EXIT, POINTS, parse
from notice_service.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = {
    "NOTICE_PROFILE": "production",
    "NOTICE_DATABASE_URL": "postgresql+psycopg://db/notice",
    "NOTICE_STORE": "s3",
    "NOTICE_S3_BUCKET": "letters",
}


def test_every_named_point_of_the_issue_is_known() -> None:
    assert {
        "after-render", "after-sign", "after-store-put", "before-commit", "after-commit", "after-provider-answer",
        "after-outbox-claim", "mid-dossier-zip", "mid-webhook-delivery", "after-checkpoint-sign",
        "after-checkpoint-store",
    } == set(POINTS)  # fmt: skip
    assert parse("after-commit") == ("after-commit", 1)
    assert parse("before-commit#3") == ("before-commit", 3)


@pytest.mark.parametrize("spec", ["after-lunch", "after-commit#0", "after-commit#x", "after-commit#-1", "#2", ""])
def test_an_unknown_point_or_occurrence_is_a_settings_error_naming_the_variable(spec: str) -> None:
    if spec == "":  # empty means unset
        assert load_settings({"NOTICE_FAULT_POINT": spec}).fault_point is None
        return
    with pytest.raises(ConfigurationError, match="NOTICE_FAULT_POINT"):
        load_settings({"NOTICE_FAULT_POINT": spec})


def test_the_production_profile_refuses_a_fault_point(tmp_path: Path) -> None:
    p12 = tmp_path / "signing.p12"
    p12.write_bytes(b"not read by validate")
    env = {**PRODUCTION, "NOTICE_SIGNING_P12": str(p12), "NOTICE_CHECKPOINT_KEY": str(p12)}
    assert load_settings(env).fault_point is None  # the same settings start without it
    with pytest.raises(ConfigurationError, match="production profile refuses it"):
        load_settings({**env, "NOTICE_FAULT_POINT": "after-commit"})
    with pytest.raises(ConfigurationError, match="production profile refuses it"):
        Settings(profile="production", fault_point="after-render").validate()


PASSES = """
import sys
from notice_service import faults
faults.arm(sys.argv[1])
for n in range(1, 4):
    print(n, flush=True)
    faults.crash_point("after-render")
    faults.crash_point("after-sign")
print("survived", flush=True)
"""


@pytest.mark.parametrize(
    ("spec", "printed", "code"), [("after-sign#2", "1 2", FAULT_EXIT), ("after-sign#4", "1 2 3 survived", 0)]
)
def test_a_process_dies_at_the_armed_pass_of_the_armed_point_only(spec: str, printed: str, code: int) -> None:
    child = subprocess.run(
        [sys.executable, "-c", PASSES, spec], cwd=ROOT, env={"PYTHONPATH": str(ROOT)}, capture_output=True, text=True
    )
    assert child.returncode == code, child.stderr
    assert child.stdout.split() == printed.split()
    assert ("fault point after-sign reached" in child.stderr) == (code == FAULT_EXIT)


def test_disarming_leaves_every_point_inert() -> None:
    from notice_service import faults

    faults.arm(None)
    for point in POINTS:
        faults.crash_point(point)  # returns: this test process is still here to assert it
    assert faults._armed == {}
