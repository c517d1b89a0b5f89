"""Sending a signed letter through a provider that prints and posts it, or carries it electronically (LRE).

One port for every provider (Merci Facteur, Maileva, AR24 …); each adapter translates it to its provider's
published HTTP API. The worker calls it outside any transaction (see ``use_cases/delivery``'s dispatch job):

1. ``submit`` with a ``Submission`` whose ``idempotency_key`` is stable for the delivery (its id): a provider that
   has an idempotency mechanism (Merci Facteur's ``antidoublon``, Maileva's sending name/``custom_id`` …) gets it,
   so a retry never posts twice.
2. On an ambiguous failure (``ProviderAmbiguous``: the request left and no answer came back), the caller asks
   ``find`` before retrying; ``find`` answers the receipt of the letter already accepted under that key, or
   ``None`` when the provider never took it.
3. ``events`` polls what happened to the letter since it was sent (providers that push webhooks also answer
   here, so a missed webhook is caught up); ``proof`` fetches a document (deposit proof, signed receipt) once
   an event says it exists.

Every other failure is a ``ProviderError`` whose ``code`` a person can act on; ``retryable`` tells the worker
whether to try again later (5xx, 429 with ``retry_after`` for the whole account) or to fail the delivery.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class ServiceLevel(StrEnum):
    """What the provider is asked to do with the letter."""

    REGISTERED_WITH_RECEIPT = "registered_with_receipt"  # lettre recommandée avec avis de réception (LRAR)
    REGISTERED = "registered"  # lettre recommandée sans avis de réception
    TRACKED = "tracked"  # lettre suivie
    SIMPLE = "simple"  # lettre simple (verte)
    ELECTRONIC_REGISTERED = "electronic_registered"  # lettre recommandée électronique (LRE, CPCE L100)


class ProofKind(StrEnum):
    DEPOSIT = "deposit"  # preuve de dépôt
    RECEIPT = "receipt"  # avis de réception signé (scan) or LRE proof of reception
    REFUSAL = "refusal"  # LRE refused by the recipient
    NEGLIGENCE = "negligence"  # LRE not claimed within 15 days
    RETURNED = "returned"  # the returned envelope (pli non distribué)


@dataclass(frozen=True)
class PostalAddress:
    """An address as printed: ``lines`` are the recipient's name and the street lines (NF Z10-011, at most six
    lines of 38 characters with the postal code and city line); ``country`` is ISO 3166-1 alpha-2."""

    lines: tuple[str, ...]
    postal_code: str
    city: str
    country: str = "FR"
    email: str | None = None  # the LRE recipient's address


@dataclass(frozen=True)
class Submission:
    idempotency_key: str
    level: ServiceLevel
    document: bytes  # the signed PDF, as issued
    document_name: str
    recipient: PostalAddress
    sender: PostalAddress
    reference: str  # ours (the case reference), printed or kept by the provider where it allows
    consumer: bool = False  # the recipient is not a professional (LRE: their consent is checked before)


@dataclass(frozen=True)
class Quote:
    amount: Decimal  # what the provider will charge, tax included
    currency: str = "EUR"


@dataclass(frozen=True)
class Receipt:
    """The provider took the letter: its ids, the price it charges and its raw answer (kept as evidence)."""

    provider_reference: str
    submitted_at: datetime
    tracking_number: str | None = None
    price: Decimal | None = None
    raw: bytes = b""


@dataclass(frozen=True)
class ProviderEvent:
    """One thing the provider reports about a letter; ``event_id`` is stable across polls and webhooks."""

    event_id: str
    provider_reference: str
    status: str  # the provider's own code, mapped to a fact by the domain's tables
    occurred_at: datetime
    proofs: tuple[ProofKind, ...] = ()
    raw: bytes = b""


@dataclass(frozen=True)
class Proof:
    kind: ProofKind
    media_type: str
    content: bytes


@dataclass(eq=False)
class ProviderError(Exception):
    """A failure a person can act on. ``code``: ``unauthorized``, ``address-too-long``, ``unsupported-country``,
    ``insufficient-credit``, ``document-rejected``, ``not-cancellable``, ``not-found``, ``rate-limited``,
    ``unavailable``, ``invalid-request``, ``not-supported`` (the provider has no such call, e.g. no quote);
    ``field_name`` names the part of the submission at fault when there is one."""

    code: str
    detail: str
    retryable: bool = False
    retry_after_seconds: float | None = None
    field_name: str | None = None
    raw: bytes = b""

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class ProviderAmbiguous(Exception):
    """The request left and no answer came back (timeout, connection reset): the letter may have been taken.
    The caller asks ``find`` with the same idempotency key before trying again."""


class PostalProvider(Protocol):
    """A provider that sends letters (paper or electronic registered) on our behalf."""

    @property
    def name(self) -> str:
        """The provider's name as deliveries record it (``merci_facteur``, ``maileva``, ``ar24`` …)."""
        ...

    def check(self) -> None:
        """One cheap authenticated call: ``ProviderError('unauthorized', field_name=…)`` naming the credential
        at fault when the provider refuses the account's credentials."""
        ...

    def levels(self) -> frozenset[ServiceLevel]:
        """The service levels this provider (and account) offers."""
        ...

    def quote(self, submission: Submission) -> Quote:
        """What sending ``submission`` would cost, without sending it."""
        ...

    def submit(self, submission: Submission) -> Receipt:
        """Send it; a second call with the same ``idempotency_key`` answers the first receipt, posting nothing."""
        ...

    def find(self, idempotency_key: str) -> Receipt | None:
        """The receipt of the letter accepted under ``idempotency_key``, or ``None`` if there is none."""
        ...

    def cancel(self, provider_reference: str) -> None:
        """Cancel a letter not yet printed or posted; ``ProviderError('not-cancellable')`` once it is too late."""
        ...

    def events(self, provider_reference: str) -> Sequence[ProviderEvent]:
        """Everything the provider reports about the letter so far, oldest first."""
        ...

    def proof(self, provider_reference: str, kind: ProofKind) -> Proof | None:
        """The proof document of ``kind``, or ``None`` while the provider does not have it (yet)."""
        ...


PostalProviderFactory = Callable[[str, Mapping[str, str]], PostalProvider]
"""Builds a provider's adapter for one account: its base URL and its credentials (decrypted, never logged)."""
