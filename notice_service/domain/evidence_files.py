"""Which evidence files are accepted: PDF, PNG, JPEG and TIFF, recognised by their first bytes only (never
by the name or the declared content type, which the sender controls); then their content is checked: PDFs
that would act when opened (``pdf_safety``) and images that would decode to too many pixels (``image_safety``)
are refused before they are stored."""

from __future__ import annotations

from notice_service.domain.image_safety import image_problem
from notice_service.domain.pdf_safety import inspect_pdf

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


def content_problem(data: bytes, media_type: str) -> str | None:
    """Why the content of an accepted-type file is refused as evidence (what would act when it is opened, a
    decompression bomb, a header that cannot be read), as advice for the sender; None when it is acceptable."""
    if media_type != "application/pdf":
        return image_problem(data, media_type)
    findings = inspect_pdf(data)
    if findings.hazards:
        return (
            f"the PDF contains {', '.join(findings.hazards)}, which can act when it is opened; "
            "print it to a new PDF (which keeps what it shows) and upload that"
        )
    if findings.unreadable:
        return f"the PDF cannot be checked ({findings.unreadable}); print it to a new PDF and upload that"
    return None
