"""``Ar24Provider``: the ``PostalProvider`` port over AR24's API (qualified LRE, eIDAS art. 44, C. postes L100).

Written from AR24's published API documentation (developers.ar24.fr/doc, "Introduction"/"Getting started"; the
knowledge-base pages ar24.fr/base-de-connaissances/api/…) and the shapes public AR24 clients rely on. What each
call relies on:

Verified against that documentation
  * HTTP GET/POST with form data, JSON answers, HTTP 200 for every answered call (success or error), a
    ``{"status": "maintenance"}`` answer during maintenance, a 60 s server timeout;
  * authentication by the API ``token`` and the ``date`` of the request (``YYYY-MM-DD HH:mm:ss``, Paris time,
    refused when older than now or more than 10 minutes ahead: ``expired_date``/``date_in_future``) with the
    ``signature`` header (AES-256-CBC of the date under the private key: ``ar24_wire.sign``; the
    documentation's example vector is a unit test); successful answers are encrypted with ``date + private key``;
  * error answers ``{"status": "ERROR", "slug": …, "message": …}`` and the slugs mapped in ``_SLUGS``;
  * ``POST /attachment`` (``file``, ``file_name``, ``id_user``) answering ``result.file_id``, then ``POST /mail``
    (``id_user``, ``to_email``, ``to_lastname``/``to_company``, ``dest_statut``, ``eidas``, ``ref_dossier``,
    ``ref_client``, ``attachment[]``); ``GET /mail?id=`` answering the mail with its ``date``, ``price_ht``,
    ``ts_ev_date``/``view_date``/``refused_date``/``negligence_date``/``bounced_date`` and the proof URLs
    ``proof_ev_url``/``proof_ar_url``/``proof_rf_url``/``proof_ng_url``; ``GET /user/mail?id_user=`` listing
    the user's mails; ``GET /user/?id_user=`` (the cheap authenticated call of ``check``);
  * the 15 days the recipient has to accept or refuse (C. postes R53-3), after which AR24 issues the
    negligence proof.

Assumed (to confirm with an AR24 sandbox account):
  * the sandbox base URL (``https://sandbox.ar24.fr/api``) and whether the token/date go in the query for POSTs;
  * the paging parameters of ``GET /user/mail`` (``max``, ``start``, as ``/user/attachment`` documents) and that
    ``ref_client`` is answered there unchanged (``find`` matches our idempotency key in it: AR24 has no
    idempotency key of its own, so ``submit`` asks ``find`` first, which reads the newest mails back 30 days and
    at most 2,000 of them: a retry later than that, or behind more mails, would send the letter again);
  * the slug of a wrong private key (``invalid_signature``; a 200 answer that does not decrypt is treated the same
    way, while a non-JSON answer with another status, a proxy's page, is a retryable ``unavailable``);
  * that ``price_ht`` is before the 20 % VAT (the receipt's price is that amount with VAT);
  * that an LRE cannot be cancelled once deposited and that AR24 has no price-quote call (``quote`` and
    ``cancel`` answer ``not-supported`` and ``not-cancellable``);
  * eIDAS sender identification (OTP, ``/user/auth_otp``) is done on the account beforehand, outside this
    service: an unidentified sender's letter fails with ``authentication_missing`` naming the user.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests

from notice_service.adapters.postal.ar24_wire import (
    PROOF_URLS,
    STEPS,
    decrypt,
    paris_stamp,
    parse_stamp,
    response_key,
    sign,
)
from notice_service.adapters.postal.http_common import busy_or_down, json_object, may_have_left, price, raw_json
from notice_service.domain.money import STANDARD_VAT
from notice_service.ports import (
    Proof,
    ProofKind,
    ProviderAmbiguous,
    ProviderError,
    ProviderEvent,
    Quote,
    Receipt,
    ServiceLevel,
    Submission,
)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PAGE = 100
#: ``find`` reads the newest mails back to this far (a retry comes minutes or hours after the first attempt, as
#: Merci Facteur's 30-day ``antidoublon`` assumes) and at most this many pages, so a long mail history costs a
#: bounded number of calls per letter.
RETRY_WINDOW, MAX_PAGES = timedelta(days=30), 20

#: AR24's error slugs → (our code, the field at fault, what to do).
_SLUGS: dict[str, tuple[str, str | None, str]] = {
    "token_invalid": ("unauthorized", "credentials.token", "the API token is not valid"),
    "token_missing": ("unauthorized", "credentials.token", "the API token is missing"),
    "invalid_signature": ("unauthorized", "credentials.private_key", "the signature does not match the key"),
    "empty_date": ("invalid-request", None, "the request carried no date"),
    "invalid_date": ("invalid-request", None, "the request's date is malformed"),
    "expired_date": ("invalid-request", None, "the request's date is in the past: check the server's clock"),
    "date_in_future": ("invalid-request", None, "the request's date is ahead: check the server's clock"),
    "user_not_exist": ("unauthorized", "credentials.user_id", "no AR24 user has this id"),
    "missing_user_id": ("unauthorized", "credentials.user_id", "the user id is missing"),
    "user_unavailable": ("unauthorized", "credentials.user_id", "this user has not granted access to the API"),
    "user_account_not_confirmed": ("invalid-request", "credentials.user_id", "the user must confirm its e-mail"),
    "user_eula_not_accepted": ("invalid-request", "credentials.user_id", "the sender must accept AR24's terms"),
    "user_name_empty": ("invalid-request", "credentials.user_id", "the sender's name is empty on AR24"),
    "user_no_payment": ("insufficient-credit", "credentials.user_id", "the AR24 account has no payment method"),
    "authentication_missing": ("invalid-request", "credentials.user_id", "the sender is not identified (eIDAS)"),
    "authentication_otp_invalid": ("invalid-request", "credentials.user_id", "the sender's OTP is invalid"),
    "authentication_otp_hash_invalid": ("invalid-request", "credentials.user_id", "the sender's OTP is invalid"),
    "missing_email": ("invalid-request", "recipient.email", "the recipient's e-mail address is missing"),
    "invalid_recipient": ("invalid-request", "recipient.email", "the recipient's e-mail address is invalid"),
    "invalid_email": ("invalid-request", "recipient.email", "the recipient's e-mail domain does not exist"),
    "same_sender_recipients_emails": ("invalid-request", "recipient.email", "the recipient is the sender"),
    "attachment_too_big": ("document-rejected", "document", "the document is empty or too big"),
    "attachment_empty_name": ("document-rejected", "document", "the document has no file name"),
    "attachment_missing_file": ("document-rejected", "document", "the document was not received"),
    "attachment_not_exists": ("document-rejected", "document", "the uploaded document is unknown"),
    "content_exceeds_limit": ("document-rejected", "document", "the content is too long"),
    "missing_erm_id": ("not-found", None, "no such mail"),
}


class _RedactTokens(logging.Filter):
    """AR24 wants the API token as a request parameter (and proof URLs carry one): urllib3 logs request URLs at
    DEBUG, so its records are rewritten here with ``token=***`` before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN.sub("token=***", arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = _TOKEN.sub("token=***", record.msg)
        return True


_TOKEN = re.compile(r"token=[^&\s\"']+")
_URLLIB3 = logging.getLogger("urllib3.connectionpool")
if not any(isinstance(existing, _RedactTokens) for existing in _URLLIB3.filters):
    _URLLIB3.addFilter(_RedactTokens())


class Ar24Provider:
    """One AR24 API access (token, private key) sending as one AR24 user (``id_user``)."""

    name = "ar24"

    def __init__(
        self,
        base_url: str,
        token: str,
        private_key: str,
        user_id: str,
        *,
        timeout: float = 60.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._base = base_url.rstrip("/")
        self._token, self._key, self._user_id = token, private_key, user_id
        self._timeout, self._now = timeout, now

    def __repr__(self) -> str:  # never the token or the key
        return f"Ar24Provider({self._base!r}, user_id={self._user_id!r})"

    # --- HTTP -------------------------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str | list[str]] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        ambiguous: bool = False,
    ) -> Any:
        date = paris_stamp(self._now())
        query = {"token": self._token, "date": date, **(params or {})}
        headers = {"signature": sign(date, self._key), "Accept-Language": "en"}
        url = f"{self._base}/{path.lstrip('/')}"
        try:
            response = requests.request(
                method, url, params=query, data=data, files=files, headers=headers, timeout=self._timeout
            )
        except requests.RequestException as exc:
            if ambiguous and may_have_left(exc):
                raise ProviderAmbiguous(f"{path}: the request left and no answer came back") from None
            raise ProviderError("unavailable", f"AR24 cannot be reached ({path}).", retryable=True) from None
        return self._answer(path, date, response)

    def _answer(self, path: str, date: str, response: requests.Response) -> Any:
        raw = response.content[:4000]
        if (busy := busy_or_down("AR24", path, response)) is not None:
            raise busy
        body = json_object(response.content)
        if body is None and response.status_code != 200:  # a proxy's HTML 403 or 404, not AR24's own answer
            raise ProviderError(
                "unavailable",
                f"AR24 answered {path} with HTTP {response.status_code} and no JSON; try again later.",
                retryable=True,
                raw=raw,
            )
        if body is None:  # not JSON: a successful answer, encrypted with the date and our private key
            plain = decrypt(response.text, *response_key(date, self._key))
            body = json_object(plain) if plain is not None else None
            if body is None:
                raise ProviderError(
                    "unauthorized",
                    "AR24's answer cannot be decrypted with this private key.",
                    field_name="credentials.private_key",
                    raw=raw,
                )
        status = body.get("status")
        if status == "SUCCESS":
            return body.get("result")
        if status == "maintenance":
            raise ProviderError("unavailable", "AR24 is under maintenance; try again later.", retryable=True, raw=raw)
        slug = str(body.get("slug") or "unknown_error")
        code, field, what = _SLUGS.get(slug, ("invalid-request", None, str(body.get("message") or slug)))
        raise ProviderError(code, f"AR24 refused {path} ({slug}): {what}.", field_name=field, raw=raw)

    # --- the port ---------------------------------------------------------------------------------------------

    def check(self) -> None:
        self._call("GET", "user/", params={"id_user": self._user_id})

    def levels(self) -> frozenset[ServiceLevel]:
        return frozenset({ServiceLevel.ELECTRONIC_REGISTERED})

    def quote(self, submission: Submission) -> Quote:
        raise ProviderError("not-supported", "AR24 publishes no price-quote call; its price is the account's.")

    def _form(self, submission: Submission, file_id: str) -> dict[str, str | list[str]]:
        name = submission.recipient.lines[0] if submission.recipient.lines else ""
        form: dict[str, str | list[str]] = {
            "id_user": self._user_id,
            "to_email": submission.recipient.email or "",
            "dest_statut": "particulier" if submission.consumer else "professionnel",
            "eidas": "1",
            "ref_dossier": submission.reference[:255],
            "ref_client": submission.idempotency_key,
            "attachment[]": [file_id],
        }
        form["to_lastname" if submission.consumer else "to_company"] = name
        return form

    def _validate(self, submission: Submission) -> None:
        if submission.level is not ServiceLevel.ELECTRONIC_REGISTERED:
            raise ProviderError(
                "invalid-request", "AR24 carries electronic registered letters only.", field_name="level"
            )
        email = submission.recipient.email or ""
        if not EMAIL.match(email):
            raise ProviderError(
                "invalid-request", "An LRE needs the recipient's e-mail address.", field_name="recipient.email"
            )
        if not submission.recipient.lines or not submission.recipient.lines[0].strip():
            raise ProviderError("invalid-request", "An LRE needs the recipient's name.", field_name="recipient.lines")

    def submit(self, submission: Submission) -> Receipt:
        self._validate(submission)
        found = self.find(submission.idempotency_key)  # AR24 has no idempotency key: ask before sending
        if found is not None:
            return found
        files = {"file": (submission.document_name, submission.document, "application/pdf")}
        form = {"id_user": self._user_id, "file_name": submission.document_name}
        uploaded = self._call("POST", "attachment", data=form, files=files)
        file_id = uploaded.get("file_id") if isinstance(uploaded, dict) else None
        if file_id is None:
            raise ProviderError("unavailable", "AR24 answered the upload with no file_id.", retryable=True)
        mail = self._call("POST", "mail", data=self._form(submission, str(file_id)), ambiguous=True)
        return self._receipt(mail)

    def _receipt(self, mail: Any) -> Receipt:
        if not isinstance(mail, dict) or mail.get("id") in (None, ""):
            raise ProviderError("unavailable", "AR24 answered the mail with no id.", retryable=True)
        return Receipt(
            provider_reference=str(mail["id"]),
            submitted_at=parse_stamp(mail.get("date")) or self._now(),
            tracking_number=None,  # an LRE has no postal tracking number: its id is the reference
            price=price(mail.get("price_ht"), 1 + STANDARD_VAT),  # rounded once, with the tax
            raw=raw_json(mail),
        )

    def find(self, idempotency_key: str) -> Receipt | None:
        """The mail sent with this key, newest first, back to ``RETRY_WINDOW`` and at most ``MAX_PAGES`` pages."""
        horizon = self._now() - RETRY_WINDOW
        for number in range(MAX_PAGES):
            params = {"id_user": self._user_id, "max": str(PAGE), "start": str(number * PAGE), "sort": "DESC"}
            listed = self._call("GET", "user/mail", params=params)
            mails = [mail for mail in listed if isinstance(mail, dict)] if isinstance(listed, list) else []
            for mail in mails:
                if mail.get("ref_client") == idempotency_key:
                    return self._receipt(mail)
            oldest = parse_stamp(mails[-1].get("date")) if mails else None
            if len(mails) < PAGE or (oldest is not None and oldest < horizon):
                return None
        return None

    def cancel(self, provider_reference: str) -> None:
        raise ProviderError(
            "not-cancellable", "An LRE leaves at its deposit: AR24 cannot cancel it (no such call in its API)."
        )

    def _mail(self, provider_reference: str) -> dict[str, Any]:
        mail = self._call("GET", "mail", params={"id": provider_reference})
        if not isinstance(mail, dict):
            raise ProviderError("unavailable", "AR24 answered the mail with no object.", retryable=True)
        return mail

    def events(self, provider_reference: str) -> Sequence[ProviderEvent]:
        mail = self._mail(provider_reference)
        events = []
        for date_field, status, proof_kind in STEPS:
            when = parse_stamp(mail.get(date_field))
            if when is None:
                continue
            proofs = (proof_kind,) if proof_kind is not None and mail.get(PROOF_URLS[proof_kind]) else ()
            step = {"status": status, date_field: mail.get(date_field), "id": mail.get("id")}
            events.append(
                ProviderEvent(
                    event_id=f"ar24:poll:{status}:{provider_reference}",
                    provider_reference=provider_reference,
                    status=status,
                    occurred_at=when.astimezone(UTC),
                    proofs=proofs,
                    raw=raw_json(step),
                )
            )
        return sorted(events, key=lambda event: event.occurred_at)

    def _trusted(self, url: str) -> bool:
        """A proof URL is fetched only from the API's own host or from AR24's domain (never a third party)."""
        host = _host(url)
        return urlsplit(url).scheme in ("http", "https") and (
            host == _host(self._base) or host == "ar24.fr" or host.endswith(".ar24.fr")
        )

    def proof(self, provider_reference: str, kind: ProofKind) -> Proof | None:
        field = PROOF_URLS.get(kind)
        url = self._mail(provider_reference).get(field) if field else None
        if not isinstance(url, str) or not url:
            return None
        if not self._trusted(url):
            raise ProviderError("invalid-request", f"AR24 answered a {kind} proof URL outside AR24: not fetched.")
        try:
            response = requests.get(url, timeout=self._timeout)
        except requests.RequestException:
            raise ProviderError("unavailable", "AR24's proof cannot be fetched now.", retryable=True) from None
        if response.status_code == 404:
            return None
        if response.status_code != 200 or not response.content:
            raise ProviderError("unavailable", f"AR24 answered the proof with HTTP {response.status_code}.", True)
        media_type = response.headers.get("Content-Type", "application/pdf").split(";")[0].strip()
        return Proof(kind, media_type or "application/pdf", response.content)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
