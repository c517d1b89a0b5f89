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
    stable_id: str | None = None  # the Message-ID's left part (the mailer adds its domain): a retry is recognisable


@dataclass(frozen=True)
class MailSubmission:
    """What the server said when it took the message: the ``submitted`` fact's evidence (which server accepted
    which Message-ID, and its reply to the end of DATA)."""

    message_id: str
    server: str
    reply_code: int
    reply: str


class Mailer(Protocol):
    """The e-mail channel's mailer (one port: submitting a message answers the server's reply as evidence)."""

    def submit(self, mail: OutgoingMail) -> MailSubmission:
        """Send ``mail``; answer the Message-ID and the server's reply to the end of DATA."""
        ...
