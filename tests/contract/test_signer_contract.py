"""The ``Signer`` contract: what ``issue_notice`` relies on when it signs a rendered letter, for every signer.

``SIGNERS`` holds one entry per implementation and configuration: today pyHanko at each PAdES baseline level
(B-B with the development identity and no TSA; B-T with the development identity and the certomancer TSA; B-LT
and B-LTA with the certomancer signer, whose certificates carry OCSP and CRL endpoints). An HSM signer, or a
signer with another time-stamping client, joins by adding an entry; every assertion here applies to it unchanged.

Each entry signs one real PDF/A-3b letter (WeasyPrint) once per module; the assertions read the result back with
pyHanko and asn1crypto, and cross-check with poppler's ``pdfsig`` and ``qpdf --check``:

* the output is the input followed by an incremental update (the port's docstring), still a PDF qpdf accepts;
* it carries exactly one invisible PAdES signature (``ETSI.CAdES.detached``) with the reason given (and the
  location, when one is), which pyHanko finds intact, valid and trusted under the identity's root, and pdfsig valid;
* the signature covers the whole file, except at B-LT/B-LTA where only validation data (DSS) and a document
  time-stamp may follow it; a flipped byte in the letter invalidates it;
* the level's own evidence is there: a signature time-stamp over the signature value (B-T and up), revocation
  data that validates offline with hard-fail revocation (B-LT and up), a document time-stamp (B-LTA);
* the ``SignatureFacts`` match what the PDF carries (certificate, subject, level, time-stamp time), and the signing
  time falls within the call and does not follow the signature's time-stamp;
* bad input raises ``SigningFailed``; a TSA that fails or misbehaves raises ``TimeStampFailed`` naming it, and a
  second configured TSA is used instead — never a PDF whose time-stamp does not verify, never a lower level.

``KNOWN_FAILURES`` lists where the pyHanko signer breaks this contract today, as strict xfails.
"""

from __future__ import annotations

import gc
import hashlib
import shutil
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import weasyprint
from asn1crypto import cms, pem, tsp
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    SignatureCoverageLevel,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko_certvalidator import ValidationContext

from notice_service.adapters.signing.development_certificate import CA_PEM_NAME, ensure_development_identity
from notice_service.adapters.signing.pyhanko_signer import PyHankoSigner
from notice_service.errors import SigningFailed, TimeStampFailed
from notice_service.ports import SignedPdf, Signer
from tests.contract.independent_checks import needs, pdfsig_blocks, qpdf_check
from tests.contract.rfc3161_peers import RogueTsa, failing_tsa_url
from tests.contract.support import CallWindow, call_window, our_frames_only
from tests.services.tsa import TsaService

LETTER = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mise en demeure</title></head>
<body><h1>Mise en demeure de payer</h1><p>Madame, Monsieur, nous vous mettons en demeure de régler
la somme de 1 234,56 € sous huit jours à compter de la réception de la présente.</p></body></html>"""
REASON = "Mise en demeure n° 2026-0042 — relance « dernière »"
LOCATION = "Lyon"


@dataclass(frozen=True)
class Pki:
    """Identities and trust anchors the factories draw from; ``tsa`` is None for entries that need none."""

    development_p12: Path
    development_ca_pem: bytes
    tsa: TsaService | None

    def need_tsa(self) -> TsaService:
        assert self.tsa is not None, "this entry is marked tsa and asks for the tsa fixture"
        return self.tsa


@dataclass(frozen=True)
class SignerEntry:
    """One implementation at one level: how to build it, and what its signatures must show.

    ``build(pki, tsa_urls)`` answers the signer; ``tsa_urls`` are the time-stamping authorities to ask, in order
    (the certomancer TSA for the happy path, misbehaving ones for the failure sweeps; unused without TSA).
    """

    build: Callable[[Pki, Sequence[str]], Signer]
    level: str
    development: bool
    needs_tsa: bool

    @property
    def time_stamped(self) -> bool:
        return self.level != "B-B"

    @property
    def long_term(self) -> bool:
        return self.level in ("B-LT", "B-LTA")

    @property
    def archival(self) -> bool:
        return self.level == "B-LTA"

    def signer_roots(self, pki: Pki) -> list[bytes]:
        return [pki.development_ca_pem] if self.development else [pki.need_tsa().root_pem]


def _pyhanko(level: str) -> Callable[[Pki, Sequence[str]], Signer]:
    def build(pki: Pki, tsa_urls: Sequence[str]) -> Signer:
        if level == "B-B":
            return PyHankoSigner.from_pkcs12(pki.development_p12, None, development=True)
        tsa = pki.need_tsa()
        if level == "B-T":
            return PyHankoSigner.from_pkcs12(
                pki.development_p12, None, development=True, tsa_url=list(tsa_urls), trust_roots=[tsa.root_pem]
            )
        return PyHankoSigner.from_pkcs12(
            tsa.signer_p12,
            None,
            tsa_url=list(tsa_urls),
            trust_roots=[tsa.root_pem],
            embed_validation_info=True,
            archival_timestamp=level == "B-LTA",
            timeout=5,
        )

    return build


SIGNERS: dict[str, SignerEntry] = {
    "pyhanko-B-B": SignerEntry(_pyhanko("B-B"), "B-B", development=True, needs_tsa=False),
    "pyhanko-B-T": SignerEntry(_pyhanko("B-T"), "B-T", development=True, needs_tsa=True),
    "pyhanko-B-LT": SignerEntry(_pyhanko("B-LT"), "B-LT", development=False, needs_tsa=True),
    "pyhanko-B-LTA": SignerEntry(_pyhanko("B-LTA"), "B-LTA", development=False, needs_tsa=True),
}
TIME_STAMPED = sorted(name for name, entry in SIGNERS.items() if entry.time_stamped)


def _params(names: Sequence[str]) -> list[object]:
    return [pytest.param(name, marks=pytest.mark.tsa) if SIGNERS[name].needs_tsa else name for name in names]


# ------------------------------------------------------------------------------------------------ known failures

KNOWN_FAILURES: dict[tuple[str, str, str], tuple[type[BaseException], str]] = {}
"""(test, entry, case) → (exception, reason) for the contract's known breaches today: applied as strict xfails,
so that a fix turns them into failures until the line here is removed."""


def _expect_known_failure(request: pytest.FixtureRequest, test: str, name: str, case: str = "") -> None:
    known = KNOWN_FAILURES.get((test, name, case))
    if known is not None:
        request.applymarker(pytest.mark.xfail(strict=True, raises=known[0], reason=known[1]))


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def letter() -> bytes:
    # WeasyPrint leaves its sRGB ICC profile file open; collect it here rather than fail a later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        pdf: bytes = weasyprint.HTML(string=LETTER).write_pdf(pdf_variant="pdf/a-3b")
        gc.collect()
    return pdf


@pytest.fixture(scope="module")
def development_p12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_development_identity(tmp_path_factory.mktemp("signer-identity"), organisation="ACME Recouvrement")


@dataclass(frozen=True)
class Signed:
    name: str
    entry: SignerEntry
    pki: Pki
    letter: bytes
    result: SignedPdf
    window: CallWindow


class Signatures:
    """Each entry signs the letter once per module (as ``issue_notice`` does: a reason, no location), lazily."""

    def __init__(self, letter: bytes, development_p12: Path) -> None:
        self.letter = letter
        self.development_p12 = development_p12
        self._signed: dict[str, Signed] = {}

    def pki(self, request: pytest.FixtureRequest, entry: SignerEntry) -> Pki:
        tsa: TsaService | None = request.getfixturevalue("tsa") if entry.needs_tsa else None
        return Pki(self.development_p12, (self.development_p12.parent / CA_PEM_NAME).read_bytes(), tsa)

    def of(self, request: pytest.FixtureRequest, name: str) -> Signed:
        if name not in self._signed:
            entry = SIGNERS[name]
            pki = self.pki(request, entry)
            signer = entry.build(pki, [pki.tsa.url] if pki.tsa else [])
            with call_window() as window:
                result = signer.sign(self.letter, reason=REASON)
            self._signed[name] = Signed(name, entry, pki, self.letter, result, window)
        return self._signed[name]


@pytest.fixture(scope="module")
def signatures(letter: bytes, development_p12: Path) -> Signatures:
    return Signatures(letter, development_p12)


@pytest.fixture(params=_params(sorted(SIGNERS)))
def signed(request: pytest.FixtureRequest, signatures: Signatures) -> Signed:
    return signatures.of(request, request.param)


@pytest.fixture(params=_params(TIME_STAMPED))
def signed_with_time_stamp(request: pytest.FixtureRequest, signatures: Signatures) -> Signed:
    return signatures.of(request, request.param)


@pytest.fixture(params=_params(sorted(SIGNERS)))
def entry_and_pki(request: pytest.FixtureRequest, signatures: Signatures) -> tuple[SignerEntry, Pki]:
    entry = SIGNERS[request.param]
    return entry, signatures.pki(request, entry)


@pytest.fixture(params=_params(TIME_STAMPED))
def time_stamped(request: pytest.FixtureRequest, signatures: Signatures) -> tuple[str, SignerEntry, Pki]:
    entry = SIGNERS[request.param]
    return request.param, entry, signatures.pki(request, entry)


@pytest.fixture(scope="module")
def rogue_tsa(tsa: TsaService) -> Iterator[RogueTsa]:
    with RogueTsa(tsa.url).running() as rogue:
        yield rogue


# ------------------------------------------------------------------------------------------------ reading back


def _signatures(pdf: bytes) -> list[EmbeddedPdfSignature]:
    signatures: list[EmbeddedPdfSignature] = PdfFileReader(BytesIO(pdf)).embedded_signatures
    return signatures


def _letter_signature(pdf: bytes) -> EmbeddedPdfSignature:
    (signature,) = (s for s in _signatures(pdf) if s.sig_object_type == "/Sig")
    return signature


def _signature_time_stamp(signature: EmbeddedPdfSignature) -> tsp.TSTInfo | None:
    """The TSTInfo of the signature time-stamp (an unsigned attribute of the SignerInfo), read with asn1crypto."""
    unsigned = signature.signer_info["unsigned_attrs"]
    for attribute in unsigned if isinstance(unsigned, cms.CMSAttributes) else ():
        if attribute["type"].native == "signature_time_stamp_token":
            token: cms.ContentInfo = attribute["values"][0]
            tst_info: tsp.TSTInfo = token["content"]["encap_content_info"]["content"].parsed
            return tst_info
    return None


def load_trust_roots(pems: Sequence[bytes]) -> list[cms.Certificate]:
    return [cms.Certificate.load(pem.unarmor(blob)[2]) for blob in pems]


def _widget_rectangles(field: Any) -> list[list[float]]:
    widgets = [kid.get_object() for kid in field["/Kids"]] if "/Kids" in field else [field]
    return [[float(x) for x in widget["/Rect"]] for widget in widgets]


def _contexts(entry: SignerEntry, pki: Pki, pdf: bytes) -> tuple[ValidationContext, ValidationContext | None]:
    """Signer and time-stamp validation contexts, offline: from the DSS with hard-fail revocation at B-LT and up
    (what the level promises: the PDF validates without the network), from the trust roots alone below."""
    signer_roots = load_trust_roots(entry.signer_roots(pki))
    tsa_roots = load_trust_roots([pki.need_tsa().root_pem]) if entry.time_stamped else None
    if entry.long_term:
        dss = DocumentSecurityStore.read_dss(PdfFileReader(BytesIO(pdf)))
        assert tsa_roots is not None
        settings = {"allow_fetching": False, "revocation_mode": "hard-fail"}
        return (
            dss.as_validation_context({"trust_roots": signer_roots, **settings}),
            dss.as_validation_context({"trust_roots": tsa_roots, **settings}),
        )
    signer_context = ValidationContext(trust_roots=signer_roots, allow_fetching=False)
    return signer_context, (ValidationContext(trust_roots=tsa_roots, allow_fetching=False) if tsa_roots else None)


# ------------------------------------------------------------------------------------------------ happy path


def test_the_output_is_the_letter_followed_by_an_incremental_update(signed: Signed) -> None:
    pdf = signed.result.pdf
    assert pdf.startswith(signed.letter), "the letter's own bytes must stay untouched at the start"
    assert len(pdf) > len(signed.letter)
    assert pdf.rstrip().endswith(b"%%EOF")


@needs("qpdf")
def test_qpdf_finds_the_signed_pdf_well_formed(signed: Signed, tmp_path: Path) -> None:
    result = qpdf_check(tmp_path, signed.result.pdf)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


def test_one_invisible_pades_signature_with_the_reason(signed: Signed) -> None:
    signature = _letter_signature(signed.result.pdf)

    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == REASON
    assert "/Location" not in signature.sig_object
    assert signature.md_algorithm == "sha256"
    rectangles = _widget_rectangles(signature.sig_field)
    assert rectangles and all(rectangle == [0, 0, 0, 0] for rectangle in rectangles), rectangles


def test_pyhanko_finds_the_signature_intact_valid_and_trusted(signed: Signed) -> None:
    signature = _letter_signature(signed.result.pdf)
    signer_context, tsa_context = _contexts(signed.entry, signed.pki, signed.result.pdf)

    status = validate_pdf_signature(signature, signer_context, tsa_context)

    details = status.pretty_print_details()  # type: ignore[no-untyped-call]
    assert (status.intact, status.valid, status.trusted) == (True, True, True), details
    assert status.bottom_line, details
    if signed.entry.long_term:  # only the DSS (and, at B-LTA, a document time-stamp) may follow the signature
        assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION, details
        assert status.modification_level == ModificationLevel.LTA_UPDATES, details
    else:
        assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE, details
        assert status.modification_level == ModificationLevel.NONE, details
    if signed.entry.time_stamped:
        assert status.timestamp_validity is not None, details
        timestamp = status.timestamp_validity
        assert (timestamp.intact, timestamp.valid, timestamp.trusted) == (True, True, True), details


@needs("pdfsig")
def test_pdfsig_finds_the_signature_valid(signed: Signed, tmp_path: Path) -> None:
    blocks = pdfsig_blocks(tmp_path, signed.result.pdf)

    (block,) = (b for b in blocks if "Signature Type: ETSI.CAdES.detached" in b)
    assert "Signature Validation: Signature is Valid." in block, block
    assert "Signing Hash Algorithm: SHA-256" in block, block
    if not signed.entry.long_term:
        assert "Total document signed" in block, block
    assert len(blocks) == (2 if signed.entry.archival else 1), blocks


def test_a_flipped_byte_of_the_letter_invalidates_the_signature(signed: Signed, tmp_path: Path) -> None:
    altered = bytearray(signed.result.pdf)
    altered[signed.letter.index(b"stream\n") + 20] ^= 0x01

    status = validate_pdf_signature(_letter_signature(bytes(altered)), ValidationContext(trust_roots=[]))

    assert not status.intact
    assert not status.bottom_line
    if shutil.which("pdfsig"):
        (block,) = (b for b in pdfsig_blocks(tmp_path, bytes(altered)) if "ETSI.CAdES.detached" in b)
        assert "Signature is Valid" not in block, block


def test_the_facts_match_the_certificate_in_the_signature(signed: Signed) -> None:
    facts = signed.result.facts
    certificate = _letter_signature(signed.result.pdf).signer_cert

    assert facts.level == signed.entry.level
    assert facts.signer_certificate_sha256 == hashlib.sha256(certificate.dump()).hexdigest()
    assert facts.signer_subject == x509.load_der_x509_certificate(certificate.dump()).subject.rfc4514_string()
    assert facts.development_certificate is signed.entry.development
    assert ("DEVELOPMENT" in facts.signer_subject) is signed.entry.development


def test_the_signing_time_falls_within_the_call(signed: Signed) -> None:
    claimed = _letter_signature(signed.result.pdf).self_reported_timestamp  # CMS signingTime, else /M

    assert signed.window.holds(signed.result.facts.signing_time), (signed.result.facts, signed.window)
    assert claimed is not None
    assert signed.window.holds(claimed), (claimed, signed.window)


def test_the_signature_time_stamp_covers_the_signature_value(signed: Signed) -> None:
    signature = _letter_signature(signed.result.pdf)
    tst_info = _signature_time_stamp(signature)
    facts = signed.result.facts

    if not signed.entry.time_stamped:
        assert tst_info is None, "B-B carries no signature time-stamp"
        assert facts.timestamp_time is None
        return
    assert tst_info is not None, "B-T and up carry a signature time-stamp"
    imprint = tst_info["message_imprint"]
    digest = hashlib.new(imprint["hash_algorithm"]["algorithm"].native, signature.signer_info["signature"].native)
    assert imprint["hashed_message"].native == digest.digest()
    gen_time: datetime = tst_info["gen_time"].native
    assert facts.timestamp_time == gen_time.astimezone(UTC)
    assert signed.window.holds(facts.timestamp_time), (facts.timestamp_time, signed.window)


def test_the_signing_time_precedes_the_signature_time_stamp(
    request: pytest.FixtureRequest, signed_with_time_stamp: Signed
) -> None:
    """The time-stamp proves the signature existed at genTime: the signing time the facts report cannot be later."""
    _expect_known_failure(request, "signing-time", signed_with_time_stamp.name)
    facts = signed_with_time_stamp.result.facts

    assert facts.timestamp_time is not None
    assert facts.signing_time <= facts.timestamp_time, facts


def test_the_levels_evidence_is_embedded(signed: Signed) -> None:
    reader = PdfFileReader(BytesIO(signed.result.pdf))
    document_time_stamps = [s for s in reader.embedded_signatures if s.sig_object_type == "/DocTimeStamp"]

    assert ("/DSS" in reader.root) is signed.entry.long_term
    if signed.entry.long_term:
        dss = DocumentSecurityStore.read_dss(reader)
        assert dss.ocsps and dss.crls, "B-LT embeds the OCSP responses and CRLs of the signer's and TSA's chains"
    assert len(document_time_stamps) == (1 if signed.entry.archival else 0)
    for document_time_stamp in document_time_stamps:
        status = validate_pdf_timestamp(
            document_time_stamp, ValidationContext(trust_roots=load_trust_roots([signed.pki.need_tsa().root_pem]))
        )
        assert (status.intact, status.valid, status.trusted) == (True, True, True)
        assert document_time_stamp.signed_revision > _letter_signature(signed.result.pdf).signed_revision


def test_the_location_is_recorded_when_given(entry_and_pki: tuple[SignerEntry, Pki], letter: bytes) -> None:
    entry, pki = entry_and_pki
    signer = entry.build(pki, [pki.tsa.url] if pki.tsa else [])

    signed = signer.sign(letter, reason="Relance amiable", location=LOCATION)

    signature = _letter_signature(signed.pdf)
    assert (signature.sig_object["/Reason"], signature.sig_object["/Location"]) == ("Relance amiable", LOCATION)
    assert validate_pdf_signature(signature, *_contexts(entry, pki, signed.pdf)).bottom_line


# ------------------------------------------------------------------------------------------------ bad input


BAD_PDFS: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda _letter: b"",
    "not-a-pdf": lambda _letter: b"Madame, Monsieur, nous vous mettons en demeure",
    "html": lambda _letter: b"<!doctype html><p>%PDF-1.7</p>",
    "header-only": lambda _letter: b"%PDF-1.7\n%%EOF\n",
    "truncated-in-the-middle": lambda letter: letter[: len(letter) // 2],
    "truncated-before-eof": lambda letter: letter[: letter.rindex(b"%%EOF")],
    "first-100-bytes": lambda letter: letter[:100],
    "broken-startxref": lambda letter: letter.replace(b"startxref", b"startxrex"),
}


@pytest.mark.parametrize("bad", sorted(BAD_PDFS))
def test_what_is_not_a_readable_pdf_is_a_signing_failure(
    entry_and_pki: tuple[SignerEntry, Pki], letter: bytes, bad: str
) -> None:
    entry, pki = entry_and_pki
    signer = entry.build(pki, [pki.tsa.url] if pki.tsa else [])

    with pytest.raises(SigningFailed):
        signer.sign(BAD_PDFS[bad](letter), reason=REASON)


WRONG_TYPES: list[object] = [
    pytest.param(lambda letter: letter.decode("latin-1"), id="str"),
    pytest.param(lambda _letter: None, id="None"),
    pytest.param(memoryview, id="memoryview"),
]


@pytest.mark.parametrize("wrong", WRONG_TYPES)
def test_what_is_not_bytes_is_a_signing_failure(
    entry_and_pki: tuple[SignerEntry, Pki], letter: bytes, wrong: Callable[[bytes], object]
) -> None:
    entry, pki = entry_and_pki
    signer = entry.build(pki, [pki.tsa.url] if pki.tsa else [])

    with pytest.raises(SigningFailed):
        signer.sign(wrong(letter), reason=REASON)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ TSA failures


TSA_FAILURES = [
    "unreachable",
    "not-found",
    "garbage",
    "refusal",
    "bare-token",
    "imprint-of-other-bytes",
    "other-nonce",
    "flipped-signature",
    "without-certificates",
    "untrusted-tsa",
    "expired-tsa",
]
"""One case per way of failing that takes a distinct path (the TimeStamper suite sweeps every rogue behaviour)."""


@pytest.mark.parametrize("failure", TSA_FAILURES)
def test_a_failing_tsa_is_a_time_stamp_failure_naming_it(
    request: pytest.FixtureRequest,
    time_stamped: tuple[str, SignerEntry, Pki],
    rogue_tsa: RogueTsa,
    letter: bytes,
    failure: str,
) -> None:
    """Unreachable, refusing, answering garbage, a token over other bytes or for another nonce, a token that does
    not verify or does not chain to the trust roots: the letter is signed neither at a lower level nor with it."""
    name, entry, pki = time_stamped
    _expect_known_failure(request, "tsa-fails", name, failure)
    url = failing_tsa_url(failure, pki.need_tsa(), rogue_tsa)
    signer = entry.build(pki, [url])

    with pytest.raises(TimeStampFailed) as caught, our_frames_only():
        signer.sign(letter, reason=REASON)

    assert url in caught.value.detail


@pytest.mark.parametrize("failure", ["unreachable", "refusal", "imprint-of-other-bytes", "untrusted-tsa"])
def test_a_second_tsa_is_asked_when_the_first_fails(
    request: pytest.FixtureRequest,
    time_stamped: tuple[str, SignerEntry, Pki],
    rogue_tsa: RogueTsa,
    letter: bytes,
    failure: str,
) -> None:
    name, entry, pki = time_stamped
    _expect_known_failure(request, "failover", name, failure)
    tsa = pki.need_tsa()
    signer = entry.build(pki, [failing_tsa_url(failure, tsa, rogue_tsa), tsa.url])

    with our_frames_only():
        signed = signer.sign(letter, reason=REASON)

    assert signed.facts.level == entry.level
    status = validate_pdf_signature(_letter_signature(signed.pdf), *_contexts(entry, pki, signed.pdf))
    details = status.pretty_print_details()  # type: ignore[no-untyped-call]
    assert status.bottom_line, details
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted, details
