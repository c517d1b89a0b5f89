"""How many pixels an image would decode to, read from its header alone: decompression bombs are refused
before anything decodes them (a few kilobytes of PNG can inflate to gigabytes of pixels).

PNG: the IHDR chunk. JPEG: the start-of-frame segment (a height of 0, to be given by a DNL marker later, is
refused as unknown). TIFF: every image file directory (each page), followed with loop detection. The limit is
Pillow's default ``MAX_IMAGE_PIXELS`` (89 478 485, about 9 460 × 9 460): an A4 page scanned at 600 dpi is
35 million pixels. A header that cannot be read is not refused here: without one, no decoder (Pillow, a
viewer) can produce pixels from the file either; it stays the bytes it is, as the sniffing accepted them.
"""

from __future__ import annotations

import struct

MAX_IMAGE_PIXELS = 89_478_485
MAX_TIFF_PAGES = 1000
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


class ImageHeaderError(ValueError):
    """The header cannot be read: the image is damaged or not what its first bytes say."""


class _TooManyPages(Exception):
    pass


def _png_sizes(data: bytes) -> list[tuple[int, int]]:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise ImageHeaderError("the PNG has no IHDR header")
    width, height = struct.unpack(">II", data[16:24])
    return [(width, height)]


def _jpeg_sizes(data: bytes) -> list[tuple[int, int]]:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise ImageHeaderError("the JPEG's markers are damaged")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _STANDALONE:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in _SOF:
            if position + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return [(width, height)]
        if marker in (0xD9, 0xDA) or length < 2:
            break
        position += 2 + length
    raise ImageHeaderError("the JPEG has no frame header")


def _tiff_value(data: bytes, order: str, entry: int) -> tuple[int, int]:
    tag, kind = struct.unpack(order + "HH", data[entry : entry + 4])
    if kind == 3:  # SHORT
        return tag, struct.unpack(order + "H", data[entry + 8 : entry + 10])[0]
    if kind == 4:  # LONG
        return tag, struct.unpack(order + "I", data[entry + 8 : entry + 12])[0]
    return tag, -1


def _tiff_sizes(data: bytes) -> list[tuple[int, int]]:
    order = "<" if data[:2] == b"II" else ">"
    try:
        (offset,) = struct.unpack(order + "I", data[4:8])
        sizes: list[tuple[int, int]] = []
        seen: set[int] = set()
        while offset and len(sizes) < MAX_TIFF_PAGES:
            if offset in seen:
                raise ImageHeaderError("the TIFF's directories loop")
            seen.add(offset)
            (count,) = struct.unpack(order + "H", data[offset : offset + 2])
            values = dict(_tiff_value(data, order, offset + 2 + 12 * i) for i in range(count))
            sizes.append((values.get(256, 0), values.get(257, 0)))
            (offset,) = struct.unpack(order + "I", data[offset + 2 + 12 * count : offset + 6 + 12 * count])
    except struct.error as exc:
        raise ImageHeaderError("the TIFF's directories are truncated") from exc
    if offset:
        raise _TooManyPages(f"the TIFF has more than {MAX_TIFF_PAGES} pages")
    if not sizes:
        raise ImageHeaderError("the TIFF has no image directory")
    return sizes


def image_problem(data: bytes, media_type: str) -> str | None:
    """Why the image ``data`` (of ``media_type``, already sniffed) is refused, or None."""
    reader = {"image/png": _png_sizes, "image/jpeg": _jpeg_sizes, "image/tiff": _tiff_sizes}.get(media_type)
    if reader is None:
        return None
    try:
        sizes = reader(data)
    except ImageHeaderError:
        return None  # no size to read: nothing (Pillow, a viewer) can decode it into pixels either
    except _TooManyPages as exc:
        return str(exc)
    for width, height in sizes:
        if width <= 0 or height <= 0:
            return "the image's width or height is missing or zero"
        if width * height > MAX_IMAGE_PIXELS:
            return (
                f"the image is {width} × {height} pixels, more than the {MAX_IMAGE_PIXELS} accepted "
                "(a decompression bomb, or a scan at too high a resolution: 300 dpi is enough)"
            )
    return None
