"""Timing and error-counting wrappers around the adapters, applied once at the composition root.

``bootstrap.build_services`` hands each adapter to the matching ``timed_*`` or ``counted_*`` function; the use
cases keep calling the ports and never know. A wrapper changes nothing of what its adapter answers or raises:
it observes the call's duration in its histogram, or counts a failed call in ``notice_provider_errors`` and
re-raises.

The document store is timed in place (its methods are wrapped on the instance) rather than behind a proxy:
code and tests ask ``isinstance(services.store, S3DocumentStore)``, which a proxy would answer wrongly.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from notice_service.observability.metrics import PROVIDER_ERRORS, RENDER_SECONDS, SIGN_SECONDS, STORE_SECONDS
from notice_service.ports import (
    DocumentStore,
    LetterRequest,
    Mailer,
    MailSubmission,
    OutgoingMail,
    RenderedLetter,
    Renderer,
    SendOutcome,
    SignedPdf,
    Signer,
    TimeStamper,
    TimeStampToken,
    WebhookSender,
)

S = TypeVar("S", bound=DocumentStore)
STORE_OPERATIONS = ("put", "put_file", "get", "stat")


@contextmanager
def counting_errors(provider: str, operation: str) -> Iterator[None]:
    """Count an exception leaving the block as one error of ``provider``'s ``operation``, and re-raise it."""
    try:
        yield
    except Exception:
        PROVIDER_ERRORS.labels(provider=provider, operation=operation).inc()
        raise


class TimedRenderer:
    """A ``Renderer`` whose renders are observed in ``notice_render_seconds{kind}``."""

    def __init__(self, inner: Renderer) -> None:
        self.inner = inner

    def render(self, request: LetterRequest) -> RenderedLetter:
        with RENDER_SECONDS.labels(kind=request.kind).time():
            return self.inner.render(request)

    def template_digest(self, kind: str, variant: str) -> str:
        return self.inner.template_digest(kind, variant)


class TimedSigner:
    """A ``Signer`` whose signatures are observed in ``notice_sign_seconds``."""

    def __init__(self, inner: Signer) -> None:
        self.inner = inner

    def sign(self, pdf: bytes, *, reason: str, location: str | None = None) -> SignedPdf:
        with SIGN_SECONDS.time():
            return self.inner.sign(pdf, reason=reason, location=location)


def _timed(operation: str, method: Callable[..., Any]) -> Callable[..., Any]:
    histogram = STORE_SECONDS.labels(operation=operation)

    @functools.wraps(method)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            histogram.observe(time.perf_counter() - started)

    return timed


def timed_store(store: S) -> S:
    """``store`` itself, its put/put_file/get/stat observed in ``notice_store_seconds{operation}`` (once)."""
    for name in STORE_OPERATIONS:
        method = getattr(store, name)
        if not getattr(method, "notice_timed", False):
            wrapped = _timed(name, method)
            wrapped.notice_timed = True  # type: ignore[attr-defined]
            setattr(store, name, wrapped)
    return store


class CountedMailer:
    """A ``Mailer`` whose failed submissions count as ``smtp`` provider errors."""

    def __init__(self, inner: Mailer) -> None:
        self.inner = inner

    def submit(self, mail: OutgoingMail) -> MailSubmission:
        with counting_errors("smtp", "submit"):
            return self.inner.submit(mail)


class CountedWebhookSender:
    """A ``WebhookSender`` whose unsuccessful deliveries (an exception or a failed outcome) count as errors."""

    def __init__(self, inner: WebhookSender) -> None:
        self.inner = inner

    def send(self, url: str, secret: str, message_id: str, body: str) -> SendOutcome:
        with counting_errors("webhook", "send"):
            outcome = self.inner.send(url, secret, message_id, body)
        if not outcome.succeeded:
            PROVIDER_ERRORS.labels(provider="webhook", operation="send").inc()
        return outcome


class CountedTimeStamper:
    """A ``TimeStamper`` whose failures (every TSA of the failover list refused) count as ``tsa`` errors."""

    def __init__(self, inner: TimeStamper) -> None:
        self.inner = inner

    def timestamp(self, data: bytes) -> TimeStampToken:
        with counting_errors("tsa", "timestamp"):
            return self.inner.timestamp(data)
