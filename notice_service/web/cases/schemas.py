"""Request and response schemas of ``/v1/cases`` (pydantic; the OpenAPI document is generated from them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from notice_service.web.claims.schemas import DebtorOut, InvoiceOut
from notice_service.web.listing import IdFilter, ListQuery, PageOut
from notice_service.web.schemas import AmountString, ShortText, Strict


class CaseCreate(Strict):
    debtor_id: str
    invoice_ids: list[str] = Field(min_length=1, max_length=500)


class CaseClose(Strict):
    reason: Literal["paid", "settled", "written_off", "transferred", "other"]
    note: str | None = Field(default=None, max_length=500, description="why; required when the reason is other")


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
    mediator_name: ShortText | None = Field(default=None, description="its médiateur de la consommation (L612-1)")
    mediator_url: Annotated[str, StringConstraints(pattern=r"^https?://\S{1,190}$")] | None = Field(
        default=None, description="the mediator's website, printed in a letter to a consumer (R616-1)"
    )
    pouvoir_special: str | None = Field(
        default=None,
        description="the special power the agency holds from this client (reference and date, at most 200 "
        "characters), printed in the dossier's requête, where the client is the requérant and the agency its "
        "mandataire",
    )


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
    interest_until: Literal["last_confirmed"] | None = Field(
        default=None,
        description="`last_confirmed`: when `as_of` is past the confirmed rates, interest is arrêté at their last "
        "day and the later interest claimed in words, instead of a `rate-unknown` refusal",
    )

    def options(self) -> dict[str, Any]:
        """The per-kind options given, as JSON (dates ISO, amounts strings)."""
        chosen = self.model_dump(mode="json", exclude={"kind", "as_of", "issue", "interest_until"}, exclude_none=True)
        return dict(chosen)


class CaseOut(BaseModel):
    id: str
    reference: str
    status: str
    debtor: DebtorOut
    invoices: list[InvoiceOut]
    notices: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    prescription: list[dict[str, Any]] = Field(
        default_factory=list,
        description="per invoice: due date, counted_from (the date the period runs from: due date B2B, "
        "delivery/completion or issue date B2C) with its basis and reason, acknowledgements, prescription_date",
    )
    next_step: dict[str, Any] | None = Field(default=None, description="action, not_before, reason, court")
    documents: list[dict[str, Any]] = Field(default_factory=list, description="contract, CGV … (by SHA-256)")
    disputes: list[dict[str, Any]] = Field(default_factory=list, description="disputes the debtor raised")
    pauses: list[dict[str, Any]] = Field(
        default_factory=list, description="promises to pay and manual pauses, running or ended (oldest first)"
    )
    calls: list[dict[str, Any]] = Field(default_factory=list, description="calls to the debtor and their outcome")
    created_at: str | None
    closed_reason: str | None = Field(default=None, description="paid, settled, written_off, transferred, other")
    closed_note: str | None = None
    closed_at: str | None = None


NextAction = Literal["pre_reminder", "reminder", "second_reminder", "formal_notice", "injonction_de_payer", "none"]


class CaseListQuery(ListQuery):
    status: Literal["open", "closed"] | None = None
    debtor_id: IdFilter | None = None
    next_step: NextAction | None = Field(default=None, description="the action of the case's next step, as of today")


class CaseItem(BaseModel):
    id: str
    debtor_id: str
    reference: str
    status: str
    next_step: NextAction
    created_at: str | None


class CasePage(PageOut):
    data: list[CaseItem]
