"""One contract for every mailer: ``submit(mail) -> MailSubmission``, against real SMTP servers on 127.0.0.1.

The happy path runs against ``smtp_server`` (aiosmtpd, ``tests/services/smtp.py``); refusals against small
aiosmtpd handlers and raw sockets started here (a refused RCPT or DATA, a refused greeting, nobody listening,
a server that never speaks). Every wait is bounded by the mailer's timeout (2 s, 0.5 s for the silent server).

Bad inputs must either raise a service error (``NoticeError``) with nothing sent, or be sent safely. The
``SmtpMailer`` refuses them with ``MailFailed`` before connecting (one plain ASCII address, headers without CR/LF).
"""

from __future__ import annotations

import contextlib
import email
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
import weasyprint
from aiosmtpd.controller import Controller

from notice_service.adapters.smtp_mailer import SmtpMailer
from notice_service.errors import MailFailed, NoticeError
from notice_service.ports import Attachment, Mailer, MailSubmission, OutgoingMail
from tests.services.smtp import SmtpServer

SENDER = "relances@atelier-durand.example"
RECIPIENT = "compta@boulangerie-martin.example"
VICTIM = "victim@evil.example"
TIMEOUT = 2.0

MailerFactory = Callable[[str, int, float], Mailer]  # host, port, timeout in seconds
MAILERS: dict[str, MailerFactory] = {
    "smtp": lambda host, port, timeout: SmtpMailer(host, port, SENDER, starttls=False, timeout=timeout),
}

SUBJECT = "Mise en demeure de payer — facture F-2026-0042, délai de huit jours"
BODY = (
    "Madame, Monsieur,\n\n"
    "Veuillez trouver ci-joint la mise en demeure de payer la somme de 1\u202f234,56\u00a0€.\n"
    ".\n"  # alone on its line, this is SMTP's end of data unless dot-stuffed
    "..deux points en tête de ligne\n"
    "From the creditor, a line mbox readers like to mangle\n"
)
CSV = "facture;montant\r\nF-2026-0042;1\u202f234,56 €\nF-2026-0043;12,00 €\r\n".encode()  # mixed line ends


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    pdf = bytes(weasyprint.HTML(string="<p>Mise en demeure de payer</p>").write_pdf())
    return pdf + b"%" + bytes(range(256)) * 8 + b"\n.\n..\r\n%%EOF\n"  # binary, with lines needing dot-stuffing


@pytest.fixture(params=sorted(MAILERS))
def make_mailer(request: pytest.FixtureRequest) -> MailerFactory:
    return MAILERS[request.param]


@pytest.fixture
def mailer(make_mailer: MailerFactory, smtp_server: SmtpServer) -> Mailer:
    return make_mailer(smtp_server.host, smtp_server.port, TIMEOUT)


def parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def free_port() -> int:
    with socket.socket() as probe:  # nobody listens once the probe is closed
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# The message arrives intact, and the submission is the server's own answer.


def test_the_message_arrives_intact(mailer: Mailer, smtp_server: SmtpServer, letter_pdf: bytes) -> None:
    attachments = (
        Attachment("mise-en-demeure-N-2026-000123.pdf", letter_pdf, "application/pdf", "Mise en demeure"),
        Attachment("décompte.csv", CSV, "text/csv", "Décompte"),
    )
    mailer.submit(OutgoingMail(to=RECIPIENT, subject=SUBJECT, body=BODY, attachments=attachments))

    [received] = smtp_server.messages
    assert received.sender == SENDER
    assert received.recipients == [RECIPIENT]
    message = parsed(received.data)
    assert message["From"] == SENDER
    assert message["To"] == RECIPIENT
    assert message["Subject"] == SUBJECT
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert text.get_content() == BODY.replace("\n", "\r\n")  # SMTP's canonical line ends, nothing else changed
    arrived = [(a.get_filename(), a.get_content_type(), a.get_payload(decode=True)) for a in message.iter_attachments()]
    assert arrived == [(a.filename, a.mime_type, a.data) for a in attachments]  # byte-exact, in order


def test_the_submission_is_the_servers_answer(mailer: Mailer, smtp_server: SmtpServer) -> None:
    submission = mailer.submit(OutgoingMail(to=RECIPIENT, subject=SUBJECT, body=BODY))
    assert isinstance(submission, MailSubmission)
    [received] = smtp_server.messages
    assert parsed(received.data)["Message-ID"] == submission.message_id
    assert submission.reply_code == 250
    assert submission.reply == "Message accepted for delivery"  # aiosmtpd's words, not the mailer's
    assert submission.server == f"{smtp_server.host}:{smtp_server.port}"


def test_each_message_has_its_own_well_formed_message_id(mailer: Mailer, smtp_server: SmtpServer) -> None:
    ids = [mailer.submit(OutgoingMail(to=RECIPIENT, subject=SUBJECT, body=BODY)).message_id for _ in range(3)]
    assert len(set(ids)) == 3
    for message_id in ids:
        assert message_id.startswith("<") and message_id.endswith(">") and message_id.count("@") == 1, message_id
    assert [parsed(m.data)["Message-ID"] for m in smtp_server.messages] == ids


# A server that refuses, or is not there, is a MailFailed.


class _Refuses:
    """An aiosmtpd handler answering ``answer`` to one verb (RCPT or DATA) and accepting the others."""

    def __init__(self, verb: str, answer: str) -> None:
        self.verb, self.answer = verb, answer
        self.accepted: list[bytes] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.verb == "RCPT":
            return self.answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.verb == "DATA":
            return self.answer
        self.accepted.append(envelope.original_content)
        return "250 OK"


@contextlib.contextmanager
def refusing_server(verb: str, answer: str) -> Iterator[tuple[int, _Refuses]]:
    handler = _Refuses(verb, answer)
    port = free_port()  # aiosmtpd's start-up check cannot use port 0
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


@pytest.mark.parametrize(
    ("verb", "answer"),
    [
        ("RCPT", "550 5.1.1 No such user here"),
        ("DATA", "554 5.7.1 Message rejected as spam"),
        ("DATA", "451 4.3.0 Temporary failure, try later"),
    ],
)
def test_a_refusal_is_a_mail_failure(make_mailer: MailerFactory, verb: str, answer: str) -> None:
    with refusing_server(verb, answer) as (port, handler):
        mailer = make_mailer("127.0.0.1", port, TIMEOUT)
        with pytest.raises(MailFailed) as failed:
            mailer.submit(OutgoingMail(to=RECIPIENT, subject=SUBJECT, body=BODY))
    assert answer.split(" ", 1)[0] in failed.value.detail  # the server's code is kept for the operator
    assert handler.accepted == []


@contextlib.contextmanager
def greeting_refusal() -> Iterator[int]:
    """A raw server answering every connection ``554`` at once (RFC 5321 §3.1: no service here)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(TIMEOUT)

    def serve() -> None:
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            with connection:
                connection.sendall(b"554 5.3.2 No SMTP service here\r\n")
                connection.settimeout(TIMEOUT)
                connection.recv(1024)  # the client's QUIT, or its close

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        listener.close()
        thread.join(TIMEOUT + 1)


def test_a_refused_greeting_is_a_mail_failure(make_mailer: MailerFactory) -> None:
    with greeting_refusal() as port:
        mailer = make_mailer("127.0.0.1", port, TIMEOUT)
        with pytest.raises(MailFailed):
            mailer.submit(OutgoingMail(to=RECIPIENT, subject=SUBJECT, body=BODY))


def test_nobody_listening_is_a_mail_failure(make_mailer: MailerFactory) -> None:
    mailer = make_mailer("127.0.0.1", free_port(), TIMEOUT)
    with pytest.raises(MailFailed):
        mailer.submit(OutgoingMail(to=RECIPIENT, subject=SUBJECT, body=BODY))


def test_a_server_that_never_speaks_is_a_mail_failure_within_the_timeout(make_mailer: MailerFactory) -> None:
    with socket.create_server(("127.0.0.1", 0), backlog=1) as silent:  # the kernel accepts; nobody answers
        mailer = make_mailer("127.0.0.1", int(silent.getsockname()[1]), 0.5)
        started = time.monotonic()
        with pytest.raises(MailFailed):
            mailer.submit(OutgoingMail(to=RECIPIENT, subject=SUBJECT, body=BODY))
        assert time.monotonic() - started < 3


# Bad inputs: a service error with nothing sent, or sent safely.


def test_a_huge_subject_is_folded_within_the_line_limit_and_arrives_whole(
    mailer: Mailer, smtp_server: SmtpServer
) -> None:
    subject = "Mise en demeure de payer — délai de huit jours à compter de la réception " * 150  # 11 kB
    mailer.submit(OutgoingMail(to=RECIPIENT, subject=subject, body=BODY))
    [received] = smtp_server.messages
    assert max(len(line) for line in received.data.split(b"\r\n")) <= 998  # RFC 5322 §2.1.1
    assert parsed(received.data)["Subject"] == subject


@pytest.mark.xfail(
    strict=True,
    reason="CPython 3.11.7 email folding (policy SMTP) drops the space between two encoded words: the "
    "subject 'Délai Délai …' (over ~80 characters) arrives as '… DélaiDélai …'. Not SmtpMailer's code.",
)
def test_a_long_subject_of_accented_words_arrives_whole(mailer: Mailer, smtp_server: SmtpServer) -> None:
    subject = "Délai " * 20
    mailer.submit(OutgoingMail(to=RECIPIENT, subject=subject, body=BODY))
    [received] = smtp_server.messages
    assert parsed(received.data)["Subject"] == subject


INJECTIONS = {
    "to": OutgoingMail(to=f"{RECIPIENT}\r\nBcc: {VICTIM}", subject=SUBJECT, body=BODY),
    "to-lf": OutgoingMail(to=f"{RECIPIENT}\nBcc: {VICTIM}", subject=SUBJECT, body=BODY),
    "subject": OutgoingMail(to=RECIPIENT, subject=f"{SUBJECT}\r\nBcc: {VICTIM}", body=BODY),
    "filename": OutgoingMail(
        to=RECIPIENT,
        subject=SUBJECT,
        body=BODY,
        attachments=(Attachment(f"a.pdf\r\nBcc: {VICTIM}", b"%PDF-1.7\n%%EOF\n", "application/pdf", "x"),),
    ),
}


@pytest.mark.parametrize("field", sorted(INJECTIONS))
def test_header_injection_reaches_no_one(mailer: Mailer, smtp_server: SmtpServer, field: str) -> None:
    """Whatever the mailer does with CR/LF in a header, no injected header and no injected recipient leave."""
    refused = False
    try:
        mailer.submit(INJECTIONS[field])
    except Exception:  # which exception is the next test's business
        refused = True
    assert refused or smtp_server.messages, "neither refused nor sent"
    for received in smtp_server.messages:
        assert VICTIM not in received.recipients
        assert b"\nBcc:" not in received.data and parsed(received.data)["Bcc"] is None


@pytest.mark.parametrize("field", sorted(INJECTIONS))
def test_header_injection_is_a_service_error(mailer: Mailer, smtp_server: SmtpServer, field: str) -> None:
    with pytest.raises(NoticeError):
        mailer.submit(INJECTIONS[field])
    assert smtp_server.messages == []


def test_an_empty_recipient_is_a_service_error_and_nothing_is_sent(mailer: Mailer, smtp_server: SmtpServer) -> None:
    with pytest.raises(NoticeError):
        mailer.submit(OutgoingMail(to="", subject=SUBJECT, body=BODY))
    assert smtp_server.messages == []


def test_several_addresses_are_refused_or_all_delivered(mailer: Mailer, smtp_server: SmtpServer) -> None:
    both = [RECIPIENT, "avocat@cabinet.example"]
    try:
        mailer.submit(OutgoingMail(to=", ".join(both), subject=SUBJECT, body=BODY))
    except NoticeError:
        assert smtp_server.messages == []
        return
    [received] = smtp_server.messages
    assert received.recipients == both


@pytest.mark.parametrize("address", ["élodie.martin@boulangerie.example", "compta@boulangerie-lépine.example"])
def test_a_non_ascii_address_is_refused_or_delivered_to_that_mailbox(
    mailer: Mailer, smtp_server: SmtpServer, address: str
) -> None:
    local, _, domain = address.partition("@")
    try:
        mailer.submit(OutgoingMail(to=address, subject=SUBJECT, body=BODY))
    except NoticeError:
        assert smtp_server.messages == []
        return
    [received] = smtp_server.messages
    assert received.recipients[0] in (address, f"{local}@{domain.encode('idna').decode('ascii')}")
