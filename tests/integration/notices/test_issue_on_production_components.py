"""Issuing on the production stack: PostgreSQL, S3 with Object Lock (SeaweedFS), a B-T signature from a real
RFC 3161 TSA. The issued PDF is read back from the store and checked independently: pyHanko and poppler's
``pdfsig`` validate the signature, the bytes keep their PDF/A-3b identification, fonts and output intent,
and the locked version cannot be deleted."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from sqlalchemy import select

from notice_service.adapters.storage.s3_store import S3DocumentStore
from notice_service.adapters.system_clock import FixedClock
from notice_service.adapters.timestamping.rfc3161_timestamper import load_trust_roots
from notice_service.bootstrap import build_services
from notice_service.db.engine import make_engine, migrate
from notice_service.db.models.audit_log import AuditRecord
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.audit.verify import verify_tenant_ledger
from notice_service.use_cases.cases.open import open_case
from notice_service.use_cases.claims.debtors import DebtorInput, register_debtor
from notice_service.use_cases.claims.invoices import InvoiceInput, register_invoice
from notice_service.use_cases.claims.payments import PaymentInput, record_payment
from notice_service.use_cases.notices.draft import DraftRequest, draft_notice
from notice_service.use_cases.notices.issue import issue_notice
from notice_service.use_cases.notices.queries import get_notice
from notice_service.use_cases.tenants.onboarding import authenticate, create_tenant, list_tenant_ids
from tests.functional.conftest import CREDITOR_PROFILE, NOW
from tests.services.seaweed import SeaweedS3
from tests.services.tsa import TsaService

pytestmark = [pytest.mark.postgres, pytest.mark.s3, pytest.mark.tsa]


@pytest.fixture(scope="module")
def services(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str, seaweed_s3: SeaweedS3, tsa: TsaService
) -> Iterator[Services]:
    data_dir = tmp_path_factory.mktemp("production")
    roots = data_dir / "tsa-roots.pem"
    roots.write_bytes(tsa.root_pem)
    settings = Settings(
        profile="production",
        data_dir=data_dir,
        database_url=postgres_url,
        store="s3",
        s3_bucket=seaweed_s3.make_bucket(),
        s3_endpoint_url=seaweed_s3.endpoint_url,
        s3_access_key=seaweed_s3.access_key,
        s3_secret_key=seaweed_s3.secret_key,
        tsa_urls=(tsa.url,),
        tsa_roots_pem=roots,
        retention_days=30,
    )
    engine = make_engine(postgres_url)
    migrate(engine)  # production migrates once (`notice-service init`), not in build_services
    engine.dispose()
    built = build_services(settings, clock=FixedClock(NOW))
    built.store.check_health()
    yield built
    built.db.engine.dispose()


@pytest.fixture(scope="module")
def issued(services: Services) -> dict[str, object]:
    tenant = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
    actor = authenticate(services, tenant.api_key)
    debtor = register_debtor(
        services,
        actor,
        DebtorInput(
            "business", "Boulangerie Martin SARL", ("8 avenue Jean Jaurès",), "75019", "Paris", siren="732829320"
        ),
    )
    invoice = register_invoice(
        services, actor, InvoiceInput(debtor, "F-2026-0042", date(2026, 3, 1), date(2026, 3, 31), Decimal("1234.56"))
    )
    record_payment(services, actor, PaymentInput(invoice, Decimal("200.00"), date(2026, 4, 15)))
    case = open_case(services, actor, debtor, [invoice])
    notice_id = draft_notice(services, actor, DraftRequest(case, "formal_notice", date(2026, 6, 30)))
    issue_notice(services, actor, notice_id)
    return {"actor": actor, "notice": get_notice(services, actor, notice_id)}


@pytest.fixture(scope="module")
def signed_file(services: Services, issued: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Path:
    notice = issued["notice"]
    assert isinstance(notice, dict)
    path = tmp_path_factory.mktemp("signed") / "notice.pdf"
    path.write_bytes(services.store.get(notice["storage"]["key"]))
    return path


def test_the_stored_pdf_is_the_one_recorded(services: Services, issued: dict[str, object], signed_file: Path) -> None:
    notice = issued["notice"]
    assert isinstance(notice, dict)
    pdf = signed_file.read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == notice["document"]["sha256"]
    storage = notice["storage"]
    assert storage["backend"] == "s3" and storage["version_id"] and storage["retention_mode"] == "COMPLIANCE"
    with services.db.reading() as session:
        record = session.execute(
            select(AuditRecord.canonical).where(AuditRecord.action == "notice:issued")
        ).scalar_one()
    parsed = json.loads(record)
    assert parsed["documents"] == [{"role": "signed_pdf", "sha256": notice["document"]["sha256"]}]
    assert parsed["data"]["storage_version_id"] == storage["version_id"]
    assert all(verify_tenant_ledger(services, tenant).failure is None for tenant in list_tenant_ids(services))


def test_signature_is_b_t_and_validates_with_pyhanko(services: Services, signed_file: Path, tsa: TsaService) -> None:
    development_ca = (services.settings.keys_dir / "development-ca.pem").read_bytes()
    reader = PdfFileReader(io.BytesIO(signed_file.read_bytes()))
    (signature,) = reader.embedded_signatures
    status = validate_pdf_signature(
        signature,
        ValidationContext(trust_roots=load_trust_roots([development_ca])),
        ValidationContext(trust_roots=load_trust_roots([tsa.root_der])),
    )
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted


def test_signature_validates_with_pdfsig(signed_file: Path) -> None:
    report = subprocess.run(["pdfsig", "-nocert", str(signed_file)], capture_output=True, text=True, check=False).stdout
    assert "Signature is Valid" in report
    assert "Total document signed" in report


def test_signed_bytes_keep_pdfa_identification_fonts_and_output_intent(signed_file: Path) -> None:
    catalog = PdfReader(signed_file).trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data()
    assert re.search(rb"pdfaid:part(>|=\")3", xmp) and re.search(rb"pdfaid:conformance(>|=\")B", xmp)
    (intent,) = catalog["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent.get_object()
    fonts = subprocess.run(["pdffonts", str(signed_file)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts
    assert subprocess.run(["qpdf", "--check", str(signed_file)], capture_output=True, check=False).returncode == 0


def test_the_locked_version_cannot_be_deleted(
    services: Services, issued: dict[str, object], seaweed_s3: SeaweedS3
) -> None:
    notice = issued["notice"]
    assert isinstance(notice, dict) and isinstance(services.store, S3DocumentStore)
    storage = notice["storage"]
    with pytest.raises(ClientError) as refused:
        seaweed_s3.client().delete_object(
            Bucket=services.store.bucket, Key=storage["key"], VersionId=storage["version_id"]
        )
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
