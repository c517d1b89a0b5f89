"""``audit/SPEC.md`` is the contract a second verifier is written from: every failure name either verifier can
report is in it.

The names are read from the code itself (the first argument of every ``Failure``, ``LedgerFailure``,
``ProofError`` and ``Report.fail`` call, an argument given for a parameter called ``reason``, and every
``FAIL <name>:`` printed), so a new failure cannot be added without the spec naming it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SPEC = REPO / "audit" / "SPEC.md"
STANDALONE = [REPO / "audit" / name for name in ("verify.py", "verify_log.py", "verify_tsr.py", "verify_dossier.py")]
SERVICE = [
    REPO / "notice_service" / "domain" / "audit" / "ledger.py",
    REPO / "notice_service" / "domain" / "audit" / "merkle.py",
    REPO / "notice_service" / "use_cases" / "audit" / "verify.py",
    REPO / "notice_service" / "use_cases" / "audit" / "sources.py",
]
FAILURE_CALLS = frozenset({"Failure", "LedgerFailure", "ProofError", "fail"})
PRINTED = re.compile(r"FAIL ([a-z0-9]+(?:-[a-z0-9]+)+):")


def spec_section(number: int) -> str:
    """The text of ``## <number>.`` in SPEC.md, up to the next section, each run of white space as one space."""
    parts = re.split(r"^## (\d+)\. ", SPEC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    sections = {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
    return " ".join(sections[number].split())


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _reason_positions(tree: ast.Module) -> dict[str, int]:
    """Functions of the module with a parameter named ``reason``, and its position."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            names = [argument.arg for argument in node.args.args if argument.arg != "self"]
            if "reason" in names:
                found[node.name] = names.index("reason")
    return found


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def failure_names(path: Path) -> set[str]:
    """Every failure name the module can report (see the module docstring)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    positions = _reason_positions(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = _called(node)
            candidates: list[ast.expr] = []
            if called in FAILURE_CALLS and node.args:
                candidates.append(node.args[0])
            if called in positions and len(node.args) > positions[called]:
                candidates.append(node.args[positions[called]])
            candidates += [keyword.value for keyword in node.keywords if keyword.arg == "reason"]
            names |= {name for name in map(_literal, candidates) if name}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names |= set(PRINTED.findall(node.value))
    return names


def _named_in_spec() -> set[str]:
    return set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", SPEC.read_text(encoding="utf-8")))


def test_the_scanner_finds_the_names_of_each_kind_of_call() -> None:
    standalone = set().union(*(failure_names(path) for path in STANDALONE))
    service = set().union(*(failure_names(path) for path in SERVICE))
    assert {"prev-mismatch", "proof-bad-hash-size", "export-unreadable"} <= standalone  # Failure(), FAIL printed
    assert {"file-duplicate", "manifest-token-invalid", "dossier-unreadable"} <= standalone  # fail(), reason=
    assert {"head-mismatch", "store-missing", "root2-mismatch"} <= service  # LedgerFailure(), ProofError()


def test_every_failure_the_standalone_verifier_can_print_is_named_in_the_spec() -> None:
    missing = set().union(*(failure_names(path) for path in STANDALONE)) - _named_in_spec()
    assert missing == set(), f"SPEC.md does not name {sorted(missing)}"


def test_every_failure_the_service_verifier_can_report_is_named_in_the_spec() -> None:
    missing = set().union(*(failure_names(path) for path in SERVICE)) - _named_in_spec()
    assert missing == set(), f"SPEC.md does not name {sorted(missing)}"
