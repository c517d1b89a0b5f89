"""Which evidence files are accepted: PDF, PNG, JPEG and TIFF, recognised by their first bytes only (never
by the name or the declared content type, which the sender controls)."""

from __future__ import annotations

#: Leading bytes → media type. TIFF exists in both byte orders.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
ACCEPTED_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/tiff")


def sniff_media_type(data: bytes) -> str | None:
    """The media type of ``data`` from its magic bytes, or ``None`` when it is none of the accepted types."""
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    return None
