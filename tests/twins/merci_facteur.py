"""A twin of Merci Facteur's API 1.2: a local HTTP server (stdlib ``http.server``) written from the public
documentation (github.com/MerciFacteur/Merci-facteur-API), playing the provider for the adapter's tests.

It checks what the documentation says (the ``getToken`` HMAC signature over service id + timestamp within 5
minutes, the ``ww-access-token`` on every other call, the ``sendCourrier`` form with its JSON ``adress`` and
``content``, the modes, the address field limits and required fields, a PDF in base64, the ``reference`` and
``antidoublon`` formats), refuses a second letter with the same ``antidoublon`` (409), counts the letters it
accepted, and answers the shapes the adapter's docstring lists (those marked *assumed* there are assumed here
too). The test drives it: ``advance`` replays statuses (deposit → first presentation → delivered, unclaimed or
returned; duplicates and reorderings are the caller's choice), ``fail_next`` answers a status (5xx, 429 with
``Retry-After``) to the next requests, ``drop_after_accept`` accepts the next letter and closes the connection
without answering (the ambiguous failure).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from notice_service.adapters.postal.merci_facteur_wire import COUNTRIES, LIMITS, MODES

SERVICE_ID = "public-twin-service"
SECRET_KEY = "secret-twin-key-0123456789"
USER_ID = "17460"
PDF_PROOF = b"%PDF-1.4\n% preuve de depot (twin)\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG_PROOF = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00avis-de-reception\xff\xd9"
REFERENCE = re.compile(r"^[A-Za-z0-9 _-]{0,30}$")
PRICES = {
    "lrar": "6.95",
    "lrare": "7.85",
    "suivi": "2.60",
    "normal": "1.85",
    "ere_otp_mail": "4.20",
    "ere_otp_sms": "4.40",
}


@dataclass
class Letter:
    envoi_id: int
    ref: str
    tracking: str
    mode: str
    antidoublon: str
    dest: dict[str, Any]
    price: str
    sent_at: int
    steps: list[dict[str, Any]] = field(default_factory=list)
    cancelled: bool = False


class Refused(Exception):
    def __init__(self, status: int, error: str, message: str = "", field_name: str | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.message, self.field_name = status, error, message, field_name


class MerciFacteurTwin:
    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now  # the dates it answers (a test's fixed clock); token signatures use the real time
        self.letters: list[Letter] = []
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request
        self.tokens: set[str] = set()
        self._faults: list[tuple[int, float | None]] = []
        self._drop_next_accept = False
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/1.2/prod/service"

    def start(self) -> MerciFacteurTwin:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @contextmanager
    def started(self) -> Iterator[MerciFacteurTwin]:
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

    def advance(self, ref: str, status: str, at: datetime) -> None:
        """The letter ``ref`` reached ``status`` at ``at`` (appended as given: repeat or reorder at will)."""
        letter = self.letter(ref)
        letter.steps.append({"statut_courrier": status, "date": int(at.timestamp()), "ref_courrier": ref})

    def letter(self, ref: str) -> Letter:
        return next(letter for letter in self.letters if letter.ref == ref)

    def received(self, antidoublon: str | None = None) -> int:
        """How many letters it accepted (under ``antidoublon`` when given)."""
        return sum(1 for letter in self.letters if antidoublon is None or letter.antidoublon == antidoublon)

    # --- the API ------------------------------------------------------------------------------------------

    def token(self, headers: dict[str, str]) -> dict[str, Any]:
        stamp = headers.get("ww-timestamp", "")
        if headers.get("ww-service-id") != SERVICE_ID or not stamp.isdigit():
            raise Refused(401, "UNKNOWN_SERVICE_ID")
        if abs(time.time() - int(stamp)) > 300:
            raise Refused(401, "HASH_EXPIRED", "the hash is valid 5 minutes")
        expected = hmac.new(SECRET_KEY.encode(), (SERVICE_ID + stamp).encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, headers.get("ww-service-signature", "")):
            raise Refused(401, "BAD_SIGNATURE", "ww-service-signature does not match the secret key")
        token = "tok_" + hashlib.sha256(stamp.encode() + expected.encode()).hexdigest()[:32]
        self.tokens.add(token)
        return {"success": True, "token": token, "expire": int(time.time()) + 86400}

    def authenticate(self, headers: dict[str, str]) -> None:
        if headers.get("ww-service-id") != SERVICE_ID or headers.get("ww-access-token") not in self.tokens:
            raise Refused(401, "INVALID_TOKEN")

    def send(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("idUser") != USER_ID:
            raise Refused(422, "UNKNOWN_USER", field_name="idUser")
        mode = form.get("modeEnvoi", "")
        if mode not in MODES:
            raise Refused(422, "BAD_MODE_ENVOI", field_name="modeEnvoi")
        dest = _check_adress(_json(form, "adress"), mode)
        _check_content(_json(form, "content"))
        antidoublon = form.get("antidoublon", "")
        if len(antidoublon) > 200:
            raise Refused(422, "ANTIDOUBLON_TOO_LONG", field_name="antidoublon")
        with self._lock:
            if antidoublon and any(letter.antidoublon == antidoublon for letter in self.letters):
                raise Refused(409, "ANTIDOUBLON", "a letter with this antidoublon was sent within 30 days")
            envoi_id = next(self._ids)
            letter = Letter(
                envoi_id, f"{envoi_id}-{envoi_id * 7919}", f"1A{envoi_id:011d}", mode, antidoublon, dest,
                PRICES[mode], int(self._now()),
            )  # fmt: skip
            self.letters.append(letter)
        return {
            "success": True,
            "envoi_id": envoi_id,
            "date": letter.sent_at,
            "courriers": [{"ref_courrier": letter.ref, "tracking_number": letter.tracking}],
            "amount": {"total": {"ht": str(round(float(letter.price) / 1.2, 2)), "ttc": letter.price}},
        }

    def get(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        if path == "getPrice":
            mode = query.get("modeEnvoi", "")
            if mode not in MODES or not query.get("nbPage", "").isdigit():
                raise Refused(422, "BAD_PARAMETERS", field_name="modeEnvoi")
            return {"success": True, "amount": {"total": {"ttc": PRICES[mode]}}}
        if path == "listEnvois":
            envois = [{"idEnvoi": letter.envoi_id, "modeEnvoi": letter.mode} for letter in reversed(self.letters)]
            return {"success": True, "envois": envois[:50]}
        if path == "getEnvoi":
            letter = self._by(lambda item: str(item.envoi_id) == query.get("idEnvoi"))
            general = {"idEnvoi": letter.envoi_id, "date": letter.sent_at, "amount": {"total": {"ttc": letter.price}}}
            detail = [{"ref": letter.ref, "tracking_number": letter.tracking, "dest": letter.dest}]
            return {"success": True, "envoi": {"general": general, "detail": detail}}
        letter = self._by(lambda item: item.ref == query.get("refCourrier"))
        if path == "getSuiviCourrier":
            return {"success": True, "suivi": list(letter.steps)}
        if path == "getProof":
            return self._proof(letter, query.get("type", ""))
        raise Refused(404, "UNKNOWN_METHOD")

    def _proof(self, letter: Letter, kind: str) -> dict[str, Any]:
        statuses = {step["statut_courrier"] for step in letter.steps}
        if kind == "pdd" and statuses & {"pris_en_charge", "scan_pdd"}:
            return {"success": True, "content_type": "application/pdf", "file": base64.b64encode(PDF_PROOF).decode()}
        if kind == "are" and statuses & {"retour_are", "distribue"} and letter.mode == "lrare":
            return {"success": True, "content_type": "image/jpeg", "file": base64.b64encode(JPEG_PROOF).decode()}
        raise Refused(404, "PROOF_NOT_AVAILABLE")

    def delete(self, form: dict[str, str]) -> dict[str, Any]:
        letter = self._by(lambda item: item.ref == form.get("refCourrier"))
        if letter.steps and letter.steps[-1]["statut_courrier"] not in ("wait",):
            raise Refused(422, "NOT_CANCELLABLE", "the letter is already printed")
        letter.cancelled = True
        return {"success": True}

    def _by(self, match: Any) -> Letter:
        for letter in self.letters:
            if match(letter):
                return letter
        raise Refused(404, "UNKNOWN_COURRIER")

    def fault(self) -> tuple[int, float | None] | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def take_drop(self) -> bool:
        with self._lock:
            dropped, self._drop_next_accept = self._drop_next_accept, False
            return dropped


def _json(form: dict[str, str], name: str) -> Any:
    try:
        return json.loads(form[name])
    except (KeyError, json.JSONDecodeError):
        raise Refused(422, f"BAD_{name.upper()}", f"{name} must be JSON", field_name=name) from None


def _check_address(address: Any, role: str) -> dict[str, Any]:
    if not isinstance(address, dict):
        raise Refused(422, "ADRESS_BAD_FORMAT", field_name=role)
    for key, limit in LIMITS.items():
        value = address.get(key, "")
        if not isinstance(value, str):
            raise Refused(422, "ADRESS_BAD_FORMAT", field_name=f"{role}.{key}")
        if len(value) > limit:
            raise Refused(422, f"ADRESS_{key.upper()}_TOO_LONG", f"{key} > {limit}", field_name=f"{role}.{key}")
    if not (address.get("nom") or address.get("societe")) or not address.get("cp") or not address.get("ville"):
        raise Refused(422, "ADRESS_MISSING_FIELD", "nom or societe, cp, ville and pays", field_name=role)
    if address.get("pays") not in COUNTRIES.values():
        raise Refused(422, "UNKNOWN_COUNTRY", field_name=f"{role}.pays")
    return address


def _check_adress(adress: Any, mode: str) -> dict[str, Any]:
    if not isinstance(adress, dict) or not isinstance(adress.get("dest"), list) or len(adress["dest"]) != 1:
        raise Refused(422, "ADRESS_BAD_FORMAT", "one exp object and a dest list", field_name="adress")
    _check_address(adress.get("exp"), "exp")
    dest = _check_address(adress["dest"][0], "dest")
    if not REFERENCE.match(str(dest.get("reference", ""))):
        raise Refused(422, "BAD_REFERENCE", field_name="dest.reference")
    if mode.startswith("ere_") and (dest.get("consent") != 1 or not dest.get("email")):
        raise Refused(422, "ERE_NEEDS_EMAIL_AND_CONSENT", field_name="dest.email")
    return dest


def _check_content(content: Any) -> None:
    letter = content.get("letter") if isinstance(content, dict) else None
    files = letter.get("base64files") if isinstance(letter, dict) else None
    if not isinstance(files, list) or not 1 <= len(files) <= 10:
        raise Refused(422, "NO_CONTENT", field_name="content")
    for encoded in files:
        try:
            data = base64.b64decode(encoded, validate=True)
        except (ValueError, TypeError):
            raise Refused(422, "BAD_BASE64", field_name="content") from None
        if not data.startswith(b"%PDF-"):
            raise Refused(422, "ONLY_PDF_ACCEPTED", field_name="content")


def _handler(twin: MerciFacteurTwin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _headers(self) -> dict[str, str]:
            return {key.lower(): value for key, value in self.headers.items()}

        def _reply(self, status: int, body: dict[str, Any], extra: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            name = url.path.rsplit("/", 1)[-1]
            twin.requests.append((method, name))
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
            query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            fault = twin.fault()
            if fault is not None:
                status, retry_after = fault
                extra = {"Retry-After": str(retry_after)} if retry_after is not None else None
                return self._reply(status, {"success": False, "error": f"HTTP_{status}"}, extra)
            try:
                if name == "getToken":
                    return self._reply(200, twin.token(self._headers()))
                twin.authenticate(self._headers())
                if method == "POST" and name == "sendCourrier":
                    answer = twin.send(form)
                    if twin.take_drop():
                        self.close_connection = True
                        self.connection.shutdown(2)  # accepted, then the answer is lost
                        return None
                    return self._reply(200, answer)
                if method == "POST" and name == "deleteCourrier":
                    return self._reply(200, twin.delete(form))
                return self._reply(200, twin.get(name, query))
            except Refused as refused:
                body = {"success": False, "error": refused.error, "message": refused.message}
                if refused.field_name:
                    body["field"] = refused.field_name
                return self._reply(refused.status, body)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler


def running_twin() -> Iterator[MerciFacteurTwin]:
    twin = MerciFacteurTwin().start()
    try:
        yield twin
    finally:
        twin.close()
