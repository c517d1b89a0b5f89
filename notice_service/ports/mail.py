"""E-mail: the message, and the mailer that submits it and answers the server's reply as evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from notice_service.ports.letters import Attachment


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    body: str
    attachments: Sequence[Attachment] = ()


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> str:
        """Send and answer the Message-ID."""
        ...


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
