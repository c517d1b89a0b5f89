"""A twin of Maileva's ``registered_mail/v4`` API and its OAuth2 token endpoint: a local HTTP server (stdlib
``http.server``) written from the published OpenAPI documents (registered_mail v4.9, authentication v2.1),
playing the provider for the adapter's tests.

It checks what the documentation says: the ``password`` grant with the client id and secret and the user's
login and password (``client_credentials`` is refused, as Maileva does not implement it), the bearer token on
every call, the sending's JSON (``name`` required ≤ 256, ``custom_id`` ≤ 38, booleans, the sender's lines), the
multipart document (a ``document`` part and a JSON ``metadata`` part with ``priority`` ≥ 1; PDF only here;
≤ 20 MB; at most 30), the recipient's six lines of 38 characters with line 6 ``"NNNNN City"`` for FR, the
allowed countries, ``custom_id`` ≤ 36, ``reference_to_print`` ≤ 26, that documents, recipients and the
submission only reach a ``DRAFT`` sending, and ``DELETE`` only a draft. Errors have the documented
``{"errors": [{"code", "message"}]}`` shape and codes.

What the documentation leaves open is played as the adapter's docstring assumes: on ``submit`` the sending
and its recipient are ``ACCEPTED`` at once, with a ``registered_number`` and a ``postage_price`` (prices
here are the twin's, not Maileva's tariff); wrong credentials are Keycloak's 401 ``invalid_client`` /
``invalid_grant``. The test drives it: ``advance`` replays La Poste's LP codes (the deposit sets the deposit
proof, the delivery the scanned AR, a return the PND scan; duplicates and reorderings are the caller's choice),
``fail_next`` answers a status (5xx, 429 with ``Retry-After``) to the next requests, ``drop_after_accept``
accepts the next submission and closes the connection without answering, ``expire_tokens`` makes every token
issued so far answer 401. ``received`` counts the letters submitted.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import ThreadingHTTPServer
from typing import Any

from notice_service.adapters.postal.maileva_wire import (
    COUNTRIES,
    FRENCH_LINE_6,
    LINE_LIMIT,
    MAX_DOCUMENT_BYTES,
    NAME_LIMIT,
    RECIPIENT_CUSTOM_ID_LIMIT,
    REFERENCE_TO_PRINT_LIMIT,
    SENDING_CUSTOM_ID_LIMIT,
)

CLIENT_ID, CLIENT_SECRET = "appli.notice-service", "client-secret-of-the-twin-0123"
USERNAME, PASSWORD = "atelier.durand", "user-password-of-the-twin-4567"
API_PREFIX = "/registered_mail/v4"
PDF_DEPOSIT = b"%PDF-1.4\n% preuve de depot Maileva (twin)\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF_RECEIPT = b"%PDF-1.4\n% avis de reception numerise (twin)\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF_UNDELIVERED = b"%PDF-1.4\n% pli non distribue numerise (twin)\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PRICES = {True: "7.45", False: "5.95"}  # the twin's postage with / without AR (not Maileva's tariff)
LABELS = {"LP01": "Pris en charge", "LP09": "Destinataire absent avisé", "LP15": "Distribué"}
RETURNS = {"LP17": "N03", "LP19": "N03", "LP20": "N07", "LP21": "N02", "LP22": "N05"}


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


@dataclass
class Sending:
    id: str
    body: dict[str, Any]
    created: str
    status: str = "DRAFT"
    submitted: str | None = None
    documents: list[dict[str, Any]] = field(default_factory=list)
    recipients: list[dict[str, Any]] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        counts = {"total": len(self.recipients), self.status.lower(): len(self.recipients)}
        view = {**self.body, "id": self.id, "status": self.status, "creation_date": self.created}
        view.update({"documents_count": len(self.documents), "recipients_counts": counts})
        view.setdefault("acknowledgement_of_receipt", True)
        return view | ({"submission_date": self.submitted} if self.submitted else {})


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=UTC).isoformat().replace("+00:00", "Z")


class MailevaTwin:
    def __init__(self, now: Callable[[], float] = time.time, token_lifetime: int = 3600) -> None:
        self._now, self.token_lifetime = now, token_lifetime  # dates answered follow the test's clock
        self.sendings: list[Sending] = []
        self.requests: list[tuple[str, str]] = []
        self.tokens: set[str] = set()
        self.tokens_issued = 0
        self._faults: list[tuple[int, float | None]] = []
        self._path_faults: list[tuple[str, str, int]] = []
        self._drop_next_accept: str | None = None
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        from tests.twins.maileva_http import handler  # the HTTP side, kept apart for size

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return self.origin + API_PREFIX

    def start(self) -> MailevaTwin:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @contextmanager
    def started(self) -> Iterator[MailevaTwin]:
        """For fixtures: the twin started, closed afterwards."""
        self.start()
        try:
            yield self
        finally:
            self.close()

    # --- what a test tells it -----------------------------------------------------------------------------

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        self._faults.extend([(status, retry_after)] * times)

    def drop_after_accept(self, path_suffix: str = "/submit") -> None:
        """The next POST whose path ends with ``path_suffix`` is carried out, then its answer is lost."""
        self._drop_next_accept = path_suffix

    def fail_on(self, method: str, path_suffix: str, status: int = 503) -> None:
        """The next ``method`` request whose path ends with ``path_suffix`` answers ``status`` (a crash
        between two steps of a sending, seen from Maileva)."""
        self._path_faults.append((method, path_suffix, status))

    def path_fault(self, method: str, path: str) -> int | None:
        with self._lock:
            for index, (wanted, suffix, status) in enumerate(self._path_faults):
                if wanted == method and path.endswith(suffix):
                    del self._path_faults[index]
                    return status
            return None

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def sending(self, sending_id: str) -> Sending:
        return next(item for item in self.sendings if item.id == sending_id)

    def advance(self, sending_id: str, code: str, at: datetime) -> None:
        """La Poste reported ``code`` (``LP01`` …) at ``at`` for the sending's recipient; the deposit makes the
        deposit proof available, the delivery the scanned AR (with AR), a return the scanned PND."""
        sending = self.sending(sending_id)
        recipient, stamp = sending.recipients[0], at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        label = LABELS.get(code, code)
        recipient["delivery_statuses"].append({"date": stamp, "code": code, "label": label, "source": "La Poste"})
        base = f"/sendings/{sending_id}/recipients/{recipient['id']}"
        if code in ("LP01", "LP05"):
            recipient.setdefault("deposit_proof_date", stamp)
            recipient["deposit_proof_url"] = f"{base}/download_deposit_proof"
        if code in ("LP15", "LP16", "LP18") and sending.view()["acknowledgement_of_receipt"]:
            recipient.setdefault("acknowledgement_of_receipt_date", stamp)
            recipient["acknowledgement_of_receipt_url"] = f"{base}/download_acknowledgement_of_receipt"
        if code in RETURNS:
            recipient.setdefault("undelivered_mail_date", stamp)
            recipient.update(
                undelivered_mail_reason=RETURNS[code], undelivered_mail_url=f"{base}/download_undelivered_mail"
            )
        recipient["last_delivery_status"], recipient["last_delivery_status_date"] = code, stamp

    def reject(self, sending_id: str, at: datetime, detail: str = "adresse non distribuable") -> None:
        """Maileva rejects the recipient after the submission (``REJECTED``, with its ``status_detail``)."""
        recipient = self.sending(sending_id).recipients[0]
        stamp = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        recipient.update(status="REJECTED", status_detail=detail)
        recipient["statuses"].append({"date": stamp, "code": "REJECTED", "details": detail})

    def received(self, custom_id: str | None = None) -> int:
        """How many letters it took (submitted sendings, under ``custom_id`` when given)."""
        taken = [s for s in self.sendings if s.status not in ("DRAFT", "CANCELED")]
        return sum(len(s.recipients) for s in taken if custom_id is None or s.body.get("custom_id") == custom_id)

    # --- authentication -----------------------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("grant_type") != "password":
            raise Refused(400, "unsupported_grant_type", "only the password grant is implemented")
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            raise Refused(401, "invalid_client", "Invalid client or Invalid client credentials")
        if form.get("username") != USERNAME or form.get("password") != PASSWORD:
            raise Refused(401, "invalid_grant", "Invalid user credentials")
        token = f"eyJ.twin.{uuid.uuid4().hex}"
        with self._lock:
            self.tokens.add(token)
            self.tokens_issued += 1
        return {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}

    def authenticate(self, header: str) -> None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token not in self.tokens:
            raise Refused(401, "UNAUTHORIZED", "missing, expired or unknown bearer token")

    # --- the API ------------------------------------------------------------------------------------------

    def create(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Refused(400, "UNEXPECTED_NOT_VALID_ERROR", "the body is not a JSON object")
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise Refused(400, "EMPTY_NAME")
        if len(name) > NAME_LIMIT:
            raise Refused(400, "NAME_TOO_LONG")
        custom_id = body.get("custom_id", "")
        if not isinstance(custom_id, str) or len(custom_id) > SENDING_CUSTOM_ID_LIMIT:
            raise Refused(400, "CUSTOM_ID_WRONG_FORMAT")
        for key in ("acknowledgement_of_receipt", "color_printing", "duplex_printing"):
            if key in body and not isinstance(body[key], bool):
                raise Refused(400, "UNEXPECTED_NOT_VALID_ERROR", f"{key} must be a boolean")
        _check_lines(body, "sender_", required=False)
        sending = Sending(str(uuid.uuid4()), dict(body), _iso(self._now()))
        with self._lock:
            self.sendings.append(sending)
        return sending.view()

    def listing(self, query: dict[str, str]) -> dict[str, Any]:
        start, count = int(query.get("start_index", "1")), int(query.get("count", "50"))
        if start < 1 or not 1 <= count <= 500:
            raise Refused(400, "UNEXPECTED_NOT_VALID_ERROR", "start_index ≥ 1, 1 ≤ count ≤ 500")
        page = self.sendings[start - 1 : start - 1 + count]
        paging: dict[str, Any] = {"total_results": len(self.sendings)}
        if start - 1 + count < len(self.sendings):
            paging["next"] = f"{API_PREFIX}/sendings?start_index={start + count}&count={count}"
        return {"sendings": [item.view() for item in page], "paging": paging}

    def draft(self, sending_id: str) -> Sending:
        sending = self._by_id(sending_id)
        if sending.status != "DRAFT":
            raise Refused(400, "SENDING_STATUS_IS_NOT_DRAFT")
        return sending

    def _by_id(self, sending_id: str) -> Sending:
        for sending in self.sendings:
            if sending.id == sending_id:
                return sending
        raise Refused(404, "SENDING_NOT_FOUND")

    def add_document(self, sending_id: str, parts: dict[str, tuple[bytes, str | None]]) -> dict[str, Any]:
        sending = self.draft(sending_id)
        if "document" not in parts:
            raise Refused(400, "EMPTY_DOCUMENT")
        if "metadata" not in parts:
            raise Refused(400, "EMPTY_METADATA")
        try:
            metadata = json.loads(parts["metadata"][0])
        except json.JSONDecodeError:
            raise Refused(400, "METADATA_WRONG_FORMAT") from None
        priority = metadata.get("priority") if isinstance(metadata, dict) else None
        if not isinstance(priority, int) or isinstance(priority, bool) or priority < 1:
            raise Refused(400, "INVALID_PRIORITY")
        if any(doc["priority"] == priority for doc in sending.documents):
            raise Refused(400, "DUPLICATE_PRIORITY")
        content, filename = parts["document"]
        if not content:
            raise Refused(400, "EMPTY_DOCUMENT")
        if not content.startswith(b"%PDF-") or not (filename or "").lower().endswith(".pdf"):
            raise Refused(400, "DOCUMENT_TYPE_NOT_ACCEPTED", "this twin takes PDF documents only")
        if len(content) > MAX_DOCUMENT_BYTES:
            raise Refused(400, "INVALID_DOCUMENT_SIZE")
        if len(sending.documents) >= 30:
            raise Refused(400, "INVALID_DOCUMENTS_COUNT")
        name = str(metadata.get("name") or filename)
        document = {"id": str(uuid.uuid4()), "priority": priority, "name": name, "type": "application/pdf"}
        document.update({"size": len(content), "status": "PENDING"})
        sending.documents.append(document)
        return document

    def add_recipient(self, sending_id: str, body: Any) -> dict[str, Any]:
        sending = self.draft(sending_id)
        if not isinstance(body, dict):
            raise Refused(400, "UNEXPECTED_NOT_VALID_ERROR")
        _check_lines(body, "", required=True)
        for key, limit in (("custom_id", RECIPIENT_CUSTOM_ID_LIMIT), ("reference_to_print", REFERENCE_TO_PRINT_LIMIT)):
            if len(str(body.get(key, ""))) > limit:
                raise Refused(400, "CUSTOM_ID_WRONG_FORMAT", f"{key} > {limit}")
        if sending.recipients:
            raise Refused(400, "INVALID_RECIPIENTS_COUNT", "one recipient per sending here")
        recipient = {**body, "id": str(uuid.uuid4()), "status": "DRAFT", "statuses": [], "delivery_statuses": []}
        sending.recipients.append(recipient)
        return recipient

    def submit(self, sending_id: str) -> None:
        sending = self.draft(sending_id)
        if not sending.documents:
            raise Refused(400, "DOCUMENT_NOT_FOUND", "a sending needs a document")
        if not sending.recipients:
            raise Refused(400, "RECIPIENT_NOT_FOUND", "a sending needs a recipient")
        stamp = _iso(self._now())
        with self._lock:
            sending.status, sending.submitted = "ACCEPTED", stamp
            with_ar = bool(sending.view()["acknowledgement_of_receipt"])
            for recipient in sending.recipients:
                number = next(self._numbers)
                recipient.update(status="ACCEPTED", registered_number=f"1A{number:011d}")
                recipient.update(
                    postage_price=float(PRICES[with_ar]),
                    postage_class="REGISTERED_MAIL_J3_AR" if with_ar else "REGISTERED_MAIL_J3",
                )
                recipient["statuses"] += [{"date": stamp, "code": "PENDING"}, {"date": stamp, "code": "ACCEPTED"}]

    def delete(self, sending_id: str) -> None:
        self.draft(sending_id).status = "CANCELED"

    def download(self, sending_id: str, recipient_id: str, what: str) -> bytes:
        sending = self._by_id(sending_id)
        recipient = next((r for r in sending.recipients if r["id"] == recipient_id), None)
        if recipient is None:
            raise Refused(404, "RECIPIENT_NOT_FOUND")
        files = {
            "download_deposit_proof": ("deposit_proof_url", PDF_DEPOSIT),
            "download_acknowledgement_of_receipt": ("acknowledgement_of_receipt_url", PDF_RECEIPT),
            "download_undelivered_mail": ("undelivered_mail_url", PDF_UNDELIVERED),
        }
        if what not in files or not recipient.get(files[what][0]):
            raise Refused(404, "DOCUMENT_NOT_FOUND", "not available yet")
        return files[what][1]

    def fault(self) -> tuple[int, float | None] | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def take_drop(self, path: str) -> bool:
        with self._lock:
            if self._drop_next_accept is None or not path.endswith(self._drop_next_accept):
                return False
            self._drop_next_accept = None
            return True


def _check_lines(body: dict[str, Any], prefix: str, *, required: bool) -> None:
    for n in range(1, 7):
        value = body.get(f"{prefix}address_line_{n}", "")
        if not isinstance(value, str):
            raise Refused(400, "UNEXPECTED_NOT_VALID_ERROR", f"{prefix}address_line_{n} must be text")
        if len(value) > LINE_LIMIT:
            raise Refused(400, f"{prefix.upper()}ADDRESS_LINE_{n}_TOO_LONG", f"limited to {LINE_LIMIT} characters")
    if not required and not any(body.get(f"{prefix}address_line_{n}") for n in range(1, 7)):
        return
    if not (body.get(f"{prefix}address_line_1") or body.get(f"{prefix}address_line_2")):
        raise Refused(400, "EMPTY_ADDRESS_LINE_1_OR_ADDRESS_LINE_2")
    line_6, country = body.get(f"{prefix}address_line_6"), body.get(f"{prefix}country_code")
    if not line_6:
        raise Refused(400, "EMPTY_ADDRESS_LINE_6")
    if not country:
        raise Refused(400, "COUNTRY_CODE_EMPTY")
    if country not in COUNTRIES:
        raise Refused(400, "INVALID_COUNTRY_CODE")
    if country == "FR" and not FRENCH_LINE_6.match(line_6):
        raise Refused(400, "INVALID_ADDRESS_LINE_6")


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[bytes, str | None]]:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    parts: dict[str, tuple[bytes, str | None]] = {}
    if not message.is_multipart():
        raise Refused(400, "UNEXPECTED_NOT_VALID_ERROR", "multipart/form-data expected")
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        if name in parts:
            raise Refused(400, f"TOO_MANY_PARAMETER_{name.upper()}")
        payload = part.get_payload(decode=True)
        parts[name] = (payload if isinstance(payload, bytes) else b"", part.get_filename())
    return parts
