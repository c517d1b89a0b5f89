"""PAdES signing of PDF/A letters with pyHanko: the ``Signer`` port's real adapter.

``PyHankoSigner`` owns the signing key, the certificate chain, the time-stamping client and the validation
context; all are loaded once, in the constructor, because month-end runs sign tens of thousands of letters.
Each ``sign`` call adds one invisible PAdES signature (``ETSI.CAdES.detached``) by incremental update, so
the original PDF/A bytes stay untouched at the start of the output and no appearance stream with
non-embedded fonts is introduced. The PAdES baseline level follows the configuration:

* **B-B**: no TSA configured;
* **B-T**: ``tsa_url`` set, a signature time-stamp is obtained over HTTP (failing over between URLs);
* **B-LT**: ``embed_validation_info`` too: certificates, OCSP responses and CRLs for the signer and the TSA
  are fetched (hard-fail: B-LT or an error, never a silent B-T) and stored in the document's DSS;
* **B-LTA**: ``archival_timestamp`` too: a document time-stamp is added over the DSS.

The ``SignatureFacts`` returned are read back from the signed output, not assumed. pyHanko, HTTP and
certificate-validation errors become ``SigningFailed`` or ``TimeStampFailed`` with an actionable detail.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import requests
from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from notice_service.adapters.signing.development_certificate import is_development_subject
from notice_service.adapters.timestamping.rfc3161_timestamper import (
    ExpectedToken,
    TokenChecker,
    check_reply,
    first_tsa_answer,
    load_trust_roots,
    post_time_stamp_request,
)
from notice_service.errors import ConfigurationError, SigningFailed, TimeStampFailed
from notice_service.ports import SignatureFacts, SignedPdf

SIGNATURE_FIELD = "NoticeSignature"
"""Name of the invisible signature field each letter receives."""

_CERTIFICATE_ERRORS = (PathBuildingError, PathValidationError, ValidationError)
REVOCATION_INFO_MAX_AGE = timedelta(minutes=10)
"""How long fetched OCSP responses and CRLs are reused for B-LT before the validation context is renewed:
long enough that a month-end batch does not query the responders once per letter, short enough that the
embedded revocation info stays close to each signature's time."""


class FailoverHttpTimeStamper(TimeStamper):
    """pyHanko's time-stamp client over the service's one TSA failover loop (``first_tsa_answer``) and reply
    check (``check_reply``): each URL in turn until one answers a token over the request's imprint and nonce,
    whose signature verifies (and chains to a trust root when roots are configured)."""

    def __init__(self, urls: Sequence[str], *, timeout: float, trust_roots: Sequence[asn1_x509.Certificate]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.urls = tuple(urls)
        self._timeout = timeout
        self._checker = TokenChecker.from_roots(trust_roots)

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        imprint = req["message_imprint"]
        expected = ExpectedToken(
            imprint["hashed_message"].native, imprint["hash_algorithm"]["algorithm"].native, req["nonce"].native
        )

        async def attempt(url: str) -> tsp.TimeStampResp:
            response = post_time_stamp_request(url, req, self._timeout)
            await check_reply(url, response, expected, self._checker)
            return response

        try:
            return await first_tsa_answer(self.urls, attempt)
        except TimeStampFailed as exc:
            raise TimestampRequestError(exc.detail) from exc


class PyHankoSigner:
    """Signs PDFs as PAdES B-B, B-T, B-LT or B-LTA with one loaded identity (see the module docstring)."""

    def __init__(
        self,
        signer: signers.SimpleSigner,
        *,
        tsa_url: str | Sequence[str] | None = None,
        trust_roots: Sequence[bytes] = (),
        development: bool = False,
        embed_validation_info: bool = False,
        archival_timestamp: bool = False,
        timeout: float = 10.0,
    ) -> None:
        urls = (tsa_url,) if isinstance(tsa_url, str) else tuple(tsa_url or ())
        _check_level_configuration(urls, trust_roots, embed_validation_info, archival_timestamp)
        self._signer = signer
        self._trust_roots = load_trust_roots(trust_roots)
        self._timestamper = (
            FailoverHttpTimeStamper(urls, timeout=timeout, trust_roots=self._trust_roots) if urls else None
        )
        self._embed_validation_info = embed_validation_info
        self._archival_timestamp = archival_timestamp
        self._fetch_timeout = timeout
        self._validation_context: ValidationContext | None = None
        self._validation_context_since = datetime.min.replace(tzinfo=UTC)
        if signer.signing_cert is None:
            raise ConfigurationError("The signing identity has no certificate.")
        certificate = x509.load_der_x509_certificate(signer.signing_cert.dump())
        self._signer_subject = certificate.subject.rfc4514_string()
        self._signer_sha256 = signer.signing_cert.sha256.hex()
        self._development = development or is_development_subject(certificate.subject)
        self._level = _level(urls, embed_validation_info, archival_timestamp)

    @classmethod
    def from_pkcs12(
        cls,
        path: Path,
        passphrase: bytes | None,
        *,
        tsa_url: str | Sequence[str] | None = None,
        trust_roots: Sequence[bytes] = (),
        development: bool = False,
        embed_validation_info: bool = False,
        archival_timestamp: bool = False,
        timeout: float = 10.0,
    ) -> PyHankoSigner:
        """Load the key and chain from a PKCS#12 file once; ``ConfigurationError`` when it cannot be read."""
        try:
            signer = signers.SimpleSigner.load_pkcs12_data(path.read_bytes(), (), passphrase=passphrase)
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"Cannot load the signing identity from {path}: {exc} (wrong passphrase, or not a PKCS#12 file?)"
            ) from exc
        return cls(
            signer,
            tsa_url=tsa_url,
            trust_roots=trust_roots,
            development=development,
            embed_validation_info=embed_validation_info,
            archival_timestamp=archival_timestamp,
            timeout=timeout,
        )

    @property
    def level(self) -> str:
        """The PAdES baseline level every signature from this signer reaches."""
        return self._level

    def sign(self, pdf: bytes, *, reason: str, location: str | None = None) -> SignedPdf:
        writer = _open_for_update(pdf)
        pdf_signer = signers.PdfSigner(
            signers.PdfSignatureMetadata(
                field_name=SIGNATURE_FIELD,
                reason=reason,
                location=location,
                md_algorithm="sha256",
                subfilter=fields.SigSeedSubFilter.PADES,
                embed_validation_info=self._embed_validation_info,
                use_pades_lta=self._archival_timestamp,
                validation_context=self._current_validation_context(),
                signer_key_usage={"non_repudiation"},
            ),
            signer=self._signer,
            timestamper=self._timestamper,
            new_field_spec=fields.SigFieldSpec(sig_field_name=SIGNATURE_FIELD, box=None),
        )
        output = self._run(pdf_signer, writer)
        return SignedPdf(pdf=output, facts=self._facts(output))

    def _current_validation_context(self) -> ValidationContext | None:
        """For B-LT: a fetching context, renewed every ``REVOCATION_INFO_MAX_AGE`` (it caches OCSP/CRLs)."""
        if not self._embed_validation_info:
            return None
        now = datetime.now(UTC)
        if self._validation_context is None or now - self._validation_context_since > REVOCATION_INFO_MAX_AGE:
            self._validation_context = ValidationContext(
                trust_roots=self._trust_roots,
                allow_fetching=True,
                revocation_mode="hard-fail",
                fetcher_backend=RequestsFetcherBackend(per_request_timeout=self._fetch_timeout),
            )
            self._validation_context_since = now
        return self._validation_context

    def _run(self, pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter) -> bytes:
        tsa = ", ".join(self._timestamper.urls) if self._timestamper else "none"
        try:
            result: BytesIO = pdf_signer.sign_pdf(writer)
        except (TimestampRequestError, requests.RequestException) as exc:
            raise TimeStampFailed(f"Could not time-stamp the signature with TSA {tsa}: {exc}") from exc
        except _CERTIFICATE_ERRORS as exc:
            raise _validation_info_failure(exc, tsa) from exc
        except SigningError as exc:
            if isinstance(exc.__cause__, _CERTIFICATE_ERRORS):
                raise _validation_info_failure(exc.__cause__, tsa) from exc
            raise SigningFailed(f"pyHanko could not sign the PDF: {exc}") from exc
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            raise SigningFailed(f"pyHanko could not sign the PDF: {exc}") from exc
        return result.getvalue()

    def _facts(self, signed: bytes) -> SignatureFacts:
        reader = PdfFileReader(BytesIO(signed))
        embedded = next(s for s in reader.embedded_signatures if s.field_name == SIGNATURE_FIELD)
        signing_time = embedded.self_reported_timestamp or datetime.now(UTC)  # /M: PAdES carries no CMS signingTime
        return SignatureFacts(
            level=self._level,
            signer_subject=self._signer_subject,
            signer_certificate_sha256=self._signer_sha256,
            signing_time=signing_time.astimezone(UTC),
            timestamp_time=_signature_timestamp_time(embedded.signer_info),
            development_certificate=self._development,
        )


def _validation_info_failure(cause: BaseException, tsa: str) -> SigningFailed:
    return SigningFailed(
        f"Could not validate the certificates and gather their OCSP/CRL data for PAdES B-LT: {cause}. "
        f"Check that the signer's and TSA's chains end at a configured trust root, and that their OCSP "
        f"responders, CRL distribution points and the TSA ({tsa}) are reachable."
    )


def _open_for_update(pdf: bytes) -> IncrementalPdfFileWriter:
    if not isinstance(pdf, bytes):
        raise SigningFailed(f"The document to sign must be bytes, not {type(pdf).__name__}.")
    if not pdf.lstrip()[:5] == b"%PDF-":
        raise SigningFailed("The document to sign is not a PDF (it does not start with %PDF-).")
    try:
        return IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SigningFailed(f"The document to sign is not a readable PDF: {exc}") from exc


def _signature_timestamp_time(signer_info: cms.SignerInfo) -> datetime | None:
    for token in extract_tst_data_iter(signer_info, signed=False):
        gen_time: datetime = token["encap_content_info"]["content"].parsed["gen_time"].native
        return gen_time.astimezone(UTC)
    return None


def _check_level_configuration(
    urls: Sequence[str], trust_roots: Sequence[bytes], embed_validation_info: bool, archival_timestamp: bool
) -> None:
    if embed_validation_info and not urls:
        raise ConfigurationError("PAdES B-LT needs a signature time-stamp: configure a TSA URL.")
    if embed_validation_info and not trust_roots:
        raise ConfigurationError("PAdES B-LT needs the trust roots of the signer and TSA certificates.")
    if archival_timestamp and not embed_validation_info:
        raise ConfigurationError("PAdES B-LTA (archival time-stamp) requires embed_validation_info (B-LT).")


def _level(urls: Sequence[str], embed_validation_info: bool, archival_timestamp: bool) -> str:
    if archival_timestamp:
        return "B-LTA"
    if embed_validation_info:
        return "B-LT"
    return "B-T" if urls else "B-B"
