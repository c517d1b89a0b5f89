"""A twin of AR24's API (qualified LRE): a local HTTP server (stdlib ``http.server``) written from AR24's
published API documentation, playing the provider for the adapter's tests.

It checks what the documentation says: the API ``token``, the request ``date`` (Paris time, not older than 5
minutes nor more than 10 minutes ahead) and its ``signature`` (``ar24_wire``: checked against the documented
example by a unit test), the ``id_user``; ``POST /attachment`` takes a multipart PDF and answers its
``file_id``; ``POST /mail`` wants a valid recipient e-mail different from the sender's, a name or company, a
``dest_statut`` and an uploaded attachment; every success is answered encrypted with ``date + private key``,
every refusal as ``{"status": "ERROR", "slug", "message"}`` with HTTP 200. It counts the mails it accepted
(``received``, by ``ref_client``: AR24 has no idempotency key, so a second POST *is* a second letter here, as
at AR24). The test drives the journey with ``advance`` (``ev`` deposit, ``AR`` reception, ``rf`` refusal,
``ng`` negligence, ``bc`` bounce; repeated or reordered at will) which enforces the 15 days of C. postes
R53-3 (accept or refuse within them, negligence only after them); ``fail_next`` answers a status (5xx, 429
with ``Retry-After``: a proxy in front of AR24) to the next requests; ``drop_after_accept`` accepts the next
mail and closes the connection without answering.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from notice_service.adapters.postal.ar24_wire import (
    encrypt,
    paris_stamp,
    parse_stamp,
    response_key,
    signed_date,
)

TOKEN = "twin-ar24-api-token-0001"
PRIVATE_KEY = "twin-ar24-private-key-7X9gx9E3"
USER_ID = "3172"
SENDER_EMAIL = "recouvrement@atelier-durand.example"
PRICE_HT = "3.50"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PROOF_PDF = b"%%PDF-1.4\n%% AR24 twin proof %s\n1 0 obj<<>>endobj\ntrailer<<>>\n%%%%EOF\n"
#: journey step → (date field, proof letters in the proof URL)
STEPS = {
    "ev": ("ts_ev_date", "ev"),
    "AR": ("view_date", "ar"),
    "rf": ("refused_date", "rf"),
    "ng": ("negligence_date", "ng"),
    "bc": ("bounced_date", "bc"),
}
STATUS = {"ev": "ev", "AR": "AR", "rf": "refused", "ng": "negligence", "bc": "bounced"}
DAYS = timedelta(days=15)


@dataclass
class Mail:
    id: int
    fields: dict[str, Any]
    dates: dict[str, datetime] = field(default_factory=dict)


class Refused(Exception):
    def __init__(self, slug: str, message: str = "") -> None:
        super().__init__(slug)
        self.slug, self.message = slug, message or slug


class Ar24Twin:
    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._now = now  # the dates it answers (a test's fixed clock); request dates are checked on the real time
        self.mails: list[Mail] = []
        self.attachments: dict[int, tuple[str, bytes]] = {}
        self.requests: list[tuple[str, str]] = []
        self._faults: list[tuple[int, float | None]] = []
        self._drop_next_accept = False
        self.proof_root: str | None = None  # a test may have it answer proof URLs on another host
        self._ids = itertools.count(24001)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/api"

    def start(self) -> Ar24Twin:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @contextmanager
    def started(self) -> Iterator[Ar24Twin]:
        """For fixtures: the twin started, closed afterwards."""
        self.start()
        try:
            yield self
        finally:
            self.close()

    # --- what a test tells it -----------------------------------------------------------------------------

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        self._faults.extend([(status, retry_after)] * times)

    def drop_after_accept(self) -> None:
        self._drop_next_accept = True

    def received(self, ref_client: str | None = None) -> int:
        return sum(1 for mail in self.mails if ref_client is None or mail.fields["ref_client"] == ref_client)

    def mail(self, mail_id: str) -> Mail:
        return next(mail for mail in self.mails if str(mail.id) == str(mail_id))

    def advance(self, mail_id: str, step: str, at: datetime) -> None:
        """The mail reached ``step`` at ``at``; a step reported twice keeps its first date (AR24 timestamps it
        once). The recipient accepts or refuses within 15 days of the deposit; negligence comes after them."""
        mail = self.mail(mail_id)
        deposit = mail.dates.get("ev")
        if step in ("AR", "rf") and deposit is not None and at > deposit + DAYS:
            raise ValueError("the recipient had 15 days to accept or refuse (C. postes R53-3)")
        if step == "ng" and (deposit is None or at < deposit + DAYS):
            raise ValueError("negligence is established only after the 15 days following the deposit")
        with self._lock:
            mail.dates[step] = min(at, mail.dates.get(step, at))
            mail.fields["status"] = STATUS[step]

    # --- the API ------------------------------------------------------------------------------------------

    def authenticate(self, query: dict[str, str], headers: dict[str, str]) -> str:
        if not query.get("token"):
            raise Refused("token_missing", "The token is missing in your request")
        if query["token"] != TOKEN:
            raise Refused("token_invalid", "Your token is not valid")
        date = query.get("date", "")
        stamped = parse_stamp(date)
        if not date:
            raise Refused("empty_date", "No date parameter found in your request")
        if stamped is None:
            raise Refused("invalid_date", "Wrong date format (must be YYYY-MM-DD HH:mm:ss)")
        real = datetime.now(UTC)
        if stamped < real - timedelta(minutes=5):
            raise Refused("expired_date", "Given datetime is older than current datetime")
        if stamped > real + timedelta(minutes=10):
            raise Refused("date_in_future", "Given datetime must be set between call submission and +10 minutes")
        if signed_date(headers.get("signature", ""), PRIVATE_KEY) != date:
            raise Refused("invalid_signature", "The signature does not match your private key")
        return date

    def _user(self, value: str | None) -> None:
        if not value:
            raise Refused("missing_user_id", "Please specify a valid user ID")
        if value != USER_ID:
            raise Refused("user_unavailable", "You tried to access a resource that is not related to your API")

    def user(self, query: dict[str, str]) -> dict[str, Any]:
        self._user(query.get("id_user"))
        return {"id": int(USER_ID), "email": SENDER_EMAIL, "firstname": "Claire", "lastname": "Durand"}

    def upload(self, form: dict[str, str], file: tuple[str, bytes] | None) -> dict[str, Any]:
        self._user(form.get("id_user"))
        if file is None:
            raise Refused("attachment_missing_file", "You didn't fill the file parameter correctly")
        name = form.get("file_name") or file[0]
        if not name:
            raise Refused("attachment_empty_name", "We can't extract a file name for the uploaded file")
        if not file[1] or len(file[1]) > 256 * 1024 * 1024:
            raise Refused("attachment_too_big", "File is empty (0B) or too big")
        with self._lock:
            file_id = next(self._ids)
            self.attachments[file_id] = (name, file[1])
        return {"file_id": file_id}

    def send(self, form: dict[str, list[str]]) -> dict[str, Any]:
        one = {key: values[0] for key, values in form.items() if values}
        self._user(one.get("id_user"))
        email = one.get("to_email", "")
        if not email:
            raise Refused("missing_email", "Please specify an email address")
        if not EMAIL.match(email):
            raise Refused("invalid_recipient", "Recipient email is invalid")
        if email.lower() == SENDER_EMAIL:
            raise Refused("same_sender_recipients_emails", "Recipient email and sender email must be different")
        if one.get("dest_statut") not in ("particulier", "professionnel") or not (
            one.get("to_lastname") or one.get("to_company")
        ):
            raise Refused("invalid_recipient", "A dest_statut and a recipient name or company are required")
        attachments = [int(value) for value in form.get("attachment[]", []) if value.isdigit()]
        if not attachments and not one.get("content"):
            raise Refused(
                "error_no_content_no_attachment", "Empty mail ; content is empty and there are no attachments"
            )
        if any(file_id not in self.attachments for file_id in attachments):
            raise Refused("attachment_not_exists", "At least one of the attachment ID's you provided doesn't exist")
        with self._lock:
            mail = Mail(next(self._ids), {**self._mail_fields(one), "attachments": attachments})
            self.mails.append(mail)
        return self.render(mail)

    def _mail_fields(self, one: dict[str, str]) -> dict[str, Any]:
        return {
            "type": "lre",
            "status": "waiting",
            "from_email": SENDER_EMAIL,
            "to_email": one["to_email"],
            "to_lastname": one.get("to_lastname", ""),
            "to_company": one.get("to_company", ""),
            "dest_statut": one["dest_statut"],
            "is_eidas": 1 if one.get("eidas") == "1" else 0,
            "ref_dossier": one.get("ref_dossier", ""),
            "ref_client": one.get("ref_client", ""),
            "price_ht": float(PRICE_HT),
            "date": paris_stamp(self._now()),
            "id_sender": int(USER_ID),
        }

    def render(self, mail: Mail) -> dict[str, Any]:
        out: dict[str, Any] = {"id": mail.id, **mail.fields}
        for step, (date_field, letters) in STEPS.items():
            when = mail.dates.get(step)
            out[date_field] = paris_stamp(when) if when is not None else None
            out[f"proof_{letters}_url"] = (
                f"{self.proof_root or self.root}/get/proof/{letters}-{mail.id}?token=proof{mail.id:08d}"
                if when is not None
                else None
            )
        return out

    def get_mail(self, query: dict[str, str]) -> dict[str, Any]:
        found = [mail for mail in self.mails if str(mail.id) == query.get("id")]
        if not found:
            raise Refused("missing_erm_id", "Please provide a valid mail ID")
        return self.render(found[0])

    def list_mails(self, query: dict[str, str]) -> list[dict[str, Any]]:
        self._user(query.get("id_user"))
        mails = list(reversed(self.mails)) if query.get("sort", "DESC") == "DESC" else list(self.mails)
        start, size = int(query.get("start") or 0), int(query.get("max") or 10)
        return [self.render(mail) for mail in mails[start : start + size]]

    def proof(self, path: str) -> bytes | None:
        match = re.fullmatch(r"/get/proof/(ev|ar|rf|ng|bc)-(\d+)", path)
        if match is None:
            return None
        step = {letters: step for step, (_field, letters) in STEPS.items()}[match.group(1)]
        mail = next((mail for mail in self.mails if str(mail.id) == match.group(2)), None)
        if mail is None or step not in mail.dates:
            return None
        return PROOF_PDF % f"{match.group(1)} {mail.id} {paris_stamp(mail.dates[step])}".encode()

    def fault(self) -> tuple[int, float | None] | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def take_drop(self) -> bool:
        with self._lock:
            dropped, self._drop_next_accept = self._drop_next_accept, False
            return dropped


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], tuple[str, bytes] | None]:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    form: dict[str, str] = {}
    file: tuple[str, bytes] | None = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if name == "file":
            file = (part.get_filename() or "", data)
        elif isinstance(name, str):
            form[name] = data.decode()
    return form, file


def _handler(twin: Ar24Twin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, data: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _success(self, date: str, result: Any) -> None:
            plain = json.dumps({"status": "SUCCESS", "result": result}).encode()
            self._send(200, encrypt(plain, *response_key(date, PRIVATE_KEY)).encode(), "text/plain")

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            twin.requests.append((method, url.path))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            fault = twin.fault()
            if fault is not None:
                extra = {"Retry-After": str(int(fault[1]))} if fault[1] is not None else None
                return self._send(fault[0], b"<html>proxy error</html>", "text/html", extra)
            if url.path.startswith("/get/proof/"):
                proof = twin.proof(url.path)
                if proof is None:
                    return self._send(404, b"not found", "text/plain")
                return self._send(200, proof, "application/pdf")
            try:
                date = twin.authenticate(query, {k.lower(): v for k, v in self.headers.items()})
                return self._route(method, url.path.removeprefix("/api"), query, body, date)
            except Refused as refused:
                answer = {"status": "ERROR", "slug": refused.slug, "message": refused.message}
                return self._send(200, json.dumps(answer).encode(), "application/json")

        def _route(self, method: str, path: str, query: dict[str, str], body: bytes, date: str) -> None:
            if method == "GET" and path in ("/user", "/user/"):
                return self._success(date, twin.user(query))
            if method == "GET" and path in ("/user/mail", "/user/mail/"):
                return self._success(date, twin.list_mails(query))
            if method == "GET" and path in ("/mail", "/mail/"):
                return self._success(date, twin.get_mail(query))
            if method == "POST" and path in ("/attachment", "/attachment/"):
                form, file = _multipart(self.headers.get("Content-Type", ""), body)
                return self._success(date, twin.upload(form, file))
            if method == "POST" and path in ("/mail", "/mail/"):
                answer = twin.send(parse_qs(body.decode(), keep_blank_values=True))
                if twin.take_drop():
                    self.close_connection = True
                    self.connection.shutdown(2)  # accepted, then the answer is lost
                    return None
                return self._success(date, answer)
            raise Refused("unknown_error", f"no route {method} {path}")

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler
