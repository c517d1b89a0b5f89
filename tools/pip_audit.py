"""The dependency audit of ``make lint``: pip-audit on ``requirements.lock``, against an allow-list.

Runs ``pip-audit -r requirements.lock --disable-pip --no-deps --format json`` (the lock pins every package,
so nothing is resolved or installed; PyPI's advisory data is fetched over the network) and fails (exit 1) on
any advisory that ``tools/pip-audit-allow.toml`` does not accept with a reason and a review date still ahead.
Exit 2 when the audit itself could not run (no network, a bad allow-list): a security gate fails closed.
``--report FILE`` reads a pip-audit JSON report instead of running it (the gate's tests do).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]

    def names(self) -> set[str]:
        return {self.id, *self.aliases}


def load_allow(path: Path, today: date) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The accepted advisories by id, and the problems of the allow-list (each a reason to fail)."""
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("allow", [])
    accepted, problems = {}, []
    for entry in entries:
        name = entry.get("id", "?")
        if not str(entry.get("reason", "")).strip() or not entry.get("package"):
            problems.append(f"{path.name}: {name} needs a package and a reason")
            continue
        review_by = entry.get("review_by")
        if not isinstance(review_by, str) or date.fromisoformat(review_by) < today:
            problems.append(f"{path.name}: {name} needs a review_by date still ahead (it is {review_by})")
            continue
        accepted[name] = entry
    return accepted, problems


def findings(report: dict[str, Any]) -> list[Finding]:
    found = []
    for dependency in report.get("dependencies", []):
        for vuln in dependency.get("vulns", []):
            found.append(
                Finding(
                    dependency["name"],
                    dependency.get("version", "?"),
                    vuln["id"],
                    tuple(vuln.get("aliases", [])),
                    tuple(vuln.get("fix_versions", [])),
                )
            )
    return found


def run_pip_audit(lock: Path) -> dict[str, Any]:
    """pip-audit's JSON report on the lock file; ``RuntimeError`` when it could not audit."""
    command = [str(Path(sys.executable).parent / "pip-audit"), "-r", str(lock), "--disable-pip", "--no-deps"]
    command += ["--format", "json", "--progress-spinner", "off"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)  # noqa: S603  (our argv)
    try:
        return dict(json.loads(done.stdout))
    except json.JSONDecodeError as error:
        raise RuntimeError(
            f"pip-audit did not answer a report (exit {done.returncode}): {done.stderr[-800:]}"
        ) from error


def judge(found: list[Finding], accepted: dict[str, dict[str, str]]) -> tuple[list[Finding], list[str]]:
    """The findings no entry accepts, and the entries no finding needs any more (stale)."""
    new = [f for f in found if not f.names() & set(accepted)]
    used = {name for f in found for name in f.names()}
    return new, sorted(set(accepted) - used)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    parser.add_argument("--allow", type=Path, default=ROOT / "tools" / "pip-audit-allow.toml")
    parser.add_argument("--report", type=Path, help="a pip-audit JSON report to judge instead of running it")
    parser.add_argument("--today", type=date.fromisoformat, default=datetime.now(UTC).date())
    args = parser.parse_args(argv)
    try:
        accepted, problems = load_allow(args.allow, args.today)
        report = json.loads(args.report.read_text()) if args.report else run_pip_audit(args.lock)
    except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as error:
        print(f"pip-audit gate: cannot audit: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"pip-audit gate: {problem}", file=sys.stderr)
    found = findings(report)
    new, stale = judge(found, accepted)
    for name in stale:
        print(f"pip-audit gate: {name} is allowed but no longer reported: remove it from {args.allow.name}")
    for f in new:
        fixes = ", ".join(f.fix_versions) or "no fixed version yet"
        print(f"pip-audit gate: {f.package} {f.version}: {f.id} ({fixes})", file=sys.stderr)
    audited = len(report.get("dependencies", []))
    print(f"pip-audit gate: {audited} packages, {len(found)} advisories, {len(found) - len(new)} accepted")
    if problems:
        return 2
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
