"""The one HTTP-free error hierarchy of the service.

Every failure a caller can act on is a ``NoticeError`` subclass carrying a stable ``type`` slug (the last
segment of the RFC 9457 ``type`` URI), a ``detail`` a person can act on and, for input errors, per-field
``errors``. Only ``notice_service.web.problems`` maps these to HTTP status codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class FieldError:
    """One invalid input field: a JSON-pointer-like dotted path and what to do about it."""

    field: str
    message: str


class NoticeError(Exception):
    """Root of every error the service raises on purpose."""

    type_slug: ClassVar[str] = "error"
    title: ClassVar[str] = "Error"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldError] = (),
        extra: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = tuple(errors)
        self.extra = dict(extra or {})


class InvalidInput(NoticeError):
    """The request's content is not acceptable; ``errors`` names each field."""

    type_slug = "invalid-input"
    title = "Invalid input"


class NotFound(NoticeError):
    """The resource does not exist for this tenant (another tenant's resource is also 'not found')."""

    type_slug = "not-found"
    title = "Not found"


class Conflict(NoticeError):
    """The request conflicts with the resource's current state (e.g. issuing an issued notice)."""

    type_slug = "conflict"
    title = "Conflict"


class CaseClosed(Conflict):
    """The case is closed: it takes no new notice until it is reopened (409)."""

    type_slug = "case-closed"
    title = "Case closed"


class PreconditionFailed(NoticeError):
    """``If-Match`` names a version that is no longer the current one (412)."""

    type_slug = "precondition-failed"
    title = "Precondition failed"


class PreconditionRequired(NoticeError):
    """An update without ``If-Match`` (428): read the resource first and send its ``ETag``."""

    type_slug = "precondition-required"
    title = "Precondition required"


class Forbidden(NoticeError):
    """The API key is valid but its scope does not allow this operation (403)."""

    type_slug = "insufficient-scope"
    title = "Insufficient scope"


class IdempotencyKeyReused(NoticeError):
    """The same Idempotency-Key was sent before with a different request."""

    type_slug = "idempotency-key-reused"
    title = "Idempotency key reused with a different request"


class Unauthenticated(NoticeError):
    type_slug = "unauthenticated"
    title = "Authentication required"


class PayloadTooLarge(NoticeError):
    type_slug = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaType(NoticeError):
    type_slug = "unsupported-media-type"
    title = "Unsupported media type"


class RateLimited(NoticeError):
    """The API key sent more requests than its quota in the current window; ``extra`` has ``retry_after``."""

    type_slug = "rate-limited"
    title = "Too many requests"


class RateUnknown(NoticeError):
    """A computation needs an official rate that is not in the rate tables."""

    type_slug = "rate-unknown"
    title = "Rate unknown"


class RateSourceFailed(NoticeError):
    """An official rate source (ECB Data Portal, Banque de France Webstat) could not be read or gave an
    answer that failed its checks; nothing was recorded."""

    type_slug = "rate-source-failed"
    title = "Rate source failed"


class IncompleteNotice(NoticeError):
    """The rendered letter lacks a mandatory mention; ``extra['missing']`` lists them."""

    type_slug = "incomplete-notice"
    title = "Incomplete notice"


class DocumentNotFound(NoticeError):
    """The document store has no object under that key."""

    type_slug = "document-not-found"
    title = "Document not found"


class DocumentConflict(NoticeError):
    """A write-once key already holds different bytes."""

    type_slug = "document-conflict"
    title = "Document conflict"


class StoreUnavailable(NoticeError):
    """The document store could not be reached or refused the operation."""

    type_slug = "store-unavailable"
    title = "Document store unavailable"


class SigningFailed(NoticeError):
    type_slug = "signing-failed"
    title = "Signing failed"


class TimeStampFailed(NoticeError):
    type_slug = "timestamp-failed"
    title = "Time-stamping failed"


class RenderFailed(NoticeError):
    type_slug = "render-failed"
    title = "Rendering failed"


class MailFailed(NoticeError):
    """The SMTP server could not be reached or refused the message."""

    type_slug = "mail-failed"
    title = "Mail could not be sent"


class SmsFailed(NoticeError):
    """The SMS provider refused the message or could not be reached; ``extra['retryable']`` says whether
    trying again later may succeed (429, 5xx, no answer) or the request must change (4xx)."""

    type_slug = "sms-failed"
    title = "SMS could not be sent"


class SmsNotConfigured(NoticeError):
    """No SMS provider is configured (the embedded profile has none): ``NOTICE_SMS_PROVIDER``."""

    type_slug = "sms-not-configured"
    title = "No SMS provider configured"


class SmsRefused(NoticeError):
    """The SMS may not go now or to this debtor: opted out, no mobile number, or outside the legal hours
    (``extra['not_before']`` then says when it may go)."""

    type_slug = "sms-refused"
    title = "SMS refused"


class ConfigurationError(NoticeError):
    """Settings are missing or inconsistent; raised at start, never per request."""

    type_slug = "configuration-error"
    title = "Configuration error"


@dataclass(frozen=True)
class AuditFailure:
    """The first record (or object) that failed verification, and why."""

    index: int | None
    reason: str
    details: Mapping[str, object] = field(default_factory=dict)


class NotReady(NoticeError):
    """A dependency the service needs (database, document store) does not answer: ``extra["checks"]`` tells
    which one is down and why (the readiness probe's 503)."""

    type_slug = "not-ready"
    title = "Not ready"


class ProviderUnavailable(NoticeError):
    """A letter provider (Merci Facteur …) could not be reached or answered 5xx/429: try again later."""

    type_slug = "provider-unavailable"
    title = "Provider unavailable"


class UnsafeDocument(InvalidInput):
    """An uploaded file of an accepted type whose content is refused: a PDF with JavaScript, a launch action or
    embedded files, an image bomb, a header that cannot be read (issue 18). ``errors`` names the field."""

    type_slug = "unsafe-document"
    title = "Unsafe document"
