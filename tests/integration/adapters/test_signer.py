"""PyHankoSigner on a real WeasyPrint PDF/A-3b, validated by pyHanko and by poppler's ``pdfsig``.

pdfsig has no NSS database holding our test CAs, so it reports "Certificate issuer isn't Trusted"; these
tests assert the signature's own validity with pdfsig and the trust with pyHanko, which is given the roots.
"""

from __future__ import annotations

import gc
import re
import subprocess
import warnings
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
import weasyprint
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    SignatureCoverageLevel,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from notice_service.adapters.signing.development_certificate import CA_PEM_NAME, ensure_development_identity
from notice_service.adapters.signing.pyhanko_signer import SIGNATURE_FIELD, PyHankoSigner
from notice_service.adapters.timestamping.rfc3161_timestamper import load_trust_roots
from notice_service.errors import ConfigurationError, SigningFailed, TimeStampFailed
from tests.services.tsa import TsaService

LETTER = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mise en demeure</title></head>
<body><h1>Mise en demeure de payer</h1><p>Madame, Monsieur, nous vous mettons en demeure de régler
la somme de 1 234,56 € sous huit jours.</p></body></html>"""


@pytest.fixture(scope="module")
def pdfa() -> bytes:
    # WeasyPrint leaves its sRGB ICC profile file open; collect it here rather than fail a later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        pdf: bytes = weasyprint.HTML(string=LETTER).write_pdf(pdf_variant="pdf/a-3b")
        gc.collect()
    return pdf


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_development_identity(tmp_path_factory.mktemp("identity"), organisation="ACME Recouvrement SAS")


@pytest.fixture(scope="module")
def development_ca(identity: Path) -> bytes:
    return (identity.parent / CA_PEM_NAME).read_bytes()


def _signature(signed: bytes, field: str = SIGNATURE_FIELD) -> EmbeddedPdfSignature:
    reader = PdfFileReader(BytesIO(signed))
    signature: EmbeddedPdfSignature = next(s for s in reader.embedded_signatures if s.field_name == field)
    return signature


def _pyhanko_status(signed: bytes, roots: list[bytes], ts_roots: list[bytes] | None = None) -> PdfSignatureStatus:
    ts_context = ValidationContext(trust_roots=load_trust_roots(ts_roots)) if ts_roots else None
    return validate_pdf_signature(
        _signature(signed), ValidationContext(trust_roots=load_trust_roots(roots)), ts_context
    )


def _pdfsig(tmp_path: Path, signed: bytes) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    result = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, check=False)
    return result.stdout + result.stderr


def test_b_b_with_the_development_identity(identity: Path, development_ca: bytes, pdfa: bytes, tmp_path: Path) -> None:
    signer = PyHankoSigner.from_pkcs12(identity, None, development=True)

    signed = signer.sign(pdfa, reason="Mise en demeure", location="Paris")

    facts = signed.facts
    assert facts.level == "B-B"
    assert facts.development_certificate is True
    assert "DEVELOPMENT" in facts.signer_subject
    assert "O=ACME Recouvrement SAS" in facts.signer_subject
    assert re.fullmatch(r"[0-9a-f]{64}", facts.signer_certificate_sha256)
    assert abs(facts.signing_time - datetime.now(UTC)) < timedelta(minutes=1)
    assert facts.signing_time.tzinfo == UTC
    assert facts.timestamp_time is None
    status = _pyhanko_status(signed.pdf, [development_ca])
    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.bottom_line
    report = _pdfsig(tmp_path, signed.pdf)
    assert "Signature is Valid" in report
    assert "Total document signed" in report
    assert "ETSI.CAdES.detached" in report


def test_development_certificate_is_flagged_even_without_the_flag(identity: Path, pdfa: bytes) -> None:
    facts = PyHankoSigner.from_pkcs12(identity, None).sign(pdfa, reason="Relance").facts

    assert facts.development_certificate is True


def test_development_identity_is_created_once_and_private(identity: Path) -> None:
    again = ensure_development_identity(identity.parent, organisation="ACME Recouvrement SAS")

    assert again == identity
    assert identity.stat().st_mode & 0o777 == 0o600
    assert (identity.parent / CA_PEM_NAME).stat().st_mode & 0o777 == 0o600


def test_signing_is_an_incremental_update_that_keeps_pdfa_identification(identity: Path, pdfa: bytes) -> None:
    signed = PyHankoSigner.from_pkcs12(identity, None).sign(pdfa, reason="Mise en demeure").pdf

    assert signed.startswith(pdfa)
    xmp = PdfFileReader(BytesIO(signed)).root["/Metadata"].get_object().data.decode()
    assert re.search(r"pdfaid:part(>|=\")3", xmp), xmp
    assert re.search(r"pdfaid:conformance(>|=\")B", xmp), xmp
    widget = _signature(signed).sig_field
    assert [float(x) for x in widget["/Rect"]] == [0, 0, 0, 0], "the signature must be invisible"


def test_a_flipped_byte_in_the_signed_range_is_detected(identity: Path, pdfa: bytes, tmp_path: Path) -> None:
    signed = bytearray(PyHankoSigner.from_pkcs12(identity, None).sign(pdfa, reason="Mise en demeure").pdf)
    offset = signed.index(b"stream\n") + 20
    signed[offset] ^= 0x01

    embedded = _signature(bytes(signed))
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[]))
    assert not status.intact
    assert not status.bottom_line
    report = _pdfsig(tmp_path, bytes(signed))
    assert "Signature is Valid" not in report
    assert "Signature Validation: Digest Mismatch" in report


@pytest.mark.parametrize("garbage", [b"not a pdf", b"", b"%PDF-1.7\n%%EOF\n"])
def test_bad_input_raises_signing_failed(identity: Path, garbage: bytes) -> None:
    signer = PyHankoSigner.from_pkcs12(identity, None)

    with pytest.raises(SigningFailed):
        signer.sign(garbage, reason="Mise en demeure")


def test_unreadable_identity_is_a_configuration_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.p12"
    bogus.write_bytes(b"not pkcs12")

    with pytest.raises(ConfigurationError, match=str(bogus)):
        PyHankoSigner.from_pkcs12(bogus, None)


def test_b_lt_without_tsa_is_refused_at_construction(identity: Path, development_ca: bytes) -> None:
    with pytest.raises(ConfigurationError, match="TSA"):
        PyHankoSigner.from_pkcs12(identity, None, trust_roots=[development_ca], embed_validation_info=True)


@pytest.mark.tsa
def test_b_t_with_the_certomancer_tsa(identity: Path, development_ca: bytes, pdfa: bytes, tsa: TsaService) -> None:
    signer = PyHankoSigner.from_pkcs12(identity, None, tsa_url=tsa.url)

    signed = signer.sign(pdfa, reason="Mise en demeure", location="Lyon")

    assert signed.facts.level == "B-T"
    assert signed.facts.timestamp_time is not None
    assert abs(signed.facts.timestamp_time - datetime.now(UTC)) < timedelta(minutes=1)
    status = _pyhanko_status(signed.pdf, [development_ca], ts_roots=[tsa.root_der])
    assert status.bottom_line
    assert status.timestamp_validity is not None
    assert (status.timestamp_validity.intact, status.timestamp_validity.valid) == (True, True)
    assert status.timestamp_validity.trusted
    assert status.timestamp_validity.timestamp == signed.facts.timestamp_time


@pytest.mark.tsa
def test_b_t_with_an_unreachable_tsa_names_it(identity: Path, pdfa: bytes, tsa: TsaService) -> None:
    dead = "http://127.0.0.1:9/tsa"
    signer = PyHankoSigner.from_pkcs12(identity, None, tsa_url=dead, timeout=2)

    with pytest.raises(TimeStampFailed, match=re.escape(dead)):
        signer.sign(pdfa, reason="Mise en demeure")


@pytest.mark.tsa
def test_b_t_fails_over_to_the_next_tsa(identity: Path, pdfa: bytes, tsa: TsaService) -> None:
    signer = PyHankoSigner.from_pkcs12(identity, None, tsa_url=["http://127.0.0.1:9/tsa", tsa.url], timeout=2)

    assert signer.sign(pdfa, reason="Mise en demeure").facts.timestamp_time is not None


@pytest.mark.tsa
def test_b_lt_embeds_revocation_info_that_validates_offline(pdfa: bytes, tsa: TsaService) -> None:
    signer = PyHankoSigner.from_pkcs12(
        tsa.signer_p12, None, tsa_url=tsa.url, trust_roots=[tsa.root_pem], embed_validation_info=True
    )

    signed = signer.sign(pdfa, reason="Mise en demeure")

    assert signed.facts.level == "B-LT"
    assert signed.facts.development_certificate is False
    reader = PdfFileReader(BytesIO(signed.pdf))
    assert "/DSS" in reader.root
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.ocsps and dss.crls, "OCSP responses and CRLs must be embedded"
    offline = {
        "trust_roots": load_trust_roots([tsa.root_der]),
        "allow_fetching": False,
        "revocation_mode": "hard-fail",
    }
    status = validate_pdf_signature(
        _signature(signed.pdf), dss.as_validation_context(offline), dss.as_validation_context(offline)
    )
    assert status.bottom_line, status.pretty_print_details()  # type: ignore[no-untyped-call]
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted


@pytest.mark.tsa
def test_b_lta_adds_a_document_timestamp(pdfa: bytes, tsa: TsaService) -> None:
    signer = PyHankoSigner.from_pkcs12(
        tsa.signer_p12,
        None,
        tsa_url=tsa.url,
        trust_roots=[tsa.root_pem],
        embed_validation_info=True,
        archival_timestamp=True,
    )

    signed = signer.sign(pdfa, reason="Mise en demeure")

    assert signed.facts.level == "B-LTA"
    signatures = PdfFileReader(BytesIO(signed.pdf)).embedded_signatures
    assert len(signatures) == 2
    document_timestamp = signatures[-1]
    assert document_timestamp.sig_object_type == "/DocTimeStamp"
    ts_status = validate_pdf_timestamp(
        document_timestamp, ValidationContext(trust_roots=load_trust_roots([tsa.root_der]))
    )
    assert (ts_status.intact, ts_status.valid, ts_status.trusted) == (True, True, True)
    assert signed.pdf.startswith(pdfa)


@pytest.mark.tsa
def test_b_lt_with_a_signer_outside_the_trust_roots_fails_clearly(identity: Path, pdfa: bytes, tsa: TsaService) -> None:
    signer = PyHankoSigner.from_pkcs12(
        identity, None, tsa_url=tsa.url, trust_roots=[tsa.root_pem], embed_validation_info=True
    )

    with pytest.raises(SigningFailed, match="B-LT"):
        signer.sign(pdfa, reason="Mise en demeure")
