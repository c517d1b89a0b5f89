"""The checks every upload passes before anything is stored: the size cap, the media type recognised by its first
bytes (PDF, PNG, JPEG or TIFF), and no content that would act when opened or decode to a bomb (``UnsafeDocument``).

Shared by a case's documents (``cases/documents.py``), a delivery's evidence (``delivery/recording.py``) and an
invoice's PDF copy (``claims/invoices.py``, which has its own size and PDF checks).
"""

from __future__ import annotations

from notice_service.domain.evidence_files import ACCEPTED_TYPES, content_problem, sniff_media_type
from notice_service.errors import FieldError, PayloadTooLarge, UnsafeDocument, UnsupportedMediaType
from notice_service.services import Services

EVIDENCE_REFUSED = "The file is not accepted as evidence"


def checked_media_type(services: Services, data: bytes, field: str = "file", noun: str = "Documents") -> str:
    """The media type of an upload within the size cap, recognised by its first bytes; refused otherwise.
    ``noun`` names what the uploads are in the refusal ("Documents", "Evidence files")."""
    limit = services.settings.max_upload_bytes
    if len(data) > limit:
        raise PayloadTooLarge(
            f"The file is larger than the {limit} bytes accepted.", errors=[FieldError(field, "file too large")]
        )
    media_type = sniff_media_type(data)
    if media_type is None:
        raise UnsupportedMediaType(
            f"{noun} must be one of {', '.join(ACCEPTED_TYPES)} (recognised by their content).",
            errors=[FieldError(field, "not a PDF, PNG, JPEG or TIFF file")],
        )
    refuse_unsafe_content(data, media_type, field)
    return media_type


def refuse_unsafe_content(data: bytes, media_type: str, field: str, refused: str = EVIDENCE_REFUSED) -> None:
    """Refuse (before anything is stored) a file whose content would act when opened or decode to a bomb;
    ``refused`` opens the message, the problem follows it."""
    problem = content_problem(data, media_type)
    if problem is not None:
        raise UnsafeDocument(f"{refused}: {problem}.", errors=[FieldError(field, problem)])
