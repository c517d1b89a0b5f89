"""One frozen ``Settings`` read from ``NOTICE_*`` environment variables and validated at start.

Two profiles: ``embedded`` (the default, what ``make run`` serves: SQLite and a filesystem store under
``var/``, a development signing certificate generated on first run) and ``production`` (PostgreSQL, S3 with
Object Lock, a PKCS#12 signing key; it refuses to start without them). Secrets are never logged: ``repr``
hides them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notice_service.errors import ConfigurationError
from notice_service.faults import parse as parse_fault_point

_PROFILES = ("embedded", "production")


@dataclass(frozen=True)
class Settings:
    profile: str = "embedded"
    data_dir: Path = Path("var")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    store: str = "fs"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key: str | None = field(default=None, repr=False)
    s3_secret_key: str | None = field(default=None, repr=False)
    retention_days: int = 3650
    signing_p12: Path | None = None
    signing_p12_passphrase: str | None = field(default=None, repr=False)
    tsa_urls: tuple[str, ...] = ()
    tsa_roots_pem: Path | None = None
    pades_level: str = "auto"  # auto: B-T with a TSA, else B-B; or B-LT / B-LTA (needs a TSA and trust roots)
    signing_roots_pem: Path | None = None  # the signing certificate's CA chain, for B-LT/B-LTA
    log_origin: str = "notice-service.local"
    max_upload_bytes: int = 10 * 1024 * 1024
    run_worker: bool = True
    worker_poll_seconds: float = 1.0
    worker_lease_seconds: int = 300  # a claimed outbox message is retried this long after its worker vanished
    webhook_allow_private_targets: bool = False  # outbound webhooks to private/loopback addresses
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_from: str | None = None
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = True
    checkpoint_key: Path | None = None
    checkpoint_key_passphrase: str | None = field(default=None, repr=False)
    checkpoint_every_records: int = 1000
    checkpoint_every_seconds: int = 3600
    rates_ecb_url: str | None = None  # `rates sync`: the ECB Data Portal answer; the worker syncs when set
    rates_legal_url: str | None = None  # the Banque de France Webstat export of the taux légal
    rates_legal_series: tuple[str, ...] = ()  # its two series keys: column A particuliers, column B autres cas
    rates_legal_api_key: str | None = field(default=None, repr=False)  # Webstat "Authorization: Apikey …"
    rates_sync_hours: int = 24
    rate_limit_requests: int = 0  # per API key and window; 0 = off (load_settings defaults to 600)
    rate_limit_window_seconds: int = 60
    metrics_token: str | None = field(default=None, repr=False)  # when set, /metrics wants it as a bearer token
    log_level: str = "INFO"
    web_server: str = "waitress"  # `serve` under waitress, or gunicorn (deploy/gunicorn.conf.py)
    gunicorn_config: Path | None = None  # the gunicorn configuration file (default: deploy/gunicorn.conf.py)
    worker_metrics_port: int = 0  # `worker` serves its own /metrics on this port (0: off)
    session_secret: str | None = field(default=None, repr=False)  # pages' cookie key (NOTICE_SESSION_SECRET)
    sms_provider: str | None = None  # "brevo"; none: send_sms answers "no SMS provider configured"
    sms_api_key: str | None = field(default=None, repr=False)
    sms_sender: str | None = None  # the sender name shown on the phone (11 letters/digits, or 15 digits)
    sms_base_url: str | None = None  # the provider's API base URL (tests point it at the twin)
    secrets_key: str | None = field(default=None, repr=False)  # NOTICE_SECRETS_KEY: base64 of 32 bytes (AES-256)
    public_url: str = ""  # NOTICE_PUBLIC_URL: letters print <public_url>/v/<code>; "" = http://<host>:<port>
    verification_rate_limit_requests: int = 30  # GET/POST /v/<code> per client address and window; 0 = off
    verification_rate_limit_window_seconds: int = 60
    privacy_retention_days: int = 0  # NOTICE_PRIVACY_RETENTION_DAYS: purge so long after closing; 0: prescribed
    fault_point: str | None = None  # NOTICE_FAULT_POINT: tests only (notice_service/faults.py); refused in production
    provider_calls_per_minute: int = 60  # NOTICE_PROVIDER_CALLS_PER_MINUTE: per provider account, all workers; 0 = off

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'notice.db').resolve()}"

    @property
    def store_path(self) -> Path:
        return self.data_dir / "documents"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def checkpoint_key_name(self) -> str:
        """The signed-note key name of the checkpoint key: the log origin's host part and ``/checkpoint``."""
        return f"{self.log_origin}/checkpoint"

    @property
    def resolved_public_url(self) -> str:
        """The base URL the verification links on letters start with (no trailing slash)."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def _verification_problems(self) -> list[str]:
        """``NOTICE_PUBLIC_URL`` is an http(s) URL without query or fragment; the page's quota is 0 or more."""
        problems = []
        url = self.public_url
        if url and (not url.startswith(("https://", "http://")) or any(c in url for c in '?#" <>')):
            problems.append("NOTICE_PUBLIC_URL must be an http:// or https:// URL without query, fragment or spaces")
        if self.verification_rate_limit_requests < 0 or self.verification_rate_limit_window_seconds < 1:
            problems.append("NOTICE_VERIFICATION_RATE_LIMIT_REQUESTS must be at least 0, its window 1 s")
        return problems

    def _rate_limit_problems(self) -> list[str]:
        """The per-key quota is 0 (off) or more requests per window of at least a second."""
        if self.rate_limit_requests < 0 or self.rate_limit_window_seconds < 1:
            return ["NOTICE_RATE_LIMIT_REQUESTS must be at least 0, NOTICE_RATE_LIMIT_WINDOW_SECONDS 1"]
        return []

    def validate(self) -> Settings:
        """Refuse inconsistent settings; production refuses to start without its keys."""
        problems: list[str] = []
        if self.profile not in _PROFILES:
            problems.append(f"NOTICE_PROFILE must be one of {', '.join(_PROFILES)}")
        if self.store not in ("fs", "s3"):
            problems.append("NOTICE_STORE must be 'fs' or 's3'")
        if self.store == "s3" and not self.s3_bucket:
            problems.append("NOTICE_S3_BUCKET is required when NOTICE_STORE=s3")
        if not 1 <= self.port <= 65535:
            problems.append("NOTICE_PORT must be between 1 and 65535")
        if self.retention_days < 1:
            problems.append("NOTICE_RETENTION_DAYS must be at least 1")
        problems.extend(self._production_problems())
        if self.worker_lease_seconds < 1:
            problems.append("NOTICE_WORKER_LEASE_SECONDS must be at least 1")
        if self.checkpoint_every_records < 2 or self.checkpoint_every_seconds < 1:
            problems.append("NOTICE_CHECKPOINT_EVERY_RECORDS must be at least 2, NOTICE_CHECKPOINT_EVERY_SECONDS 1")
        if any(ch.isspace() or ch == "+" for ch in self.log_origin):
            problems.append("NOTICE_LOG_ORIGIN may contain neither spaces nor '+'")
        problems.extend(self._rate_limit_problems())
        if self.smtp_host and not self.smtp_from:
            problems.append("NOTICE_SMTP_FROM is required when NOTICE_SMTP_HOST is set")
        if self.pades_level not in ("auto", "B-LT", "B-LTA"):
            problems.append("NOTICE_PADES_LEVEL must be auto, B-LT or B-LTA")
        elif self.pades_level != "auto" and not (self.tsa_urls and self.signing_roots_pem):
            problems.append(f"{self.pades_level} needs NOTICE_TSA_URL and NOTICE_SIGNING_ROOTS (the signer's CA chain)")
        if self.signing_p12 is not None and not self.signing_p12.is_file():
            problems.append(f"NOTICE_SIGNING_P12 {self.signing_p12} is not a file")
        problems.extend(self._rate_sync_problems())
        problems.extend(self._operations_problems())
        problems.extend(self._sms_problems())
        problems.extend(self._verification_problems())
        problems.extend(_fault_problems(self))
        if problems:
            raise ConfigurationError("; ".join(problems))
        return self

    def _production_problems(self) -> list[str]:
        """What the production profile needs besides the rest: PostgreSQL, S3 Object Lock and real keys."""
        if self.profile != "production":
            return []
        problems = []
        if not self.database_url.startswith("postgresql"):
            problems.append("production needs NOTICE_DATABASE_URL pointing at PostgreSQL")
        if self.store != "s3":
            problems.append("production needs NOTICE_STORE=s3 (Object Lock)")
        if self.signing_p12 is None:
            problems.append("production needs NOTICE_SIGNING_P12 (a PKCS#12 signing key)")
        if self.checkpoint_key is None:
            problems.append("production needs NOTICE_CHECKPOINT_KEY (an Ed25519 PEM key for audit checkpoints)")
        return problems

    def _rate_sync_problems(self) -> list[str]:
        """The ``rates sync`` settings: the legal-rate source needs its two series; a positive period."""
        problems = []
        if self.rates_legal_url and len(self.rates_legal_series) != 2:
            problems.append("NOTICE_RATES_LEGAL_SERIES needs two series keys (particuliers,autres cas)")
        if self.rates_sync_hours < 1:
            problems.append("NOTICE_RATES_SYNC_HOURS must be at least 1")
        return problems

    def _operations_problems(self) -> list[str]:
        """The web server, log level and metrics settings (README "Deploy")."""
        problems = []
        if self.web_server not in ("waitress", "gunicorn"):
            problems.append("NOTICE_WEB_SERVER must be waitress or gunicorn")
        if not 0 <= self.worker_metrics_port <= 65535:
            problems.append("NOTICE_WORKER_METRICS_PORT must be between 0 (off) and 65535")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            problems.append("NOTICE_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        if not 0.01 <= self.worker_poll_seconds <= 3600:
            problems.append("NOTICE_WORKER_POLL_MS must be between 10 and 3600000 (milliseconds between idle polls)")
        if not 0 <= self.provider_calls_per_minute <= 60000:
            problems.append("NOTICE_PROVIDER_CALLS_PER_MINUTE must be between 0 (no limit) and 60000")
        if self.privacy_retention_days < 0:
            problems.append("NOTICE_PRIVACY_RETENTION_DAYS must be 0 (prescription only) or more days")
        return problems

    def _sms_problems(self) -> list[str]:
        """The SMS provider is Brevo or none; Brevo needs its API key and a sender."""
        if self.sms_provider is None:
            return []
        if self.sms_provider != "brevo":
            return ["NOTICE_SMS_PROVIDER must be 'brevo' (or unset: no SMS)"]
        if not self.sms_api_key or not self.sms_sender:
            return ["NOTICE_SMS_PROVIDER=brevo needs NOTICE_SMS_API_KEY and NOTICE_SMS_SENDER"]
        return []


def _sms_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``NOTICE_SMS_*`` variables (README "SMS"); the API key comes from the environment only."""
    return {
        "sms_provider": env.get("NOTICE_SMS_PROVIDER") or None,
        "sms_api_key": env.get("NOTICE_SMS_API_KEY") or None,
        "sms_sender": env.get("NOTICE_SMS_SENDER") or None,
        "sms_base_url": env.get("NOTICE_SMS_BASE_URL") or None,
    }


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from exc


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name)
    return Path(raw) if raw else None


def _private_targets(env: Mapping[str, str]) -> bool:
    """Outbound webhooks may reach private addresses on the embedded profile unless told otherwise."""
    default = "true" if env.get("NOTICE_PROFILE", "embedded") == "embedded" else "false"
    return env.get("NOTICE_WEBHOOK_ALLOW_PRIVATE_TARGETS", default).lower() in ("1", "true", "yes")


def _verification_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The public verification page (README "Checking a letter is genuine"): its base URL and quota."""
    return {
        "public_url": env.get("NOTICE_PUBLIC_URL", ""),
        "verification_rate_limit_requests": _int(env, "NOTICE_VERIFICATION_RATE_LIMIT_REQUESTS", 30),
        "verification_rate_limit_window_seconds": _int(env, "NOTICE_VERIFICATION_RATE_LIMIT_WINDOW_SECONDS", 60),
    }


def _rate_limit_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Per-key rate limits (README "Authentication first, then the rate limit"): 600 a minute unless set."""
    return {
        "rate_limit_requests": _int(env, "NOTICE_RATE_LIMIT_REQUESTS", 600),
        "rate_limit_window_seconds": _int(env, "NOTICE_RATE_LIMIT_WINDOW_SECONDS", 60),
        **_verification_settings(env),  # the public page's own quota, per client address
    }


def _rate_sync_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``NOTICE_RATES_*`` variables of ``rates sync`` (README "Rates that keep up")."""
    return {
        "rates_ecb_url": env.get("NOTICE_RATES_ECB_URL") or None,
        "rates_legal_url": env.get("NOTICE_RATES_LEGAL_URL") or None,
        "rates_legal_series": tuple(
            k.strip() for k in env.get("NOTICE_RATES_LEGAL_SERIES", "").split(",") if k.strip()
        ),
        "rates_legal_api_key": env.get("NOTICE_RATES_LEGAL_API_KEY") or None,
        "rates_sync_hours": _int(env, "NOTICE_RATES_SYNC_HOURS", 24),
    }


def _rate_limit_and_secrets_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The per-key rate limits, and ``NOTICE_SECRETS_KEY`` (issue 16: it seals provider credentials)."""
    return {**_rate_limit_settings(env), "secrets_key": env.get("NOTICE_SECRETS_KEY") or None}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read ``NOTICE_*`` variables (``os.environ`` by default) into validated ``Settings``."""
    env = os.environ if env is None else env
    return Settings(
        profile=env.get("NOTICE_PROFILE", "embedded"),
        data_dir=Path(env.get("NOTICE_DATA_DIR", "var")),
        database_url=env.get("NOTICE_DATABASE_URL", ""),
        host=env.get("NOTICE_HOST", "127.0.0.1"),
        port=_int(env, "NOTICE_PORT", 8000),
        store=env.get("NOTICE_STORE", "fs"),
        s3_bucket=env.get("NOTICE_S3_BUCKET") or None,
        s3_endpoint_url=env.get("NOTICE_S3_ENDPOINT_URL") or None,
        s3_region=env.get("NOTICE_S3_REGION", "us-east-1"),
        s3_access_key=env.get("NOTICE_S3_ACCESS_KEY") or None,
        s3_secret_key=env.get("NOTICE_S3_SECRET_KEY") or None,
        retention_days=_int(env, "NOTICE_RETENTION_DAYS", 3650),
        signing_p12=_path(env, "NOTICE_SIGNING_P12"),
        signing_p12_passphrase=env.get("NOTICE_SIGNING_P12_PASSPHRASE") or None,
        tsa_urls=tuple(u.strip() for u in env.get("NOTICE_TSA_URL", "").split(",") if u.strip()),
        tsa_roots_pem=_path(env, "NOTICE_TSA_ROOTS"),
        pades_level=env.get("NOTICE_PADES_LEVEL", "auto"),
        signing_roots_pem=_path(env, "NOTICE_SIGNING_ROOTS"),
        log_origin=env.get("NOTICE_LOG_ORIGIN", "notice-service.local"),
        max_upload_bytes=_int(env, "NOTICE_MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        run_worker=env.get("NOTICE_WORKER", "thread") != "none",
        worker_lease_seconds=_int(env, "NOTICE_WORKER_LEASE_SECONDS", 300),
        webhook_allow_private_targets=_private_targets(env),
        smtp_host=env.get("NOTICE_SMTP_HOST") or None,
        smtp_port=_int(env, "NOTICE_SMTP_PORT", 587),
        smtp_from=env.get("NOTICE_SMTP_FROM") or None,
        smtp_username=env.get("NOTICE_SMTP_USERNAME") or None,
        smtp_password=env.get("NOTICE_SMTP_PASSWORD") or None,
        smtp_starttls=env.get("NOTICE_SMTP_STARTTLS", "true").lower() not in ("0", "false", "no"),
        checkpoint_key=_path(env, "NOTICE_CHECKPOINT_KEY"),
        checkpoint_key_passphrase=env.get("NOTICE_CHECKPOINT_KEY_PASSPHRASE") or None,
        checkpoint_every_records=_int(env, "NOTICE_CHECKPOINT_EVERY_RECORDS", 1000),
        checkpoint_every_seconds=_int(env, "NOTICE_CHECKPOINT_EVERY_SECONDS", 3600),
        **_rate_sync_settings(env),
        **_rate_limit_and_secrets_settings(env) | _operations_settings(env) | _sms_settings(env),
    ).validate()


def _operations_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """``NOTICE_METRICS_TOKEN``, ``NOTICE_LOG_LEVEL`` and ``NOTICE_WEB_SERVER`` (README "Deploy"), and the pages'
    ``NOTICE_SESSION_SECRET`` (README "Pages")."""
    return {
        "session_secret": env.get("NOTICE_SESSION_SECRET") or None,
        "metrics_token": env.get("NOTICE_METRICS_TOKEN") or None,
        "log_level": env.get("NOTICE_LOG_LEVEL", "INFO"),
        "web_server": env.get("NOTICE_WEB_SERVER", "waitress"),
        "gunicorn_config": _path(env, "NOTICE_GUNICORN_CONFIG"),
        "worker_metrics_port": _int(env, "NOTICE_WORKER_METRICS_PORT", 0),
        "fault_point": env.get("NOTICE_FAULT_POINT") or None,  # tests only (faults.py); refused in production
        **_privacy_settings(env),
        "worker_poll_seconds": _int(env, "NOTICE_WORKER_POLL_MS", 1000) / 1000,
        "provider_calls_per_minute": _int(env, "NOTICE_PROVIDER_CALLS_PER_MINUTE", 60),
    }


def _privacy_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """``NOTICE_PRIVACY_RETENTION_DAYS`` (README "Personal data (RGPD)"): days after a case closes from which its
    debtor's personal data may be purged even before prescription; 0 (the default) waits for prescription."""
    return {"privacy_retention_days": _int(env, "NOTICE_PRIVACY_RETENTION_DAYS", 0)}


def _fault_problems(settings: Settings) -> list[str]:
    """``NOTICE_FAULT_POINT`` kills the process on purpose: a known point, and never in production."""
    if settings.fault_point is None:
        return []
    if settings.profile == "production":
        return ["NOTICE_FAULT_POINT is for crash tests only; the production profile refuses it (unset it)"]
    try:
        parse_fault_point(settings.fault_point)
    except ValueError as error:
        return [f"NOTICE_FAULT_POINT: {error}"]
    return []
