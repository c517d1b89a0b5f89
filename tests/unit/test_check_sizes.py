"""``tools/check_sizes.py``, the lint step that keeps modules under 400 lines and functions under 40."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "check_sizes.py"


def function(name: str, lines: int, *, decorated: bool = False, indent: str = "") -> str:
    """A function of exactly ``lines`` lines from its ``def`` to its last line (a decorator adds one more)."""
    head = [f"{indent}@staticmethod"] if decorated else []
    body = [f"{indent}    x{i} = {i}" for i in range(lines - 2)]
    return "\n".join([*head, f"{indent}def {name}() -> int:", *body, f"{indent}    return 0", ""])


def module(lines: int) -> str:
    """A module of exactly ``lines`` lines with no function in it."""
    return "".join(f"X{i} = {i}\n" for i in range(lines))


def run(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, check=False)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_fails_naming_the_long_function_and_the_long_module(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    write(root / "short.py", function("fine", 40))
    write(root / "feature" / "long_function.py", "class Letter:\n" + function("too_long", 41, indent="    "))
    write(root / "long_module.py", module(401))
    result = run(root)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "pkg/feature/long_function.py:2 Letter.too_long 41 lines",
        "pkg/long_module.py:1 <module> 401 lines",
    ]


def test_counts_nested_and_async_functions(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    inner = function("inner", 41, indent="    ").replace("def inner", "async def inner")
    write(root / "nested.py", "def outer() -> None:\n" + inner)
    result = run(root)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "pkg/nested.py:1 outer 42 lines",
        "pkg/nested.py:2 outer.inner 41 lines",
    ]


def test_passes_on_a_clean_tree(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    write(root / "at_the_limit.py", function("forty_lines", 40, decorated=True) + module(400 - 41))
    write(root / "db" / "migrations" / "versions" / "0001_initial.py", function("upgrade", 100) + module(400))
    result = run(root)
    assert (result.returncode, result.stdout) == (0, "")
