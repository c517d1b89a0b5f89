"""``MailevaProvider``: the ``PostalProvider`` port over Maileva's ``registered_mail/v4`` API (``requests``).

Written from Maileva's published OpenAPI documents: ``registered_mail`` v4.9, ``authentication`` v2.1 and
``notification_center`` v2.8 (republished in github.com/Justisy/maileva, ``openapi/``).

Verified against that documentation
  * authentication: OAuth2 *Resource Owner Password Credentials* only (``client_credentials`` is marked "non
    implémenté pour Maileva"): ``POST …/auth/realms/services/protocol/openid-connect/token`` as a form with
    ``grant_type=password``, ``username``, ``password``, ``client_id``, ``client_secret``; it answers
    ``access_token`` and ``expires_in`` (seconds); calls carry ``Authorization: Bearer``. Token hosts:
    ``connexion.maileva.com`` (production), ``connexion.sandbox.maileva.net`` (sandbox); API hosts
    ``api.maileva.com`` / ``api.sandbox.maileva.net``. The token is cached until shortly before it expires,
    and fetched again once when a call answers 401;
  * the sending's life: ``POST /sendings`` (``name`` ≤ 256, ``custom_id`` ≤ 38, ``acknowledgement_of_receipt``,
    ``sender_address_line_1..6``, ``sender_country_code``) creates it ``DRAFT``; ``POST
    /sendings/{id}/documents`` (multipart ``document`` + JSON ``metadata`` with ``priority`` and ``name``; PDF,
    ≤ 20 MB); ``POST /sendings/{id}/recipients`` (``address_line_1..6`` of 38 characters, line 6 "code postal
    et ville", ``country_code`` among FR, MC, RE, YT, MQ, GP, MF, BL, GF, ``custom_id`` ≤ 36,
    ``reference_to_print`` ≤ 26); ``POST /sendings/{id}/submit``; ``GET /sendings`` (paging ``start_index``,
    ``count`` ≤ 500), ``GET /sendings/{id}/recipients``; ``DELETE /sendings/{id}`` only while ``DRAFT`` ("un
    envoi soumis ne peut pas être annulé");
  * what a recipient reports: ``status``/``statuses``, ``delivery_statuses`` (the LP00–LP29 codes, in
    ``domain/delivery/maileva_statuses.py``), ``registered_number``, ``postage_price``, and the proofs'
    dates and URLs (``deposit_proof_url``, ``acknowledgement_of_receipt_url``, ``undelivered_mail_url``:
    "attendre que cet attribut soit renseigné pour lancer le téléchargement"), downloaded as PDF;
  * the error body ``{"errors": [{"code", "message"}]}`` and its codes (``ADDRESS_LINE_n_TOO_LONG``,
    ``INVALID_COUNTRY_CODE``, ``DOCUMENT_TYPE_NOT_ACCEPTED``, ``SENDING_STATUS_IS_NOT_DRAFT`` …).

Idempotency: Maileva has no idempotency header, so the sending's ``custom_id`` (and ``name``) is the
submission's key, and ``submit`` first looks for a sending with it (``find``): one already submitted is
answered as is, a ``DRAFT`` left by an interrupted attempt is completed (its document and recipient added only
if missing) and submitted, and only otherwise is a new sending created. ``acknowledgement_of_receipt_scanning``
(the v2 option) does not exist in v4: v4 scans the AR itself and serves it at ``acknowledgement_of_receipt_url``.

Assumed (needs a sandbox account to confirm): the token endpoint's answers to wrong credentials (Keycloak's
401/400 ``invalid_client`` / ``invalid_grant``), 402 for missing credit and the ``BLOCKED`` status meaning the
same, 429 with ``Retry-After``, that ``GET /sendings`` lists every sending of the account and echoes
``custom_id`` (its order is not documented: ``find`` reads the first page, then the pages from the last one
back, at most 20 pages of 500), that ``registered_number`` and ``postage_price`` are already set when we read the
recipient right after the submission (the twin sets them at once; otherwise the receipt carries none), and the
timing of the LP codes. There is **no price estimate** in the API: ``quote`` says so. Webhooks
(``notification_center``) are not subscribed: events are polled from the recipient.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests

from notice_service.adapters.postal.http_common import busy_or_down, json_object, may_have_left, price, raw_json
from notice_service.adapters.postal.maileva_events import parse_when, recipient_events
from notice_service.adapters.postal.maileva_wire import (
    MAX_DOCUMENT_BYTES,
    NAME_LIMIT,
    RECIPIENT_CUSTOM_ID_LIMIT,
    REFERENCE_TO_PRINT_LIMIT,
    SENDING_CUSTOM_ID_LIMIT,
    address_lines,
    refusal_code,
    sender_lines,
    token_url,
    wire_key,
)
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

LEVELS = {ServiceLevel.REGISTERED_WITH_RECEIPT: True, ServiceLevel.REGISTERED: False}  # → acknowledgement_of_receipt
PROOF_URLS = {
    ProofKind.DEPOSIT: "deposit_proof_url",
    ProofKind.RECEIPT: "acknowledgement_of_receipt_url",
    ProofKind.RETURNED: "undelivered_mail_url",
}
DONE = frozenset({"DRAFT", "CANCELED"})  # a sending in these was never (or is no longer) taken
_PAGE, _MAX_PAGES = 500, 20


class MailevaProvider:
    """One Maileva account: the application's client id and secret, the user's login and password."""

    name = "maileva"

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        username: str,
        password: str,
        *,
        auth_url: str | None = None,
        timeout: float = 20.0,
        unix_time: Callable[[], float] = time.time,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._token_url = token_url(self._base, auth_url)
        self._form = {"client_id": client_id, "client_secret": client_secret, "username": username}
        self._password, self._timeout, self._time = password, timeout, unix_time
        self._token: tuple[str, float] | None = None
        self._auth_url_given = auth_url

    def __repr__(self) -> str:  # never a secret
        return f"MailevaProvider({self._base!r}, client_id={self._form['client_id']!r})"

    # --- authentication -------------------------------------------------------------------------------------

    def _access_token(self) -> str:
        if self._token is not None and self._token[1] - 60 > self._time():
            return self._token[0]
        if not self._token_url.startswith(("https://", "http://")):
            raise ProviderError(
                "invalid-request",
                f"The token endpoint {self._auth_url_given!r} is not an http(s) URL.",
                field_name="credentials.auth_url",
            )
        form = {"grant_type": "password", **self._form, "password": self._password}
        try:
            response = requests.post(self._token_url, data=form, timeout=self._timeout)
        except requests.RequestException:
            raise ProviderError(
                "unavailable", "Maileva's authentication server cannot be reached.", retryable=True
            ) from None
        if response.status_code in (400, 401, 403):
            raise _token_refusal(response)
        if response.status_code >= 400:
            raise _refusal("POST token", response)  # 429, 5xx: retryable
        body = _json_body(response, "token")
        token, expires = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token:
            raise ProviderError("unavailable", "Maileva answered the token request without a token.", retryable=True)
        lifetime = float(expires) if isinstance(expires, int | Decimal) and not isinstance(expires, bool) else 300.0
        self._token = (token, self._time() + lifetime)
        return token

    def check(self) -> None:
        self._token = None
        self._call("GET", "/sendings", params={"start_index": "1", "count": "1"})

    # --- HTTP -------------------------------------------------------------------------------------------------

    def _send(self, method: str, path: str, ambiguous: bool, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._access_token()}", "Accept": "application/json, application/pdf"}
        try:
            return requests.request(method, f"{self._base}{path}", headers=headers, timeout=self._timeout, **kwargs)
        except requests.RequestException as exc:
            if ambiguous and may_have_left(exc):
                raise ProviderAmbiguous(f"{method} {path}: the request left and no answer came back") from None
            raise ProviderError(
                "unavailable", f"Maileva cannot be reached ({method} {path}).", retryable=True
            ) from None

    def _call(self, method: str, path: str, *, ambiguous: bool = False, **kwargs: Any) -> requests.Response:
        """One call; a 401 fetches a new token and tries once more; failures become ``ProviderError``."""
        response = self._send(method, path, ambiguous, **kwargs)
        if response.status_code == 401:
            self._token = None
            response = self._send(method, path, ambiguous, **kwargs)
        if response.status_code >= 400:
            raise _refusal(f"{method} {path}", response)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return _json_body(self._call(method, path, **kwargs), path)

    # --- the port ---------------------------------------------------------------------------------------------

    def levels(self) -> frozenset[ServiceLevel]:
        return frozenset(LEVELS)

    def quote(self, submission: Submission) -> Quote:
        self._checked(submission)
        raise ProviderError(
            "not-supported",
            "Maileva's registered_mail API publishes no price estimate; the postage price is known once the "
            "letter is accepted (the delivery then records it).",
        )

    def _checked(self, submission: Submission) -> dict[str, Any]:
        """The recipient's JSON, every documented limit checked before any call."""
        if submission.level not in LEVELS:
            raise ProviderError(
                "invalid-request",
                f"Maileva's registered_mail API sends registered letters only, not {submission.level}.",
                field_name="level",
            )
        if not submission.document.startswith(b"%PDF-") or len(submission.document) > MAX_DOCUMENT_BYTES:
            raise ProviderError("document-rejected", "Maileva takes a PDF of at most 20 MB.", field_name="document")
        sender_lines(submission.sender)
        return {
            **address_lines(submission.recipient, "recipient"),
            "custom_id": wire_key(submission.idempotency_key, RECIPIENT_CUSTOM_ID_LIMIT),
            "reference_to_print": submission.reference[:REFERENCE_TO_PRINT_LIMIT],
        }

    def submit(self, submission: Submission) -> Receipt:
        recipient = self._checked(submission)
        key = wire_key(submission.idempotency_key, SENDING_CUSTOM_ID_LIMIT)
        sending = self._sending_by_key(key)
        if sending is not None and sending.get("status") not in DONE:
            return self._receipt(sending)  # taken already under this key: nothing is posted again
        resumed = sending is not None and sending.get("status") == "DRAFT"  # an interrupted attempt's draft
        if sending is None or not resumed:
            sending = self._create(submission, key)
        sending_id = str(sending["id"])
        # A new sending has no document and no recipient yet; a resumed draft may have either already.
        if not resumed or not self._json("GET", f"/sendings/{sending_id}/documents").get("documents"):
            self._upload(sending_id, submission)
        if not resumed or not self._json("GET", f"/sendings/{sending_id}/recipients").get("recipients"):
            self._call("POST", f"/sendings/{sending_id}/recipients", json=recipient, ambiguous=True)
        self._call("POST", f"/sendings/{sending_id}/submit", ambiguous=True)
        return self._receipt(self._json("GET", f"/sendings/{sending_id}"))

    def _create(self, submission: Submission, key: str) -> dict[str, Any]:
        body = {
            "name": submission.idempotency_key[:NAME_LIMIT],
            "custom_id": key,
            "custom_data": submission.reference[:255],
            "acknowledgement_of_receipt": LEVELS[submission.level],
            "color_printing": False,
            "duplex_printing": False,
            **sender_lines(submission.sender),
        }
        return self._json("POST", "/sendings", json=body, ambiguous=True)

    def _upload(self, sending_id: str, submission: Submission) -> None:
        metadata = json.dumps({"priority": 1, "name": submission.document_name})
        files = {
            "document": (submission.document_name, submission.document, "application/pdf"),
            "metadata": (None, metadata, "application/json"),
        }
        self._call("POST", f"/sendings/{sending_id}/documents", files=files, ambiguous=True)

    def _recipient(self, sending_id: str) -> dict[str, Any]:
        listed = self._json("GET", f"/sendings/{sending_id}/recipients").get("recipients")
        first = listed[0] if isinstance(listed, list) and listed and isinstance(listed[0], dict) else None
        if first is None:
            raise ProviderError("not-found", f"Maileva's sending {sending_id} has no recipient.")
        return first

    def _receipt(self, sending: Mapping[str, Any]) -> Receipt:
        sending_id = str(sending.get("id") or "")
        if not sending_id:
            raise ProviderError("unavailable", "Maileva answered a sending without its id.", retryable=True)
        recipient = self._recipient(sending_id)
        tracking = recipient.get("registered_number")
        return Receipt(
            provider_reference=sending_id,
            submitted_at=parse_when(sending.get("submission_date")) or datetime.fromtimestamp(self._time(), tz=UTC),
            tracking_number=tracking if isinstance(tracking, str) and tracking else None,
            price=price(recipient.get("postage_price")),
            raw=raw_json({"sending": sending, "recipient": recipient}),
        )

    def _page(self, number: int) -> tuple[list[dict[str, Any]], int]:
        """One page of ``GET /sendings`` (500 a page, the documented maximum) and the total it announces."""
        params = {"start_index": str((number - 1) * _PAGE + 1), "count": str(_PAGE)}
        answer = self._json("GET", "/sendings", params=params)
        sendings = [s for s in answer.get("sendings") or [] if isinstance(s, dict)]
        paging = answer.get("paging")
        total = paging.get("total_results") if isinstance(paging, dict) else None
        if isinstance(total, int | Decimal) and not isinstance(total, bool):
            return sendings, int(total)
        return sendings, len(sendings)

    def _sending_by_key(self, key: str) -> dict[str, Any] | None:
        """The account's sending whose ``custom_id`` is ``key`` (a submitted one before a draft), or ``None``.

        The documentation does not say in which order ``GET /sendings`` lists them, and the key was used
        recently: the first page, then the pages from the last one back, at most ``_MAX_PAGES`` in all."""
        sendings, total = self._page(1)
        last = max(1, -(-total // _PAGE))
        found: dict[str, Any] | None = None
        for number in [1, *range(last, 1, -1)][:_MAX_PAGES]:
            page = sendings if number == 1 else self._page(number)[0]
            for sending in page:
                if sending.get("custom_id") == key and (found is None or found.get("status") in DONE):
                    found = sending
            if found is not None and found.get("status") not in DONE:
                break
        return found

    def find(self, idempotency_key: str) -> Receipt | None:
        sending = self._sending_by_key(wire_key(idempotency_key, SENDING_CUSTOM_ID_LIMIT))
        if sending is None or sending.get("status") in DONE:
            return None  # never created, or created and never submitted: nothing was posted
        return self._receipt(sending)

    def cancel(self, provider_reference: str) -> None:
        try:
            self._call("DELETE", f"/sendings/{provider_reference}")
        except ProviderError as refused:
            if refused.code == "not-draft":
                raise ProviderError(
                    "not-cancellable", "Maileva cannot cancel a sending once submitted.", raw=refused.raw
                ) from None
            raise

    def events(self, provider_reference: str) -> Sequence[ProviderEvent]:
        return recipient_events(provider_reference, self._recipient(provider_reference))

    def proof(self, provider_reference: str, kind: ProofKind) -> Proof | None:
        field = PROOF_URLS.get(kind)
        url = self._recipient(provider_reference).get(field) if field else None
        if not isinstance(url, str) or not url.startswith("/"):
            return None  # not there (yet)
        try:
            response = self._call("GET", url)
        except ProviderError as missing:
            if missing.code == "not-found":
                return None
            raise
        media_type = response.headers.get("Content-Type", "application/pdf").split(";")[0].strip()
        return Proof(kind, media_type or "application/pdf", response.content) if response.content else None


def _json_body(response: requests.Response, what: str) -> dict[str, Any]:
    body = json_object(response.content) if response.content else {}
    if body is None:
        raise ProviderError("unavailable", f"Maileva answered {what} with no JSON object.", retryable=True)
    return body


def _token_refusal(response: requests.Response) -> ProviderError:
    """Keycloak's refusals (assumed): ``invalid_client`` names the application's secret, ``invalid_grant`` the
    user's password."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = str(body.get("error") or f"HTTP {response.status_code}") if isinstance(body, dict) else "refused"
    field = (
        "credentials.client_secret" if error in ("invalid_client", "unauthorized_client") else "credentials.password"
    )
    return ProviderError(
        "unauthorized", f"Maileva refused the credentials ({error}).", field_name=field, raw=response.content[:2000]
    )


def _refusal(what: str, response: requests.Response) -> ProviderError:
    status, raw = response.status_code, response.content[:4000]
    if (busy := busy_or_down("Maileva", what, response)) is not None:
        return busy
    if status in (401, 403):
        return ProviderError(
            "unauthorized", f"Maileva refused {what} (HTTP {status}).", field_name="credentials", raw=raw
        )
    if status == 402:  # assumed: not in the documentation
        return ProviderError("insufficient-credit", "Maileva refused the sending: the account lacks credit.", raw=raw)
    errors = _errors(response)
    first = errors[0] if errors else {"code": f"HTTP_{status}", "message": ""}
    code, field = refusal_code(str(first.get("code")))
    if status == 404 and code == "invalid-request":
        code = "not-found"
    messages = "; ".join(f"{e.get('code')}: {e.get('message') or ''}".strip(": ") for e in errors)
    return ProviderError(code, f"Maileva refused {what}: {messages or f'HTTP {status}'}", field_name=field, raw=raw)


def _errors(response: requests.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return []
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [e for e in body["errors"] if isinstance(e, dict)]
    return [body] if isinstance(body, dict) and "code" in body else []
