"""JSON Merge Patch (RFC 7396): a patch object's members replace the target's, ``null`` removes one, objects
merge recursively, anything else (arrays included) replaces the whole value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    """The result of applying ``patch`` to ``target`` (neither is modified)."""
    if not isinstance(patch, Mapping):
        return patch
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
