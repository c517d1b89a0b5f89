"""Outbound webhook rules, pure: the event types tenants subscribe to, the envelope every event travels in
(Standard Webhooks: ``type``, ``timestamp``, ``data``), the retry schedule (exponential backoff, given up
after three days) and which target URLs are acceptable (http(s) only; private, loopback, link-local and
reserved addresses only where the operator allows them)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from notice_service.domain.audit.records import JsonValue

RETRY_WINDOW = timedelta(days=3)
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(hours=12)
MAX_URL_LENGTH = 2000


class EventType(StrEnum):
    NOTICE_ISSUED = "notice.issued"
    DELIVERY_UPDATED = "delivery.updated"
    DEADLINE_EXPIRED = "deadline.expired"
    PAYMENT_RECORDED = "payment.recorded"
    DOSSIER_READY = "dossier.ready"  # when a dossier export completes (its ZIP stored)
    CASE_CLOSED = "case.closed"  # by a person (with a reason) or by itself as paid when its balance reaches zero
    CASE_REOPENED = "case.reopened"
    CREDIT_NOTE_RECORDED = "credit_note.recorded"
    INVOICE_CANCELLED = "invoice.cancelled"  # a credit note for its whole amount
    DEBTOR_UPDATED = "debtor.updated"  # a PATCH changed it; ``fields`` names what changed
    RUN_COMPLETED = "run.completed"  # a dunning run has no item waiting any more; ``counts`` per item state
    CASE_PAUSED = "case.paused"  # a promise to pay (``kind`` promise, its amount and date) or a manual pause
    CASE_RESUMED = "case.resumed"  # a pause ended: ``outcome`` kept, broken, resumed or cancelled, ``by`` whom
    PROMISE_KEPT = "promise.kept"  # the promised amount arrived by the date (or the case closed as paid)
    PROMISE_BROKEN = "promise.broken"  # the date passed unpaid: the case's dunning resumes by itself
    CALL_RECORDED = "call.recorded"  # a call to the debtor and its outcome


def envelope(event_type: EventType, occurred_at: datetime, data: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """The JSON body of an event, as the Standard Webhooks specification recommends."""
    return {"type": event_type.value, "timestamp": occurred_at.isoformat(), "data": dict(data)}


def next_attempt_at(window_start: datetime, attempt: int, failed_at: datetime) -> datetime | None:
    """When to retry after failed attempt number ``attempt`` (1-based): 5 s, 10 s, 20 s … doubling up to
    12 hours; ``None`` when that would fall more than three days after ``window_start`` (give up)."""
    delay = min(LONGEST_RETRY, FIRST_RETRY * 2 ** min(attempt - 1, 30))
    moment = failed_at + delay
    return moment if moment <= window_start + RETRY_WINDOW else None


def is_public_address(address: str) -> bool:
    """Whether an IP address is globally routable (not private, loopback, link-local, multicast, reserved,
    site-local), and so is every IPv4 address an IPv6 one carries (IPv4-mapped ``::ffff:a.b.c.d``,
    IPv4-compatible ``::a.b.c.d``, NAT64 ``64:ff9b::a.b.c.d``, 6to4 ``2002:AABB:CCDD::``, Teredo's client):
    a gateway would deliver those to the IPv4 address."""
    try:
        parsed = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    if not parsed.is_global or parsed.is_multicast:
        return False
    if isinstance(parsed, ipaddress.IPv4Address):
        return True
    if parsed.is_site_local:
        return False
    return all(is_public_address(str(inner)) for inner in _embedded_ipv4(parsed))


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    embedded = [address.ipv4_mapped, address.sixtofour, address.teredo[1] if address.teredo else None]
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [inner for inner in embedded if inner is not None]


def target_problem(url: str, allow_private: bool) -> str | None:
    """What is wrong with ``url`` as a webhook target, or ``None``. Host names are resolved (and their
    addresses checked again) when sending; here only literal addresses and ``localhost`` can be judged."""
    if len(url) > MAX_URL_LENGTH:
        return f"at most {MAX_URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError on a malformed port
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "an absolute http:// or https:// URL"
    if parts.username or parts.password:
        return "no credentials in the URL; authenticate by verifying the signature"
    if allow_private:
        return None
    host = parts.hostname.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback targets are refused (see NOTICE_WEBHOOK_ALLOW_PRIVATE_TARGETS)"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    if not is_public_address(host):
        return "private, loopback and link-local addresses are refused (see NOTICE_WEBHOOK_ALLOW_PRIVATE_TARGETS)"
    return None
