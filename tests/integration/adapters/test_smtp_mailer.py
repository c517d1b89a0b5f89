"""``SmtpMailer`` against a real SMTP server (aiosmtpd on 127.0.0.1): the PDF arrives intact, the Message-ID
and the server's answer come back; a server that is not there is a ``MailFailed``."""

from __future__ import annotations

import email
import hashlib
import socket
from email.message import EmailMessage
from email.policy import default

import pytest

from notice_service.adapters.smtp_mailer import MailFailed, SmtpMailer
from notice_service.ports import Attachment, OutgoingMail
from tests.services.smtp import SmtpServer

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n.\n..\r\n%%EOF\n"  # binary, with lines that need dot-stuffing


def test_sends_the_pdf_and_answers_the_message_id_and_reply(smtp_server: SmtpServer) -> None:
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, "relances@atelier.example", starttls=False)
    mail = OutgoingMail(
        to="compta@boulangerie.example",
        subject="Mise en demeure de payer",
        body="Veuillez trouver ci-joint…",
        attachments=(Attachment("mise-en-demeure.pdf", PDF, "application/pdf", "Mise en demeure"),),
    )
    submission = mailer.submit(mail)
    assert submission.reply_code == 250 and "accepted" in submission.reply
    assert submission.server == f"{smtp_server.host}:{smtp_server.port}"
    [received] = smtp_server.messages
    assert received.sender == "relances@atelier.example"
    assert received.recipients == ["compta@boulangerie.example"]
    message = email.message_from_bytes(received.data, policy=default)
    assert isinstance(message, EmailMessage)
    assert message["Message-ID"] == submission.message_id
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "mise-en-demeure.pdf"
    assert attachment.get_content_type() == "application/pdf"
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert hashlib.sha256(payload).hexdigest() == hashlib.sha256(PDF).hexdigest()


def test_an_unreachable_server_is_a_mail_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nobody listens once the probe is closed
    mailer = SmtpMailer("127.0.0.1", port, "relances@atelier.example", starttls=False, timeout=2)
    with pytest.raises(MailFailed, match="did not accept"):
        mailer.submit(OutgoingMail(to="x@example.org", subject="s", body="b"))
