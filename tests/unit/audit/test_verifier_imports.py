"""The standalone verifier (``audit/*.py``) stays standalone: no ``notice_service`` import, no import cycle.

import-linter guards ``notice_service``; ``audit/`` is a folder of scripts, so this reads their imports itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

AUDIT = Path(__file__).resolve().parents[3] / "audit"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _graph() -> dict[str, set[str]]:
    scripts = {path.stem: path for path in AUDIT.glob("*.py")}
    return {name: _imports(path) & scripts.keys() for name, path in scripts.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a path, or None (depth-first search with an explicit stack)."""
    for start in sorted(graph):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph[node]):
                if nxt == start:
                    return [*path, nxt]
                if nxt not in path:
                    stack.append((nxt, [*path, nxt]))
    return None


def test_the_verifier_imports_nothing_from_the_service() -> None:
    offenders = {path.name for path in AUDIT.glob("*.py") if "notice_service" in _imports(path)}
    assert offenders == set()


def test_the_verifier_scripts_import_each_other_without_a_cycle() -> None:
    graph = _graph()
    assert {"verify", "verify_log", "verify_dossier"} <= graph.keys()
    assert graph["verify"] == {"verify_log", "verify_dossier"}
    assert _cycle(graph) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
