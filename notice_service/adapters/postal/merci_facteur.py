"""``MerciFacteurProvider``: the ``PostalProvider`` port over Merci Facteur's HTTP API 1.2 (``requests``).

Written from the public documentation (github.com/MerciFacteur/Merci-facteur-API: its README, the
``hash-secret-key`` guide and the PHP client ``php-class/apiMf.class.php``). What each call relies on:

Verified against that documentation
  * authentication: ``GET getToken`` with ``ww-service-id``, ``ww-timestamp`` (Unix seconds) and
    ``ww-service-signature`` = lowercase hex HMAC-SHA256 of ``service_id + timestamp`` keyed by the secret key
    (valid 5 minutes), ``ww-authorized-ip``; it answers ``{"success", "token", "expire"}``; every other call
    carries ``ww-access-token`` and ``ww-service-id``; the token is kept until shortly before ``expire``;
  * ``POST sendCourrier`` as a form: ``idUser``, ``adress`` (JSON ``{"exp": {…}, "dest": [{…}]}``), ``content``
    (JSON ``{"letter": {"base64files": [...], "final_filename": …}}``), ``modeEnvoi`` (``lrar``, ``lrare``,
    ``suivi``, ``normal``, ``ere_otp_mail``) and ``antidoublon`` (our idempotency key, ≤ 200 characters: a second
    letter with the same key within 30 days is refused);
  * the address fields and their limits (société 90, nom 70, adresse1–3 90, cp 12, ville 70, pays 70 spelt out),
    the internal ``reference`` (≤ 30 of letters, digits, space, ``-``, ``_``), ERE ``email`` and ``consent``;
  * ``GET listEnvois?idUser=`` (the 50 latest sendings) and ``GET getEnvoi?idEnvoi=`` (their letters, with
    each recipient's address and reference): ``find`` matches the reference derived from the idempotency key;
  * the ``statut_courrier`` codes (the webhook tables in ``domain/delivery/provider_events.py``).

Assumed (the OpenAPI document at merci-facteur.com/api/1.2/doc.php was not in the stored snapshot; needs a real
sandbox account to confirm): the exact JSON answered by ``sendCourrier`` (``envoi_id``, ``courriers[]`` with
``ref_courrier``/``tracking_number``, ``amount.total.ttc``), the names and parameters of ``getPrice``,
``getSuiviCourrier``, ``getProof`` (``type`` ``pdd``/``are``, base64 in ``file``) and ``deleteCourrier``, the HTTP
statuses of errors (401 bad token, 409 duplicate ``antidoublon``, 422 invalid field, 402 credit, 429, 5xx), and
the sandbox base URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests
from pypdf import PdfReader

from notice_service.adapters.postal.http_common import busy_or_down, json_object, may_have_left, price, raw_json
from notice_service.adapters.postal.merci_facteur_wire import (
    COUNTRIES,
    LEVEL_MODES,
    STATUS_PROOFS,
    address_json,
    internal_reference,
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

PROOF_TYPES = {ProofKind.DEPOSIT: "pdd", ProofKind.RECEIPT: "are"}
_STATUS_CODES = {401: "unauthorized", 402: "insufficient-credit", 404: "not-found", 409: "duplicate"}


class MerciFacteurProvider:
    """One Merci Facteur account (service id, secret key, the user that sends)."""

    name = "merci_facteur"

    def __init__(
        self,
        base_url: str,
        service_id: str,
        secret_key: str,
        user_id: str,
        *,
        authorized_ip: str = "",
        timeout: float = 20.0,
        unix_time: Callable[[], float] = time.time,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._service_id, self._secret, self._user_id = service_id, secret_key, user_id
        self._ip, self._timeout, self._time = authorized_ip, timeout, unix_time
        self._token: tuple[str, float] | None = None

    def __repr__(self) -> str:  # never the secret
        return f"MerciFacteurProvider({self._base!r}, service_id={self._service_id!r})"

    # --- authentication -------------------------------------------------------------------------------------

    def _signature_headers(self) -> dict[str, str]:
        stamp = str(int(self._time()))
        signature = hmac.new(self._secret.encode(), (self._service_id + stamp).encode(), hashlib.sha256).hexdigest()
        return {
            "ww-service-signature": signature,
            "ww-timestamp": stamp,
            "ww-service-id": self._service_id,
            "ww-authorized-ip": self._ip,
        }

    def _access_token(self) -> str:
        if self._token is not None and self._token[1] - 60 > self._time():
            return self._token[0]
        answer = self._call("GET", "getToken", headers=self._signature_headers(), authenticated=False)
        token, expire = answer.get("token"), answer.get("expire")
        if not isinstance(token, str) or not token:
            raise ProviderError("unavailable", "Merci Facteur answered getToken without a token.", retryable=True)
        self._token = (token, float(expire) if isinstance(expire, int | float | Decimal) else self._time() + 3600)
        return token

    def check(self) -> None:
        self._token = None
        self._access_token()

    # --- HTTP -------------------------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        ambiguous_on_timeout: bool = False,
    ) -> dict[str, Any]:
        sent = dict(headers or {})
        if authenticated:
            sent.update({"ww-access-token": self._access_token(), "ww-service-id": self._service_id})
        try:
            response = requests.request(
                method, f"{self._base}/{path}", params=params, data=data, headers=sent, timeout=self._timeout
            )
        except requests.RequestException as exc:
            if ambiguous_on_timeout and may_have_left(exc):
                raise ProviderAmbiguous(
                    f"{path}: the request left and no answer came back ({type(exc).__name__})"
                ) from None
            raise ProviderError("unavailable", f"Merci Facteur cannot be reached ({path}).", retryable=True) from None
        return self._answer(path, response)

    def _answer(self, path: str, response: requests.Response) -> dict[str, Any]:
        raw = response.content[:4000]
        if (busy := busy_or_down("Merci Facteur", path, response)) is not None:
            raise busy
        body = json_object(response.content)
        if body is None:
            raise ProviderError("unavailable", f"Merci Facteur answered {path} with no JSON.", retryable=True, raw=raw)
        if response.status_code >= 400 or body.get("success") is False:
            raise _refusal(path, response.status_code, body, raw)
        return body

    # --- the port ---------------------------------------------------------------------------------------------

    def levels(self) -> frozenset[ServiceLevel]:
        return frozenset(LEVEL_MODES)

    def _form(self, submission: Submission) -> dict[str, str]:
        mode = LEVEL_MODES.get(submission.level)
        if mode is None:
            raise ProviderError(
                "invalid-request", f"Merci Facteur has no {submission.level} service.", field_name="level"
            )
        electronic = submission.level is ServiceLevel.ELECTRONIC_REGISTERED
        reference = internal_reference(submission.idempotency_key)
        adress = {
            "exp": address_json(submission.sender, "sender"),
            "dest": [
                {**address_json(submission.recipient, "recipient", electronic=electronic), "reference": reference}
            ],
        }
        content = {
            "letter": {
                "base64files": [base64.b64encode(submission.document).decode("ascii")],
                "final_filename": submission.document_name,
            }
        }
        return {
            "idUser": self._user_id,
            "adress": json.dumps(adress, ensure_ascii=False),
            "content": json.dumps(content),
            "modeEnvoi": mode,
            "antidoublon": submission.idempotency_key[:200],
        }

    def quote(self, submission: Submission) -> Quote:
        form = self._form(submission)
        pages = len(PdfReader(io.BytesIO(submission.document)).pages)
        country = COUNTRIES.get(submission.recipient.country.upper(), "")
        params = {"modeEnvoi": form["modeEnvoi"], "nbPage": str(pages), "pays": country}
        answer = self._call("GET", "getPrice", params=params)
        return Quote(_price(answer) or Decimal("0"))

    def submit(self, submission: Submission) -> Receipt:
        form = self._form(submission)
        try:
            answer = self._call("POST", "sendCourrier", data=form, ambiguous_on_timeout=True)
        except ProviderError as refused:
            if refused.code != "duplicate":
                raise
            found = self.find(submission.idempotency_key)  # the first letter under this key: answer its receipt
            if found is None:
                raise
            return found
        return self._receipt(answer)

    def _receipt(self, answer: Mapping[str, Any]) -> Receipt:
        courriers = answer.get("courriers")
        first = courriers[0] if isinstance(courriers, list) and courriers and isinstance(courriers[0], dict) else {}
        reference = first.get("ref_courrier")
        if not isinstance(reference, str) or not reference:
            raise ProviderError("unavailable", "sendCourrier answered no ref_courrier.", raw=raw_json(answer))
        tracking = first.get("tracking_number")
        return Receipt(
            provider_reference=reference,
            submitted_at=_when(answer.get("date")) or datetime.fromtimestamp(self._time(), tz=UTC),
            tracking_number=tracking if isinstance(tracking, str) and tracking else None,
            price=_price(answer),
            raw=raw_json(answer),
        )

    def find(self, idempotency_key: str) -> Receipt | None:
        wanted = internal_reference(idempotency_key)
        listed = self._call("GET", "listEnvois", params={"idUser": self._user_id}).get("envois")
        for envoi in listed if isinstance(listed, list) else []:
            envoi_id = envoi.get("idEnvoi") if isinstance(envoi, dict) else None
            if envoi_id is None:
                continue
            detail = self._call("GET", "getEnvoi", params={"idEnvoi": str(envoi_id)})
            for letter in _letters(detail):
                if isinstance(letter.get("dest"), dict) and letter["dest"].get("reference") == wanted:
                    general = (
                        detail.get("envoi", {}).get("general", {}) if isinstance(detail.get("envoi"), dict) else {}
                    )
                    found = {
                        "courriers": [
                            {"ref_courrier": letter.get("ref"), "tracking_number": letter.get("tracking_number")}
                        ],
                        **general,
                    }
                    return self._receipt(found)
        return None

    def cancel(self, provider_reference: str) -> None:
        try:
            self._call("POST", "deleteCourrier", data={"refCourrier": provider_reference})
        except ProviderError as refused:
            if refused.code in ("invalid-request", "duplicate"):
                raise ProviderError("not-cancellable", refused.detail, raw=refused.raw) from None
            raise

    def events(self, provider_reference: str) -> Sequence[ProviderEvent]:
        answer = self._call("GET", "getSuiviCourrier", params={"refCourrier": provider_reference})
        steps = answer.get("suivi")
        events = []
        for step in steps if isinstance(steps, list) else []:
            status, when = step.get("statut_courrier") if isinstance(step, dict) else None, _when(step.get("date"))
            if not isinstance(status, str) or when is None:
                continue
            events.append(
                ProviderEvent(
                    event_id=f"merci_facteur:poll:{status}:{provider_reference}",
                    provider_reference=provider_reference,
                    status=status,
                    occurred_at=when,
                    proofs=STATUS_PROOFS.get(status, ()),
                    raw=raw_json(step),
                )
            )
        return sorted(events, key=lambda event: event.occurred_at)

    def proof(self, provider_reference: str, kind: ProofKind) -> Proof | None:
        wire = PROOF_TYPES.get(kind)
        if wire is None:
            return None
        try:
            answer = self._call("GET", "getProof", params={"refCourrier": provider_reference, "type": wire})
        except ProviderError as missing:
            if missing.code == "not-found":
                return None
            raise
        encoded = answer.get("file")
        if not isinstance(encoded, str) or not encoded:
            return None
        media_type = "application/pdf" if kind is ProofKind.DEPOSIT else "image/jpeg"
        return Proof(kind, str(answer.get("content_type") or media_type), base64.b64decode(encoded))


def _letters(detail: Mapping[str, Any]) -> list[dict[str, Any]]:
    envoi = detail.get("envoi")
    letters = envoi.get("detail") if isinstance(envoi, dict) else None
    return [letter for letter in letters if isinstance(letter, dict)] if isinstance(letters, list) else []


def _refusal(path: str, status: int, body: Mapping[str, Any], raw: bytes) -> ProviderError:
    """A refused call as a ``ProviderError`` a person can act on (the ``error`` code Merci Facteur answers)."""
    error = str(body.get("error") or f"HTTP {status}")
    field = body.get("field") if isinstance(body.get("field"), str) else None
    code = _STATUS_CODES.get(status, "invalid-request")
    if error.startswith("ADRESS_") and "TOO_LONG" in error:
        code = "address-too-long"
    elif error == "UNKNOWN_COUNTRY":
        code = "unsupported-country"
    elif code == "unauthorized":
        field = field or ("credentials.service_id" if "SERVICE_ID" in error else "credentials.secret_key")
    detail = f"Merci Facteur refused {path}: {error}" + (f" ({body['message']})" if body.get("message") else "")
    return ProviderError(code, detail, field_name=field, raw=raw)


def _price(answer: Mapping[str, Any]) -> Decimal | None:
    amount = answer.get("amount")
    total = amount.get("total") if isinstance(amount, dict) else None
    return price(total.get("ttc") if isinstance(total, dict) else None)


def _when(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return datetime.fromtimestamp(float(value), tz=UTC)  # a date, not an amount
