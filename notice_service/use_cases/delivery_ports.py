"""What the e-mail channel needs from a mailer beyond the ``Mailer`` port: the server's answer, recorded as
the ``submitted`` fact's evidence (which server accepted which Message-ID, and what it said)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from notice_service.ports import OutgoingMail


@dataclass(frozen=True)
class MailSubmission:
    message_id: str
    server: str
    reply_code: int
    reply: str


class SubmittingMailer(Protocol):
    def submit(self, mail: OutgoingMail) -> MailSubmission:
        """Send ``mail``; answer the Message-ID and the server's reply to the end of DATA."""
        ...
