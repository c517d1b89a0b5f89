"""JSON Merge Patch (RFC 7396): the examples of its Appendix A, and the debtor patch schema kept in step with
the debtor schema (every member a debtor has can be patched)."""

from __future__ import annotations

from typing import Any

import pytest

from notice_service.domain.merge_patch import merge_patch
from notice_service.web.claims.schemas import Address, AddressPatch, DebtorCreate, DebtorPatch

RFC_7396_APPENDIX_A: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "result"), RFC_7396_APPENDIX_A)
def test_rfc_7396_examples(target: Any, patch: Any, result: Any) -> None:
    original = repr(target)
    assert merge_patch(target, patch) == result
    assert repr(target) == original  # the target is not modified


def test_the_debtor_patch_names_every_member_of_a_debtor() -> None:
    assert set(DebtorPatch.model_fields) == set(DebtorCreate.model_fields)
    assert set(AddressPatch.model_fields) == set(Address.model_fields)
