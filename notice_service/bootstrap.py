"""The composition root: ``build_services(settings)`` builds every adapter once.

Nothing connects at import time. The embedded profile generates a development signing identity under
``var/keys`` on first use; production loads its PKCS#12 key and refuses to start without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notice_service import faults
from notice_service.adapters.pdf.pdfium_text import PdfiumTextExtractor
from notice_service.adapters.system_clock import SystemClock
from notice_service.db.engine import Database, make_engine, migrate
from notice_service.letter_catalogue import TEMPLATES_DIR
from notice_service.ports import (
    CheckpointSigner,
    Clock,
    DocumentStore,
    Mailer,
    ManifestSigner,
    PdfMerger,
    RateFeed,
    Signer,
    SmsSender,
    TimeStamper,
    TimeStampVerifier,
    WebhookSender,
)
from notice_service.ports.postal import PostalProvider, PostalProviderFactory
from notice_service.rate_data import load_rate_tables
from notice_service.services import Services
from notice_service.settings import Settings

DEVELOPMENT_ORGANISATION = "notice-service (development)"


def build_store(settings: Settings) -> DocumentStore:
    if settings.store == "s3":
        from notice_service.adapters.storage.s3_store import S3DocumentStore

        return S3DocumentStore(
            bucket=settings.s3_bucket or "",  # Settings.validate refuses s3 without a bucket
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            retention_days={},
            default_retention_days=settings.retention_days,
        )
    from notice_service.adapters.storage.fs_store import FileSystemDocumentStore

    settings.store_path.mkdir(parents=True, exist_ok=True)
    return FileSystemDocumentStore(settings.store_path)


def _tsa_roots(settings: Settings) -> list[bytes]:
    return [settings.tsa_roots_pem.read_bytes()] if settings.tsa_roots_pem else []


def _signing_options(settings: Settings) -> dict[str, Any]:
    """PAdES level: B-B, B-T with a TSA, B-LT/B-LTA when asked (chain and revocation data embedded)."""
    signing_roots = [settings.signing_roots_pem.read_bytes()] if settings.signing_roots_pem else []
    return {
        "tsa_url": settings.tsa_urls or None,  # several URLs fail over in order
        "trust_roots": _tsa_roots(settings) + signing_roots,
        "embed_validation_info": settings.pades_level in ("B-LT", "B-LTA"),
        "archival_timestamp": settings.pades_level == "B-LTA",
    }


@dataclass(frozen=True)
class SigningIdentity:
    """The PKCS#12 that signs both the notices' PDFs and the dossier manifests, resolved once."""

    p12: Path
    passphrase: bytes | None
    development: bool


def resolve_signing_identity(settings: Settings) -> SigningIdentity:
    """The configured PKCS#12, or (no key configured) the development identity generated under ``var/keys``."""
    if settings.signing_p12 is not None:
        passphrase = settings.signing_p12_passphrase.encode() if settings.signing_p12_passphrase else None
        return SigningIdentity(settings.signing_p12, passphrase, development=False)
    from notice_service.adapters.signing.development_certificate import ensure_development_identity

    p12 = ensure_development_identity(settings.keys_dir, organisation=DEVELOPMENT_ORGANISATION)
    return SigningIdentity(p12, None, development=True)


def build_signer(settings: Settings, identity: SigningIdentity) -> Signer:
    """The PAdES signer of the notices, with the options of ``NOTICE_PADES_LEVEL`` and the TSAs."""
    from notice_service.adapters.signing.pyhanko_signer import PyHankoSigner

    options = _signing_options(settings)
    return PyHankoSigner.from_pkcs12(identity.p12, identity.passphrase, development=identity.development, **options)


def build_checkpoint_signer(settings: Settings) -> CheckpointSigner:
    """The configured Ed25519 checkpoint key; the embedded profile generates one under ``var/keys``."""
    from notice_service.adapters.signing.ed25519_checkpoint_signer import Ed25519CheckpointSigner, ensure_checkpoint_key

    passphrase = settings.checkpoint_key_passphrase.encode() if settings.checkpoint_key_passphrase else None
    path = settings.checkpoint_key or ensure_checkpoint_key(settings.keys_dir)
    return Ed25519CheckpointSigner.from_pem_file(settings.checkpoint_key_name, path, passphrase)


def build_time_stamping(settings: Settings) -> tuple[TimeStamper | None, TimeStampVerifier | None]:
    """The TSA client (with failover) and the token verifier, when TSAs are configured; else none."""
    if not settings.tsa_urls:
        return None, None
    from notice_service.adapters.timestamping.rfc3161_timestamper import HttpTimeStamper
    from notice_service.adapters.timestamping.rfc3161_token_verifier import Rfc3161TokenVerifier

    roots = _tsa_roots(settings)
    return HttpTimeStamper(settings.tsa_urls, trust_roots=roots), Rfc3161TokenVerifier(roots)


def build_mailer(settings: Settings) -> Mailer | None:
    """The SMTP mailer of the e-mail channel, when ``NOTICE_SMTP_HOST`` is set."""
    if not settings.smtp_host:
        return None
    from notice_service.adapters.smtp_mailer import SmtpMailer

    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_from or "",  # Settings.validate refuses a host without a sender
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password,
    )


def build_webhook_sender(settings: Settings) -> WebhookSender:
    from notice_service.adapters.http_webhook_sender import HttpWebhookSender

    return HttpWebhookSender(allow_private_targets=settings.webhook_allow_private_targets)


def build_dossier_tools(identity: SigningIdentity) -> tuple[ManifestSigner, PdfMerger]:
    """The dossier manifest's CMS signer (the identity that signs the PDFs) and the reading copy's merger."""
    from notice_service.adapters.pdf.merger import PypdfDossierMerger
    from notice_service.adapters.signing.cms_manifest_signer import CmsManifestSigner

    return CmsManifestSigner.from_pkcs12(identity.p12, identity.passphrase), PypdfDossierMerger()


def build_rate_feed() -> RateFeed:
    from notice_service.adapters.http_rate_feed import HttpRateFeed

    return HttpRateFeed()


def build_sms_sender(settings: Settings) -> SmsSender | None:
    """The SMS provider (Brevo) when ``NOTICE_SMS_PROVIDER`` is set; none otherwise (the embedded profile)."""
    if settings.sms_provider != "brevo":
        return None
    from notice_service.adapters.sms.brevo import DEFAULT_BASE_URL, BrevoSmsSender

    return BrevoSmsSender(
        settings.sms_api_key or "",  # Settings.validate refuses brevo without a key and a sender
        settings.sms_sender or "",
        base_url=settings.sms_base_url or DEFAULT_BASE_URL,
    )


def resolve_secrets_key(settings: Settings) -> bytes | None:
    """``NOTICE_SECRETS_KEY``; on the embedded profile without it, a key generated once under ``var/keys``."""
    import os

    from notice_service.use_cases.providers.sealing import parse_settings_key

    if settings.secrets_key:
        return parse_settings_key(settings.secrets_key)
    if settings.profile != "embedded":
        return None
    path = settings.keys_dir / "secrets.key"
    if not path.exists():
        settings.keys_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(os.urandom(32))
    return path.read_bytes()


def build_postal_providers() -> dict[str, PostalProviderFactory]:
    """Each provider's adapter, built per account from its base URL and credentials."""
    from notice_service.adapters.postal.merci_facteur import MerciFacteurProvider

    def merci_facteur(base_url: str, credentials: Mapping[str, str]) -> PostalProvider:
        return MerciFacteurProvider(
            base_url,
            credentials["service_id"],
            credentials["secret_key"],
            credentials["user_id"],
            authorized_ip=credentials.get("authorized_ip", ""),
        )

    from notice_service.adapters.postal.ar24 import Ar24Provider

    def ar24(base_url: str, credentials: Mapping[str, str]) -> PostalProvider:
        return Ar24Provider(base_url, credentials["token"], credentials["private_key"], credentials["user_id"])

    return {"merci_facteur": merci_facteur, "maileva": _maileva, "ar24": ar24}


def _maileva(base_url: str, credentials: Mapping[str, str]) -> PostalProvider:
    """Maileva's adapter for one account (registered_mail v4, OAuth2 password grant)."""
    from notice_service.adapters.postal.maileva import MailevaProvider

    return MailevaProvider(
        base_url,
        credentials["client_id"],
        credentials["client_secret"],
        credentials["username"],
        credentials["password"],
        auth_url=credentials.get("auth_url") or None,
    )


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: DocumentStore | None = None,
    templates_dir: Path = TEMPLATES_DIR,
) -> Services:
    from notice_service.adapters.pdf.weasyprint_renderer import WeasyPrintRenderer

    faults.arm(settings.fault_point)  # tests only: Settings.validate refuses a fault point in production
    engine = make_engine(settings.resolved_database_url)
    if settings.profile == "embedded":
        migrate(engine)  # production migrates once with `notice-service init`, not in every process
    identity = resolve_signing_identity(settings)
    time_stamper, token_verifier = build_time_stamping(settings)
    manifest_signer, pdf_merger = build_dossier_tools(identity)
    services = Services(
        settings=settings,
        db=Database(engine),
        store=store or build_store(settings),
        renderer=WeasyPrintRenderer(templates_dir),
        signer=build_signer(settings, identity),
        text_extractor=PdfiumTextExtractor(),
        clock=clock or SystemClock(),
        rates=load_rate_tables(),
        development_signing=identity.development,
        mailer=build_mailer(settings),
        checkpoint_signer=build_checkpoint_signer(settings),
        time_stamper=time_stamper,
        token_verifier=token_verifier,
        webhook_sender=build_webhook_sender(settings),
        manifest_signer=manifest_signer,
        pdf_merger=pdf_merger,
        rate_feed=build_rate_feed(),
        sms_sender=build_sms_sender(settings),
        secrets_key=resolve_secrets_key(settings),
        postal_providers=build_postal_providers(),
    )
    return instrument(services)


def instrument(services: Services) -> Services:
    """Wrap the adapters for /metrics: render, sign and store durations, provider errors, audit appends."""
    from notice_service.observability import audit_timing, instrumented

    audit_timing.install()
    services.renderer = instrumented.TimedRenderer(services.renderer)
    services.signer = instrumented.TimedSigner(services.signer)
    services.store = instrumented.timed_store(services.store)
    if services.mailer is not None:
        services.mailer = instrumented.CountedMailer(services.mailer)
    if services.webhook_sender is not None:
        services.webhook_sender = instrumented.CountedWebhookSender(services.webhook_sender)
    if services.time_stamper is not None:
        services.time_stamper = instrumented.CountedTimeStamper(services.time_stamper)
    return services
