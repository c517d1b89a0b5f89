"""``SmtpMailer``: sends mail with attachments over SMTP (``smtplib``), STARTTLS and AUTH when configured.

It implements the ``Mailer`` port: ``submit`` answers the Message-ID and the server's reply to the end of DATA,
kept as evidence. Library errors become ``MailFailed``.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import getaddresses, make_msgid

from notice_service.errors import MailFailed
from notice_service.ports import MailSubmission, OutgoingMail


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._starttls, self._username, self._password = starttls, username, password
        self._timeout = timeout
        self._tls_context = tls_context or ssl.create_default_context()

    def _message(self, mail: OutgoingMail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        domain = self._sender.rpartition("@")[2] or "localhost"
        message["Message-ID"] = f"<{mail.stable_id}@{domain}>" if mail.stable_id else make_msgid(domain=domain)
        message.set_content(mail.body)
        for attachment in mail.attachments:
            maintype, _, subtype = attachment.mime_type.partition("/")
            message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
        return message

    def submit(self, mail: OutgoingMail) -> MailSubmission:
        _check_recipient(mail.to)
        try:
            message = self._message(mail)
        except ValueError as exc:  # the email package refuses CR/LF in a header (no injection reaches anyone)
            raise MailFailed(f"The message cannot be built: {exc}") from exc
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as client:
                client.ehlo()
                if self._starttls:
                    client.starttls(context=self._tls_context)
                    client.ehlo()
                if self._username is not None:
                    client.login(self._username, self._password or "")
                code, reply = _transmit(client, self._sender, mail.to, message)
        except (smtplib.SMTPException, OSError) as exc:
            refused = _reply_code(exc)
            raise MailFailed(
                f"The mail server {self._host}:{self._port} did not accept the message: {exc}",
                extra={"smtp_code": refused, "permanent": refused is not None and 500 <= refused < 600},
            ) from exc
        return MailSubmission(str(message["Message-ID"]), f"{self._host}:{self._port}", code, reply)


def _reply_code(exc: Exception) -> int | None:
    """The server's reply code in a refusal (``None`` when it never answered: unreachable, timed out). A 5xx is
    permanent (RFC 5321 4.2.1: do not repeat the same request), a 4xx or no answer is worth retrying."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        return max(codes) if codes else None
    return exc.smtp_code if isinstance(exc, smtplib.SMTPResponseException) else None


def _check_recipient(address: str) -> None:
    """Exactly one plain ASCII address: an empty one would be accepted as ``RCPT TO:<>`` by lenient servers (a
    mail to nobody recorded as submitted), and of ``a, b`` the envelope would carry only ``a``."""
    found = getaddresses([address])
    if len(found) != 1 or not found[0][1] or found[0][1] != address.strip() or "@" not in address:
        raise MailFailed(f"The recipient must be one e-mail address, not {address!r}.", extra={"permanent": True})
    if not address.isascii() or any(c in address for c in "\r\n\t <>"):
        raise MailFailed(
            f"The recipient {address!r} is not a plain ASCII e-mail address (no SMTPUTF8 here).",
            extra={"permanent": True},
        )


def _transmit(client: smtplib.SMTP, sender: str, recipient: str, message: EmailMessage) -> tuple[int, str]:
    """MAIL, RCPT, DATA by hand: ``send_message`` drops the reply to DATA, which is our evidence."""
    code, reply = client.mail(sender)
    if code >= 400:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = client.rcpt(recipient)
    if code >= 400:
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = client.data(message.as_bytes(policy=SMTP))
    if code >= 400:
        raise smtplib.SMTPDataError(code, reply)
    return code, reply.decode("utf-8", errors="replace")
