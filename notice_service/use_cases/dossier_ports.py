"""The dossier's own ports: who signs the manifest (detached CMS) and who merges the reading copy.

``CmsManifestSigner`` and ``PypdfDossierMerger`` in ``notice_service.adapters`` implement them;
``bootstrap.build_services`` builds them once into ``Services.manifest_signer`` and ``Services.pdf_merger``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol


class ManifestSigner(Protocol):
    """Signs bytes with the service's signing identity (the PKCS#12 that signs the notices' PDFs)."""

    def sign_detached(self, data: bytes) -> bytes:
        """A DER ``ContentInfo`` (CMS SignedData) over ``data``, without the content, certificates included."""
        ...

    def certificate_sha256(self) -> str:
        """SHA-256 of the signer certificate (DER), hex: to compare out of band."""
        ...


@dataclass(frozen=True)
class MergePart:
    """One bookmarked part of the merged reading copy; ``load`` reads its PDF bytes when the merger needs them."""

    title: str
    load: Callable[[], bytes]


class PdfMerger(Protocol):
    def merge(self, parts: Sequence[MergePart]) -> bytes:
        """One PDF: the parts in order, each with a top-level bookmark (outline item) holding its title."""
        ...
