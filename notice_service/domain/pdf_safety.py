"""What in a PDF can act when it is opened: JavaScript, launch actions, embedded files, rich media, XFA forms.

Evidence files are refused, not neutralised, when they hold any of these: an exhibit is proof, and rewriting
it (removing its actions) would change the bytes whose SHA-256 the audit log names; the sender can print the
document to a new PDF, which keeps what it shows and drops what it does.

The check reads the file's syntax without a PDF library (the domain imports none): every name outside stream
data is read, with its ``#xx`` escapes decoded (``/J#61vaScript`` is ``/JavaScript``); object streams
(``/Type /ObjStm``, where PDF 1.5 compresses dictionaries) are inflated, within a budget, and read the same
way. Stream data that is not an object stream (page content, images, fonts) is skipped: names there are not
dictionary keys and binary data would match by chance. A file the check cannot read completely (encrypted,
an object stream in a filter other than Flate, with a predictor, or inflating past the budget) is refused too:
what cannot be checked is not accepted.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

#: Names → what they mean, for the problem's detail.
HAZARDS: dict[bytes, str] = {
    b"JavaScript": "JavaScript",
    b"JS": "JavaScript",
    b"Launch": "a launch action",
    b"EmbeddedFiles": "embedded files",
    b"EmbeddedFile": "embedded files",
    b"FileAttachment": "a file attachment",
    b"RichMedia": "rich media",
    b"XFA": "an XFA form (it can hold scripts)",
}
#: Object streams may inflate to at most this many bytes in all, or this many times the file's size.
INFLATE_BUDGET = 64 * 1024 * 1024
INFLATE_RATIO = 20

_NAME = re.compile(rb"/([^\x00\t\n\x0c\r /%()<>\[\]{}]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n")
_END_STREAM = b"endstream"
_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")


@dataclass(frozen=True)
class PdfFindings:
    hazards: tuple[str, ...]  # what acts when the file is opened, each once, in the order found
    unreadable: str | None  # why the file could not be checked completely, or None


def _unescape(name: bytes) -> bytes:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name) if b"#" in name else name


def _name_list(data: bytes) -> list[bytes]:
    return [_unescape(name) for name in _NAME.findall(data)]


def _names(data: bytes) -> set[bytes]:
    return set(_name_list(data))


def _split(data: bytes) -> tuple[list[bytes], list[tuple[bytes, bytes]]]:
    """The file outside stream data, and each stream as (its dictionary's text, its data)."""
    outside: list[bytes] = []
    streams: list[tuple[bytes, bytes]] = []
    position = 0
    while (match := _STREAM.search(data, position)) is not None:
        end = data.find(_END_STREAM, match.end())
        if end < 0:
            break
        before = data[position : match.start()]
        outside.append(before)
        objects = list(_OBJ.finditer(before))
        dictionary = before[objects[-1].end() :] if objects else before[-4096:]
        streams.append((dictionary, data[match.end() : end]))
        position = end + len(_END_STREAM)
    outside.append(data[position:])
    return outside, streams


def _inflate(stream: bytes, budget: int) -> bytes | None:
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(stream, budget + 1)
    except zlib.error:
        return None
    return None if len(inflated) > budget else inflated


def _object_stream(dictionary: bytes, stream: bytes, budget: int) -> tuple[bytes | None, str | None]:
    """The inflated text of an object stream, or why it cannot be read."""
    listed = _name_list(dictionary)
    names = set(listed)
    if b"DecodeParms" in names or b"DP" in names:
        return None, "an object stream uses a predictor"
    filters = names & {b"FlateDecode", b"Fl", b"LZWDecode", b"ASCII85Decode", b"ASCIIHexDecode", b"RunLengthDecode"}
    if not filters:
        return stream, None
    if filters - {b"FlateDecode", b"Fl"} or sum(name in (b"FlateDecode", b"Fl") for name in listed) > 1:
        return None, "an object stream uses a filter other than Flate"
    inflated = _inflate(stream, budget)
    return (inflated, None) if inflated is not None else (None, "an object stream does not inflate within the limit")


def inspect_pdf(data: bytes) -> PdfFindings:
    """What in ``data`` (a PDF) would act when it is opened, and whether it could all be read."""
    outside, streams = _split(data)
    names = _names(b"\n".join(outside))
    unreadable = "the file is encrypted" if b"Encrypt" in names else None
    budget = min(INFLATE_BUDGET, INFLATE_RATIO * max(len(data), 1))
    for dictionary, stream in streams:
        if (b"ObjStm" not in dictionary and b"#" not in dictionary) or b"ObjStm" not in _names(dictionary):
            continue
        text, problem = _object_stream(dictionary, stream, budget) if budget > 0 else (None, "too much to inflate")
        if text is None:
            unreadable = unreadable or problem
            continue
        budget -= len(text)
        names |= _names(text)
    found = [meaning for name, meaning in HAZARDS.items() if name in names]
    return PdfFindings(tuple(dict.fromkeys(found)), unreadable)
