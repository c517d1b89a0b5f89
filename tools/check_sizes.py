"""Size check for ``make lint``: no module over 400 lines, no function over 40.

    python tools/check_sizes.py [ROOT]

Walks the ``*.py`` files under ROOT (default: the repository's ``notice_service`` package), leaving out
``ROOT/db/migrations`` (Alembic revisions are generated and never edited). A module counts all its lines; a
function or method (``async`` and nested ones included) counts from its ``def`` line to its last line,
decorators left out. Each offender is printed as ``path:line name N lines``, with the path relative to
ROOT's parent; the exit status is 1 if there is any, 0 otherwise.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40
DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "notice_service"
EXCLUDED = (Path("db") / "migrations",)
USAGE = "usage: python tools/check_sizes.py [ROOT]"

Function = ast.FunctionDef | ast.AsyncFunctionDef


def python_files(root: Path) -> Iterator[Path]:
    """The modules under ``root``, sorted, without the excluded folders."""
    excluded = [root / part for part in EXCLUDED]
    for path in sorted(root.rglob("*.py")):
        if not any(path.is_relative_to(folder) for folder in excluded):
            yield path


def functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, Function]]:
    """Every function of ``tree`` with its dotted name (``Class.method``, ``outer.inner``), nested ones too."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = prefix + node.name
            yield name, node
            yield from functions(node, name + ".")
        elif isinstance(node, ast.ClassDef):
            yield from functions(node, prefix + node.name + ".")
        else:
            yield from functions(node, prefix)


def offenders(path: Path, shown: str) -> Iterator[str]:
    """The module itself if it is too long, then each too-long function, as ``shown:line name N lines``."""
    source = path.read_text(encoding="utf-8")
    module_lines = len(source.splitlines())
    if module_lines > MAX_MODULE_LINES:
        yield f"{shown}:1 <module> {module_lines} lines"
    for name, node in functions(ast.parse(source, filename=str(path))):
        length = (node.end_lineno or node.lineno) - node.lineno + 1
        if length > MAX_FUNCTION_LINES:
            yield f"{shown}:{node.lineno} {name} {length} lines"


def check(root: Path) -> list[str]:
    """All offenders under ``root``, paths shown relative to its parent."""
    return [line for path in python_files(root) for line in offenders(path, path.relative_to(root.parent).as_posix())]


def main(argv: list[str]) -> int:
    """Print the offenders under ROOT (the first argument, if any); 1 if there are some, else 0."""
    if len(argv) > 1:
        print(USAGE, file=sys.stderr)
        return 2
    root = Path(argv[0]).resolve() if argv else DEFAULT_ROOT
    if not root.is_dir():
        print(f"not a directory: {root}", file=sys.stderr)
        return 2
    found = check(root)
    for line in found:
        print(line)
    if found:
        print(
            f"{len(found)} over the limits ({MAX_MODULE_LINES} lines a module, {MAX_FUNCTION_LINES} a function)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
