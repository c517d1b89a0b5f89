"""The ``Services`` bundle handed to every use case: settings, database and the adapters behind the ports.

Built once by ``notice_service.bootstrap.build_services``; tests build their own with real adapters on
temporary directories, PostgreSQL, SeaweedFS or a TSA.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from notice_service.db.engine import Database
from notice_service.domain.rates import RateTables
from notice_service.ports import (
    CheckpointSigner,
    Clock,
    DocumentStore,
    Mailer,
    ManifestSigner,
    PdfMerger,
    PdfTextExtractor,
    RateFeed,
    Renderer,
    Signer,
    SmsSender,
    TimeStamper,
    TimeStampVerifier,
    WebhookSender,
)
from notice_service.ports.postal import PostalProviderFactory
from notice_service.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    store: DocumentStore
    renderer: Renderer
    signer: Signer
    text_extractor: PdfTextExtractor
    clock: Clock
    rates: RateTables
    development_signing: bool = False
    mailer: Mailer | None = None  # the e-mail channel; None when NOTICE_SMTP_HOST is not set
    checkpoint_signer: CheckpointSigner | None = None
    time_stamper: TimeStamper | None = None  # none in the embedded profile unless a TSA is configured
    token_verifier: TimeStampVerifier | None = None
    webhook_sender: WebhookSender | None = None  # outbound webhooks; bootstrap always builds one
    manifest_signer: ManifestSigner | None = None  # dossier manifests (CMS); bootstrap always builds one
    pdf_merger: PdfMerger | None = None  # the dossier's reading copy; bootstrap always builds one
    rate_feed: RateFeed | None = None  # `rates sync`; bootstrap always builds one
    sms_sender: SmsSender | None = None  # the SMS step's provider; None when NOTICE_SMS_PROVIDER is not set
    secrets_key: bytes | None = None  # wraps provider credentials' data keys (NOTICE_SECRETS_KEY, or var/keys)
    postal_providers: dict[str, PostalProviderFactory] = field(default_factory=dict)  # provider → its adapter
