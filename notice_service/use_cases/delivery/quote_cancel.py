"""A provider's price before sending, and cancelling a letter while the provider allows it.

* ``quote_dispatch``: what dispatching the notice on ``channel`` through ``provider`` would cost, asked of the
  provider with the submission the worker would send (the signed PDF, the debtor's address and e-mail, the
  account's return address), before any delivery exists: nothing is created or sent. The checks are the
  dispatch's own (issued notice, provider for the channel, LRE consent of a consumer, e-mail address, the
  tenant's account). A provider without a quote call (AR24) answers a 409 ``not-supported`` problem; an
  address the provider refuses, a 422 naming the field; an unreachable provider, a 502.
* ``cancel_delivery``: a submitted letter is cancelled at the provider (``PostalProvider.cancel``), then the
  delivery is ``cancelled``, audited (``delivery:cancelled``) with a ``delivery.updated`` event, and no longer
  polled. Too late for the provider (printed, posted; an LRE, always) is a 409 ``not-cancellable`` problem and
  nothing changes. A delivery still ``queued`` is a 409 too: the worker may be handing it to the provider at
  this very moment, so it is cancelled once it shows ``submitted``. Cancelling a cancelled delivery answers it
  again (idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from notice_service.db import audit_repository
from notice_service.db.models.delivery import Delivery
from notice_service.db.tenant_scope import get_owned
from notice_service.errors import Conflict, FieldError, InvalidInput, ProviderUnavailable
from notice_service.ports import ProviderError
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.delivery.dispatch import DispatchRequest, check_request, load_target, require_provider
from notice_service.use_cases.delivery.recording import queue_delivery_updated
from notice_service.use_cases.delivery.submission import build_submission
from notice_service.use_cases.providers.accounts import load_account


@dataclass(frozen=True)
class QuoteAnswer:
    notice_id: str
    channel: str
    provider: str
    amount: Decimal
    currency: str


def _postal(services: Services, provider: str, what: str) -> None:
    if provider not in services.postal_providers:
        raise Conflict(
            f"The {provider} provider {what}: only a postal provider's letter "
            f"({', '.join(sorted(services.postal_providers))}).",
            extra={"code": "not-supported"},
        )


def _provider_problem(error: ProviderError) -> Exception:
    if error.retryable:
        return ProviderUnavailable(f"The provider cannot answer now: {error.detail}")
    if error.code in ("not-supported", "not-cancellable"):
        return Conflict(error.detail, extra={"code": error.code})
    field = error.field_name or "provider"
    return InvalidInput(
        f"The provider refused ({error.code}): {error.detail}",
        errors=[FieldError(field, f"{error.code}: correct this value (the debtor's or the account's)")],
    )


def quote_dispatch(services: Services, actor: Actor, request: DispatchRequest) -> QuoteAnswer:
    _postal(services, request.provider.value, "gives no quote")
    check_request(request)
    target = load_target(services, actor, request)
    require_provider(services, actor, request)
    account = load_account(services, actor.tenant_id, request.provider.value)
    submission = build_submission(
        services,
        idempotency_key=f"quote-{request.notice_id}",
        channel=request.channel,
        notice=target.notice,
        debtor=target.debtor,
        email=target.recipient,
        case_reference=target.case_reference,
        sender=account.sender,
    )
    try:
        quote = account.provider.quote(submission)
    except ProviderError as error:
        raise _provider_problem(error) from None
    return QuoteAnswer(request.notice_id, request.channel.value, request.provider.value, quote.amount, quote.currency)


def cancel_delivery(services: Services, actor: Actor, delivery_id: str) -> None:
    with services.db.reading() as session:
        delivery = get_owned(session, Delivery, actor.tenant_id, delivery_id)
        provider, status, reference = delivery.provider, delivery.status, delivery.provider_reference
    _postal(services, provider, "cannot cancel a delivery")
    if status == "cancelled":
        return
    if status == "queued":
        raise Conflict(
            "The delivery is being handed to the provider; cancel it once it shows submitted.",
            extra={"code": "not-submitted-yet", "delivery_status": status},
        )
    if reference is None or status == "failed":
        raise Conflict(
            f"This delivery ({status}) was never taken by the provider: there is nothing to cancel.",
            extra={"code": "not-cancellable", "delivery_status": status},
        )
    account = load_account(services, actor.tenant_id, provider)
    try:
        account.provider.cancel(reference)
    except ProviderError as error:
        raise _provider_problem(error) from None
    _record_cancelled(services, actor, delivery_id)


def _record_cancelled(services: Services, actor: Actor, delivery_id: str) -> None:
    now = services.clock.now()
    with services.db.transaction() as session:
        locked = get_owned(session, Delivery, actor.tenant_id, delivery_id, lock=True)
        if locked.status == "cancelled":
            return
        data = {"provider": locked.provider, "provider_reference": locked.provider_reference, "was": locked.status}
        locked.status, locked.status_at = "cancelled", now
        record = actor.record("delivery:cancelled", "delivery", locked.id, data=data)
        audit_repository.append(session, actor.tenant_id, [record], now)
        queue_delivery_updated(session, locked, now)
