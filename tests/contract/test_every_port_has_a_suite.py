"""Guard: every port (each ``Protocol`` exported by ``notice_service.ports``) has its contract suite.

The suite of port ``SomePort`` is ``tests/contract/test_some_port_contract.py`` and imports ``SomePort``
from ``notice_service.ports`` (or one of its modules). Suites written before the rule keep their names
through ``ALIASES``; an alias naming a port that no longer exists, or a file that is not there, fails too,
so the table cannot outlive its reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import notice_service.ports as ports

CONTRACT_DIR = Path(__file__).resolve().parent
ALIASES = {
    "PdfTextExtractor": "test_text_extractor_contract.py",  # written before the naming rule
}


def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def exported_protocols() -> list[str]:
    return sorted(name for name in ports.__all__ if getattr(getattr(ports, name), "_is_protocol", False))


def suite_file(port: str) -> Path:
    return CONTRACT_DIR / ALIASES.get(port, f"test_{snake_case(port)}_contract.py")


def imported_port_names(path: Path) -> set[str]:
    """Names imported by ``from notice_service.ports[.module] import ...`` anywhere in the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.ImportFrom) or node.level != 0 or node.module is None:
            continue
        if node.module == "notice_service.ports" or node.module.startswith("notice_service.ports."):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Clock", "clock"),
        ("DocumentStore", "document_store"),
        ("PdfTextExtractor", "pdf_text_extractor"),
        ("TimeStamper", "time_stamper"),
        ("TimeStampVerifier", "time_stamp_verifier"),
        ("WebhookSender", "webhook_sender"),
        ("PDFMerger", "pdf_merger"),
    ],
)
def test_the_file_name_rule(name: str, expected: str) -> None:
    assert snake_case(name) == expected


def test_the_ports_are_found_and_only_the_ports() -> None:
    found = exported_protocols()
    assert {"Clock", "DocumentStore", "PdfMerger", "Renderer", "WebhookSender"} <= set(found)
    assert not {"OutgoingMail", "SendOutcome", "MergePart", "StoredObject"} & set(found)  # value types


@pytest.mark.parametrize("port", exported_protocols())
def test_the_port_has_a_contract_suite_that_imports_it(port: str) -> None:
    path = suite_file(port)
    assert path.is_file(), f"{port} has no contract suite: expected {path.relative_to(CONTRACT_DIR.parents[1])}"
    assert port in imported_port_names(path), f"{path.name} does not import {port} from notice_service.ports"


@pytest.mark.parametrize("port", sorted(ALIASES))
def test_every_alias_is_still_needed(port: str) -> None:
    assert port in exported_protocols(), f"{port} is no longer a port: remove its alias"
    assert (CONTRACT_DIR / ALIASES[port]).is_file(), f"the alias of {port} names a missing file"
