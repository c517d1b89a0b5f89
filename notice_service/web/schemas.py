"""Request and response schemas of the JSON API (pydantic); the OpenAPI document is generated from them.

Amounts travel as decimal strings (``"1234.56"``), dates as ``YYYY-MM-DD``. Unknown members are refused so
a typo never silently drops data.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, StringConstraints

_AMOUNT_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"


def _amount_from_string(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError('amounts are decimal strings such as "1234.56", not JSON numbers')
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount_from_string),
    Field(json_schema_extra={"type": "string", "pattern": _AMOUNT_PATTERN, "examples": ["1234.56"]}),
    PlainSerializer(lambda d: format(d, "f"), return_type=str),
]
AmountString = Annotated[str, StringConstraints(pattern=_AMOUNT_PATTERN)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(Strict):
    lines: list[Annotated[str, StringConstraints(max_length=38)]] = Field(min_length=1, max_length=4)
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    city: ShortText
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "FR"


class DebtorCreate(Strict):
    kind: Literal["business", "consumer"]
    name: ShortText
    siren: str | None = Field(default=None, description="9 digits, required for businesses")
    address: Address
    email: str | None = None


class InvoiceCreate(Strict):
    debtor_id: str
    number: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    issue_date: date
    due_date: date
    amount_due: AmountString = Field(description='decimal string, e.g. "1234.56"')
    currency: Literal["EUR"] = "EUR"
    pdf_base64: str | None = Field(default=None, description="optional PDF copy of the invoice, base64")


class PaymentCreate(Strict):
    amount: AmountString
    paid_on: date
    reference: str | None = Field(default=None, max_length=100)


class CaseCreate(Strict):
    debtor_id: str
    invoice_ids: list[str] = Field(min_length=1, max_length=500)


class InstallmentIn(Strict):
    due_date: date
    amount: AmountString


class PrincipalCreditor(Strict):
    """The client a collection agency collects for (CPCE R124-4 2°)."""

    name: ShortText
    siren: str | None = Field(default=None, description="9 digits")
    address_lines: list[Annotated[str, StringConstraints(max_length=38)]] = Field(min_length=1, max_length=4)
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    city: ShortText
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "FR"


class NoticeCreate(Strict):
    """A notice to draft; options per kind: ``deadline_days`` and (collection agency) ``principal_creditor``
    for ``formal_notice``, ``tone`` for the reminders, ``installments`` for ``payment_plan``."""

    kind: Literal["pre_reminder", "reminder", "second_reminder", "formal_notice", "payment_plan"]
    as_of: date
    issue: bool = False
    deadline_days: int | None = Field(default=None, ge=1, le=60)
    tone: Literal["courteous", "firm"] | None = None
    installments: list[InstallmentIn] | None = Field(default=None, min_length=1, max_length=36)
    principal_creditor: PrincipalCreditor | None = None

    def options(self) -> dict[str, Any]:
        """The per-kind options given, as JSON (dates ISO, amounts strings)."""
        chosen = self.model_dump(mode="json", exclude={"kind", "as_of", "issue"}, exclude_none=True)
        return dict(chosen)


# ----------------------------------------------------------------------------------------- responses


class Created(BaseModel):
    id: str


class StatementPeriod(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: str = Field(alias="from")
    to: str
    days: int
    rate: str
    amount: str


class StatementInvoice(BaseModel):
    invoice_id: str
    number: str
    issue_date: str
    due_date: str
    amount_due: str
    paid: str
    balance: str
    interest: str
    indemnity: str
    periods: list[dict[str, Any]]


class Statement(BaseModel):
    as_of: str
    principal: str
    interest: str
    indemnities: str
    paid: str
    total: str
    invoices: list[StatementInvoice]


class NoticeOut(BaseModel):
    id: str
    case_id: str
    kind: str
    variant: str
    status: Literal["draft", "issued"]
    as_of: str
    options: dict[str, Any]
    statement: Statement
    template_digest: str
    document: dict[str, Any] | None
    signature: dict[str, Any] | None
    storage: dict[str, Any] | None
    completeness: dict[str, Any] | None
    created_at: str | None
    issued_at: str | None


class DebtorOut(BaseModel):
    id: str
    kind: str
    name: str
    siren: str | None
    address: dict[str, Any]
    email: str | None
    created_at: str | None


class InvoiceOut(BaseModel):
    id: str
    debtor_id: str
    number: str
    issue_date: str
    due_date: str
    amount_due: str
    currency: str
    paid: str
    balance: str
    document: dict[str, Any] | None
    payments: list[dict[str, Any]]


class CaseOut(BaseModel):
    id: str
    reference: str
    status: str
    debtor: DebtorOut
    invoices: list[InvoiceOut]
    notices: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    prescription: list[dict[str, Any]] = Field(
        default_factory=list, description="per invoice: due date, acknowledgements, prescription_date"
    )
    next_step: dict[str, Any] | None = Field(default=None, description="action, not_before, reason, court")
    documents: list[dict[str, Any]] = Field(default_factory=list, description="contract, CGV … (by SHA-256)")
    disputes: list[dict[str, Any]] = Field(default_factory=list, description="disputes the debtor raised")
    created_at: str | None


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str]] = Field(default_factory=list)
