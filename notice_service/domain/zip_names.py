"""Names of ZIP members that extract where they say, on every system: no path tricks.

A member name comes (in part) from what tenants type: a document's title, a debtor's name, a case reference.
Extracted by a careless tool, ``../../.bashrc`` or ``/etc/cron.d/x`` writes outside the target folder
(zip slip), ``C:\\Windows\\x`` or ``a\\..\\..\\b`` does on Windows, and control or bidirectional-format
characters hide the real name (``facture\u202efdp.exe`` shows as ``facture exe.pdf``). ``safe_member_name``
keeps the relative, forward-slashed path and drops the rest; ``is_safe_member_name`` says whether a name is
already in that form (the ZIP writer refuses any other).
"""

from __future__ import annotations

import unicodedata

MAX_PART = 120
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)


def _part(text: str) -> str:
    cleaned = text.replace(":", "-").strip().rstrip(". ")  # drive letters, streams; Windows drops trailing dots
    if cleaned.split(".", 1)[0].lower() in _WINDOWS_RESERVED:
        cleaned = f"_{cleaned}"
    return cleaned[:MAX_PART].rstrip(". ")


def safe_member_name(path: str) -> str:
    """``path`` as a safe relative member name: NFC, no control or format characters, ``/`` only, no empty,
    ``.`` or ``..`` segment, no drive or stream colon, no Windows device name; ``fichier`` if nothing is left."""
    text = unicodedata.normalize("NFC", path)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    parts = [_part(part) for part in text.replace("\\", "/").split("/")]
    kept = [part for part in parts if part and part not in (".", "..")]
    return "/".join(kept) or "fichier"


def is_safe_member_name(path: str) -> bool:
    return path == safe_member_name(path)
