"""The verification block a letter prints: its code and ``<NOTICE_PUBLIC_URL>/v/<code>`` (issue 15).

Decision (README "Checking a letter is genuine"): the code is made when the notice is drafted, so the preview
shows the block where the letter will print it, and the draft keeps it through issue; only the base URL is
taken again at issue (the letter prints the service's public URL of that day). A notice drafted before codes
existed gets its code at issue, before rendering. A code is never given to another notice (unique column, and
notices are never deleted). Only an issued notice answers on the page: a draft's code is "unknown" there.
"""

from __future__ import annotations

from typing import Any

from notice_service.domain.verification_codes import grouped, verification_url
from notice_service.services import Services


def verification_block(services: Services, code: str) -> dict[str, Any]:
    """The ``verification`` entry of the letter's data: the grouped code and the URL to print."""
    return {"code": grouped(code), "url": verification_url(services.settings.resolved_public_url, code)}
