"""One module per postal provider, each exposing ``PAIR``: how to start its twin and build its adapter against it
(``tests/contract/test_postal_provider_contract.py`` collects every module here: a new provider is one file). The
suite's letter (``submission``, shaped per provider by ``Running.submission``) and ``StepControl`` live here."""

from __future__ import annotations

import importlib
import io
import pkgutil
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from pypdf import PdfWriter

from notice_service.ports import PostalAddress, PostalProvider, ServiceLevel, Submission


class TwinControl(Protocol):
    """What the suite tells a provider's twin, in provider-neutral words."""

    def received(self, idempotency_key: str | None = None) -> int: ...
    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None: ...
    def drop_after_accept(self) -> None: ...
    def progress(self, provider_reference: str, step: str, at: datetime) -> None:
        """``step``: ``deposited``, ``first_presented``, ``delivered``, ``unclaimed`` or ``returned``."""
        ...


class _Twin(Protocol):
    """What every provider's twin offers (each names the key and the status its own way)."""

    def received(self, key: str | None = None, /) -> int: ...
    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None, /) -> None: ...
    def drop_after_accept(self) -> None: ...
    def advance(self, reference: str, status: str, at: datetime, /) -> None: ...


class StepControl:
    """A provider's twin told the suite's neutral steps in that provider's statuses (``steps``)."""

    def __init__(self, twin: _Twin, steps: Mapping[str, str]) -> None:
        self.twin = twin
        self.steps = steps

    def received(self, idempotency_key: str | None = None) -> int:
        return self.twin.received(idempotency_key)

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        self.twin.fail_next(status, times, retry_after)

    def drop_after_accept(self) -> None:
        self.twin.drop_after_accept()

    def progress(self, provider_reference: str, step: str, at: datetime) -> None:
        self.twin.advance(provider_reference, self.steps[step], at)


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _pdf()
SENDER = PostalAddress(("Atelier Durand SARL", "3 quai Saint-Antoine"), "69002", "Lyon")
RECIPIENT = PostalAddress(("Boulangerie Martin SARL", "8 avenue Jean Jaurès", "Bâtiment B"), "75019", "Paris")


def submission(key: str = "delivery-0b6c1f0e", **changes: object) -> Submission:
    """The suite's letter, as a paper provider takes it (``Running.submission`` shapes it for the provider)."""
    base = Submission(key, ServiceLevel.REGISTERED_WITH_RECEIPT, PDF, "mise-en-demeure.pdf", RECIPIENT, SENDER, "C-42")
    return replace(base, **changes)  # type: ignore[arg-type]


def _unchanged(letter: Submission) -> Submission:
    return letter


@dataclass(frozen=True)
class Running:
    provider: PostalProvider
    twin: TwinControl
    wrong_credentials: PostalProvider  # the same account with a wrong secret
    adapt: Callable[[Submission], Submission] = _unchanged  # the pair's ``adapt`` (set by the suite's fixture)

    def submission(self, key: str = "delivery-0b6c1f0e", **changes: object) -> Submission:
        """The suite's letter shaped for this provider (its service level, e-mail …), then ``changes``."""
        return replace(self.adapt(submission(key)), **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Pair:
    name: str
    start: Callable[[], AbstractContextManager[Running]]
    facts: Callable[[str], str]  # the provider's status code → our fact kind (the domain's tables)
    max_lines: int = 4  # name and address lines the provider prints (besides postal code and city)
    cancellable_after_submit: bool = True  # until posted (else ``not-cancellable`` once submitted)
    quotes: bool = True  # publishes a price estimate (else ``quote`` is ``not-supported`` and sends nothing)
    # What differs for a provider that is not a paper one (AR24: LRE only). The defaults are a paper provider's.
    adapt: Callable[[Submission], Submission] = _unchanged  # its service level, e-mail …
    tracked: bool = True  # its receipts carry a tracking number
    paper_addresses: bool = True  # it checks postal address limits
    bad_recipients: tuple[tuple[PostalAddress, str, str], ...] = ()  # (recipient, code, field) refused before sending
    presented: frozenset[str] = field(default_factory=lambda: frozenset({"first_presented"}))


def pairs() -> list[Pair]:
    found = []
    for module in pkgutil.iter_modules(__path__):
        pair = getattr(importlib.import_module(f"{__name__}.{module.name}"), "PAIR", None)
        if isinstance(pair, Pair):
            found.append(pair)
    return found
