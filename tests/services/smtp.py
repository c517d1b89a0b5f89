"""A real SMTP server for the tests: ``aiosmtpd``'s controller on 127.0.0.1, keeping every message received.

``running_smtp`` starts one (optionally with a handler of the caller's); ``smtp_server`` starts one per test
(it is cheap); ``messages`` holds the envelopes as they arrived, and
the server's answer to DATA is aiosmtpd's ``250 Message accepted for delivery``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class _Keeper:
    messages: list[ReceivedMail] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls handle_<VERB>
        self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    messages: list[ReceivedMail]


@contextmanager
def running_smtp(handler: object | None = None) -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1 and a free port, answering with ``handler`` (aiosmtpd's ``handle_<VERB>``
    methods); without one it keeps every message in ``messages`` (with one, the handler keeps what it wants)."""
    keeper = _Keeper()
    with socket.socket() as probe:  # a free port: aiosmtpd's start-up check cannot use port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(keeper if handler is None else handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, keeper.messages)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server
