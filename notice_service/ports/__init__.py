"""The ports: small Protocols named by role that the use cases depend on, and the value types that cross them.

This package is their one home (one module per concern, all re-exported here: import them from
``notice_service.ports``). Adapters in ``notice_service.adapters`` implement them; each port has one contract
suite under ``tests/contract/`` that every implementation, real adapter or twin, passes with the same assertions.
"""

from __future__ import annotations

from notice_service.ports.clock import Clock
from notice_service.ports.documents import DocumentStore, StoredObject
from notice_service.ports.dossier import MergePart, PdfMerger
from notice_service.ports.letters import Attachment, LetterRequest, PdfTextExtractor, RenderedLetter, Renderer
from notice_service.ports.mail import Mailer, MailSubmission, OutgoingMail
from notice_service.ports.postal import (
    PostalAddress,
    PostalProvider,
    Proof,
    ProofKind,
    ProviderAmbiguous,
    ProviderError,
    ProviderEvent,
    Quote,
    Receipt,
    ServiceLevel,
    Submission,
)
from notice_service.ports.rates import RateFeed
from notice_service.ports.signing import CheckpointSigner, ManifestSigner, SignatureFacts, SignedPdf, Signer
from notice_service.ports.sms import OutgoingSms, SmsReceipt, SmsSender
from notice_service.ports.timestamps import TimeStamper, TimeStampToken, TimeStampVerifier, VerifiedToken
from notice_service.ports.webhooks import SendOutcome, WebhookSender

__all__ = [
    "Attachment",
    "CheckpointSigner",
    "Clock",
    "DocumentStore",
    "LetterRequest",
    "MailSubmission",
    "Mailer",
    "ManifestSigner",
    "MergePart",
    "OutgoingMail",
    "OutgoingSms",
    "PdfMerger",
    "PdfTextExtractor",
    "PostalAddress",
    "PostalProvider",
    "Proof",
    "ProofKind",
    "ProviderAmbiguous",
    "ProviderError",
    "ProviderEvent",
    "Quote",
    "RateFeed",
    "Receipt",
    "RenderedLetter",
    "Renderer",
    "SendOutcome",
    "ServiceLevel",
    "SignatureFacts",
    "SignedPdf",
    "Signer",
    "SmsReceipt",
    "SmsSender",
    "StoredObject",
    "Submission",
    "TimeStampToken",
    "TimeStampVerifier",
    "TimeStamper",
    "VerifiedToken",
    "WebhookSender",
]
