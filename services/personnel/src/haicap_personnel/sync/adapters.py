"""The exchange adapters: how a batch of national records leaves haicap (``lgsp``, ``ndxp``, ``file``).

Each adapter answers, per change id, one :class:`Result`: ``acknowledged`` (with the national
reference), ``rejected`` (with the national side's reason), ``sent`` (written for manual upload:
the file adapter), or ``retry`` (a timeout, a 5xx, a refused connection, an expired token: the
worker tries again later). Each exchange (a token request, a POST, a file written) is an
:class:`Exchange` the worker logs in ``sync_exchange``: what, when, to whom, the answer; never a
record's content (only change ids).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx

from haicap_shared.models import utcnow

from .settings import SyncSettings

logger = logging.getLogger("haicap.personnel.sync")

ANSWER_LIMIT = 1000
"""Characters of an answer kept in the exchange log."""

Verdict = Literal["acknowledged", "rejected", "sent", "retry"]


@dataclass(frozen=True, slots=True)
class Result:
    verdict: Verdict
    reference: str | None = None
    reason: str | None = None


@dataclass(slots=True)
class Exchange:
    """One exchange with the national side, as ``sync_exchange`` records it."""

    adapter: str
    destination: str
    operation: str
    change_ids: list[str]
    started_at: datetime
    duration_ms: int
    outcome: str
    transaction_code: str | None = None
    http_status: int | None = None
    answer: str | None = None

    def row(self) -> dict[str, Any]:
        return {
            "adapter": self.adapter,
            "destination": self.destination[:500],
            "operation": self.operation,
            "change_ids": self.change_ids,
            "transaction_code": self.transaction_code,
            "started_at": self.started_at,
            "duration_ms": self.duration_ms,
            "outcome": self.outcome,
            "http_status": self.http_status,
            "answer": None if self.answer is None else self.answer[:ANSWER_LIMIT],
        }


@dataclass(slots=True)
class Sent:
    """What one send gave: a result per change id, and the exchanges it took."""

    results: dict[str, Result] = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)


class Adapter(Protocol):
    name: str

    async def send(self, records: Sequence[dict[str, Any]], province_code: str | None) -> Sent: ...

    async def close(self) -> None: ...


class AdapterMisconfigured(Exception):
    """A setting the chosen adapter needs is missing."""


def _ms(since: float) -> int:
    return int((time.perf_counter() - since) * 1000)


def _retry_all(records: Sequence[dict[str, Any]], reason: str) -> dict[str, Result]:
    return {str(r["change_id"]): Result("retry", reason=reason[:500]) for r in records}


def _message(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("message") or body.get("detail") or body.get("title") or "")[:2000]
    return ""


def _reference(body: dict[str, Any]) -> str | None:
    for key in ("reference", "national_reference", "ma_ho_so", "id"):
        value = body.get(key)
        if value:
            return str(value)[:200]
    data = body.get("data")
    return _reference(data) if isinstance(data, dict) else None


class HttpAdapter:
    """``lgsp`` and ``ndxp``: a bearer token by ``client_credentials`` (kept until it expires), then JSON POSTs.

    ``lgsp`` adds the province's headers (``lgspaccesstoken``: base64 JSON of its AccessKey,
    SecretKey, AppName and PartnerCode; ``SENDER_CODE``, ``RECEIVER_CODE``, ``TRAN_CODE``). A
    batch of one is POSTed as the record itself; more as ``{"records": [...]}``, answered with
    ``{"error_code": "0"|"1", "message": ..., "results": [{"change_id", "error_code", "message",
    "reference"}]}``.
    """

    def __init__(self, settings: SyncSettings, *, http: httpx.AsyncClient | None = None) -> None:
        self.name: str = settings.adapter
        self.settings = settings
        if not settings.record_url:
            raise AdapterMisconfigured(f"the {self.name} adapter needs HAICAP_PERSONNEL_SYNC_RECORD_URL")
        if self.name == "lgsp" and not settings.token_url:
            raise AdapterMisconfigured("the lgsp adapter needs HAICAP_PERSONNEL_SYNC_TOKEN_URL")
        self._own_http = http is None
        timeout = httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds)
        self.http = http or httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            follow_redirects=False,
            trust_env=False,
        )
        self._tokens: dict[str, tuple[str, float]] = {}

    async def close(self) -> None:
        if self._own_http:
            await self.http.aclose()

    def _lgsp_headers(self, province_code: str | None) -> dict[str, str]:
        if self.name != "lgsp":
            return {}
        values = self.settings.lgsp_for(province_code)
        credentials = {
            "AccessKey": values.access_key,
            "SecretKey": values.secret_key,
            "AppName": values.app_name,
            "PartnerCode": values.partner_code,
        }
        token = base64.b64encode(json.dumps(credentials, separators=(",", ":")).encode()).decode()
        return {
            "lgspaccesstoken": token,
            "SENDER_CODE": values.sender_code,
            "RECEIVER_CODE": values.receiver_code,
            "TRAN_CODE": values.tran_code,
        }

    async def _token(self, province_code: str | None, sent: Sent) -> str | None:
        """The cached bearer token, or a new one (None: no token endpoint, or it failed: logged in ``sent``)."""
        if not self.settings.token_url:
            return None
        key = province_code or ""
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        started, clock = utcnow(), time.perf_counter()
        exchange = Exchange(self.name, self.settings.token_url, "token", [], started, 0, "failed")
        sent.exchanges.append(exchange)
        try:
            response = await self.http.post(
                self.settings.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.settings.client_id,
                    "client_secret": self.settings.client_secret,
                },
                headers=self._lgsp_headers(province_code),
            )
        except httpx.HTTPError as exc:
            exchange.duration_ms, exchange.answer = _ms(clock), f"{type(exc).__name__}: {exc}"[:ANSWER_LIMIT]
            return None
        exchange.duration_ms, exchange.http_status = _ms(clock), response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not token:
            exchange.answer = response.text[:ANSWER_LIMIT]
            return None
        expires_in = float(body.get("expires_in") or 300)
        # NOTE: renewed a little before it expires, so a POST never carries a token that dies on the way.
        self._tokens[key] = (str(token), time.monotonic() + max(expires_in - 30, expires_in / 2))
        exchange.outcome, exchange.answer = "ok", json.dumps({"token_type": body.get("token_type"), "expires_in": expires_in})
        return str(token)

    async def send(self, records: Sequence[dict[str, Any]], province_code: str | None) -> Sent:
        sent = Sent()
        ids = [str(r["change_id"]) for r in records]
        token = await self._token(province_code, sent)
        if self.settings.token_url and token is None:
            sent.results = _retry_all(records, "no token from the platform")
            return sent
        headers = {"Content-Type": "application/json", **self._lgsp_headers(province_code)}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        body: Any = records[0] if len(records) == 1 else {"records": list(records)}
        started, clock = utcnow(), time.perf_counter()
        tran_code = headers.get("TRAN_CODE") or None
        exchange = Exchange(self.name, self.settings.record_url, "send", ids, started, 0, "failed", transaction_code=tran_code)
        sent.exchanges.append(exchange)
        try:
            response = await self.http.post(
                self.settings.record_url, content=json.dumps(body, ensure_ascii=False).encode(), headers=headers
            )
        except httpx.TimeoutException as exc:
            exchange.duration_ms, exchange.outcome, exchange.answer = _ms(clock), "timeout", f"{type(exc).__name__}"
            sent.results = _retry_all(records, f"timeout ({type(exc).__name__})")
            return sent
        except httpx.HTTPError as exc:
            exchange.duration_ms, exchange.outcome = _ms(clock), "unreachable"
            exchange.answer = f"{type(exc).__name__}: {exc}"[:ANSWER_LIMIT]
            sent.results = _retry_all(records, f"unreachable ({type(exc).__name__})")
            return sent
        exchange.duration_ms, exchange.http_status = _ms(clock), response.status_code
        exchange.answer = response.text[:ANSWER_LIMIT]
        status = response.status_code
        if status in (401, 403):
            self._tokens.pop(province_code or "", None)
            sent.results = _retry_all(records, f"HTTP {status}: token refused, a new one next time")
            return sent
        if status >= 500 or status == 429 or status in (408, 409):
            sent.results = _retry_all(records, f"HTTP {status}")
            return sent
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            sent.results = _retry_all(records, f"HTTP {status}: an answer that is not JSON")
            return sent
        sent.results = self._results(records, answer, status)
        verdicts = {r.verdict for r in sent.results.values()}
        exchange.outcome = "rejected" if verdicts == {"rejected"} else ("partly_rejected" if "rejected" in verdicts else "ok")
        return sent

    @staticmethod
    def _results(records: Sequence[dict[str, Any]], answer: dict[str, Any], status: int) -> dict[str, Result]:
        ids = [str(r["change_id"]) for r in records]
        listed = answer.get("results")
        if isinstance(listed, list):
            found: dict[str, Result] = {}
            for item in listed:
                if not isinstance(item, dict) or str(item.get("change_id")) not in ids:
                    continue
                if str(item.get("error_code")) == "0":
                    found[str(item["change_id"])] = Result("acknowledged", reference=_reference(item))
                else:
                    found[str(item["change_id"])] = Result("rejected", reason=_message(item) or "rejected without a reason")
            # NOTE: a change the answer does not mention was not taken: sent again later.
            for change_id in ids:
                found.setdefault(change_id, Result("retry", reason="not in the platform's answer"))
            return found
        if status < 300 and str(answer.get("error_code")) == "0":
            if len(ids) == 1:
                return {ids[0]: Result("acknowledged", reference=_reference(answer))}
            return {change_id: Result("acknowledged") for change_id in ids}
        reason = _message(answer) or f"HTTP {status}, error_code {answer.get('error_code')!r}"
        return {change_id: Result("rejected", reason=reason) for change_id in ids}


class FileAdapter:
    """``file``: one dated JSON-lines batch file per send, with a detached signature, for manual upload.

    ``<dir>/haicap-dossier-changes-<UTC time>-<id>.jsonl`` and ``.jsonl.sig``: Ed25519 (base64 of
    the signature of the file's bytes) when ``FILE_PRIVATE_KEY_FILE`` names a PEM private key,
    else HMAC-SHA256 (hex) with ``FILE_HMAC_KEY``. The changes become ``sent``; the national
    side's acknowledgement is not known here.
    """

    name: str = "file"

    def __init__(self, settings: SyncSettings, folder: Path) -> None:
        self.folder = folder
        self.hmac_key = settings.file_hmac_key.encode()
        self.ed25519: Any = None
        if settings.file_private_key_file is not None:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            from cryptography.hazmat.primitives.serialization import load_pem_private_key

            key = load_pem_private_key(settings.file_private_key_file.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise AdapterMisconfigured("HAICAP_PERSONNEL_SYNC_FILE_PRIVATE_KEY_FILE is not an Ed25519 private key")
            self.ed25519 = key
        elif not self.hmac_key:
            raise AdapterMisconfigured(
                "the file adapter signs its batches: set HAICAP_PERSONNEL_SYNC_FILE_HMAC_KEY or _FILE_PRIVATE_KEY_FILE"
            )

    async def close(self) -> None:
        return None

    def signature(self, content: bytes) -> str:
        if self.ed25519 is not None:
            return "ed25519:" + base64.b64encode(self.ed25519.sign(content)).decode()
        return "hmac-sha256:" + hmac.new(self.hmac_key, content, hashlib.sha256).hexdigest()

    def _write(self, name: str, content: bytes) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        # NOTE: written under a temporary name, then renamed: an uploader never picks up half a file.
        for target, data in ((path.with_suffix(".jsonl.sig"), self.signature(content).encode() + b"\n"), (path, content)):
            partial = target.with_name(target.name + ".part")
            partial.write_bytes(data)
            os.replace(partial, target)
        return path

    async def send(self, records: Sequence[dict[str, Any]], province_code: str | None) -> Sent:
        started, clock = utcnow(), time.perf_counter()
        name = f"haicap-dossier-changes-{started:%Y%m%dT%H%M%S}Z-{uuid.uuid4().hex[:8]}.jsonl"
        content = b"".join(json.dumps(r, ensure_ascii=False, sort_keys=True).encode() + b"\n" for r in records)
        path = await asyncio.to_thread(self._write, name, content)
        ids = [str(r["change_id"]) for r in records]
        exchange = Exchange(self.name, str(path), "write_file", ids, started, _ms(clock), "ok", answer=f"{len(records)} records")
        return Sent(results={change_id: Result("sent", reference=name) for change_id in ids}, exchanges=[exchange])


def make_adapter(settings: SyncSettings, var_dir: Path, *, http: httpx.AsyncClient | None = None) -> Adapter:
    """The adapter the settings choose."""
    if settings.adapter == "file":
        return FileAdapter(settings, settings.file_dir or var_dir / "national-sync")
    return HttpAdapter(settings, http=http)
