"""``lgsp``, ``ndxp`` and ``file``: the national platforms' JSON POSTs and the signed batch file; :func:`make_adapter`.

Each adapter answers, per record id, one :class:`~.outcomes.Result`: ``acknowledged`` (with the
far side's reference), ``rejected`` (with its reason), ``sent`` (written for manual upload: the
file adapter), or ``retry`` (a timeout, a 5xx, a refused connection, an expired token: the
worker tries again later). Each exchange (a token request, a POST, a file written) is an
:class:`~.outcomes.Exchange` the worker logs: what, when, to whom, the answer; never a record's
content (only record ids).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from ..models import utcnow
from .outcomes import (
    ANSWER_LIMIT,
    Adapter,
    AdapterMisconfigured,
    Exchange,
    Result,
    Sent,
    answer_message,
    answer_reference,
    elapsed_ms,
    retry_all,
    retry_status,
)
from .settings import ExchangeSettings, OneStopConnection


def http_client(settings: ExchangeSettings) -> httpx.AsyncClient:
    """The client an HTTP adapter uses: the settings' timeouts, no redirects, no proxy from the environment."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds),
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        follow_redirects=False,
        trust_env=False,
    )


class HttpAdapter:
    """``lgsp`` and ``ndxp``: a bearer token by ``client_credentials`` (kept until it expires), then JSON POSTs.

    ``lgsp`` adds the province's headers (``lgspaccesstoken``: base64 JSON of its AccessKey,
    SecretKey, AppName and PartnerCode; ``SENDER_CODE``, ``RECEIVER_CODE``, ``TRAN_CODE``). A
    batch of one is POSTed as the record itself; more as ``{"records": [...]}``, answered with
    ``{"error_code": "0"|"1", "message": ..., "results": [{<id key>, "error_code", "message",
    "reference"}]}``.
    """

    def __init__(self, settings: ExchangeSettings, *, id_key: str, http: httpx.AsyncClient | None = None) -> None:
        self.name: str = settings.adapter
        self.settings = settings
        self.id_key = id_key
        if not settings.record_url:
            raise AdapterMisconfigured(f"the {self.name} adapter needs {settings.env_name('record_url')}")
        if self.name == "lgsp" and not settings.token_url:
            raise AdapterMisconfigured(f"the lgsp adapter needs {settings.env_name('token_url')}")
        self._own_http = http is None
        self.http = http or http_client(settings)
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
            exchange.duration_ms, exchange.answer = elapsed_ms(clock), f"{type(exc).__name__}: {exc}"[:ANSWER_LIMIT]
            return None
        exchange.duration_ms, exchange.http_status = elapsed_ms(clock), response.status_code
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
        ids = [str(r[self.id_key]) for r in records]
        token = await self._token(province_code, sent)
        if self.settings.token_url and token is None:
            sent.results = retry_all(ids, "no token from the platform")
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
            exchange.duration_ms, exchange.outcome, exchange.answer = elapsed_ms(clock), "timeout", f"{type(exc).__name__}"
            sent.results = retry_all(ids, f"timeout ({type(exc).__name__})")
            return sent
        except httpx.HTTPError as exc:
            exchange.duration_ms, exchange.outcome = elapsed_ms(clock), "unreachable"
            exchange.answer = f"{type(exc).__name__}: {exc}"[:ANSWER_LIMIT]
            sent.results = retry_all(ids, f"unreachable ({type(exc).__name__})")
            return sent
        exchange.duration_ms, exchange.http_status = elapsed_ms(clock), response.status_code
        exchange.answer = response.text[:ANSWER_LIMIT]
        status = response.status_code
        if status in (401, 403):
            self._tokens.pop(province_code or "", None)
            sent.results = retry_all(ids, f"HTTP {status}: token refused, a new one next time")
            return sent
        if retry_status(status):
            sent.results = retry_all(ids, f"HTTP {status}")
            return sent
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            sent.results = retry_all(ids, f"HTTP {status}: an answer that is not JSON")
            return sent
        sent.results = self.results_of(records, answer, status, self.id_key)
        verdicts = {r.verdict for r in sent.results.values()}
        exchange.outcome = "rejected" if verdicts == {"rejected"} else ("partly_rejected" if "rejected" in verdicts else "ok")
        return sent

    @staticmethod
    def results_of(records: Sequence[dict[str, Any]], answer: dict[str, Any], status: int, id_key: str) -> dict[str, Result]:
        """Each record's result from the platform's JSON answer (a ``results`` list, or one code for all)."""
        ids = [str(r[id_key]) for r in records]
        listed = answer.get("results")
        if isinstance(listed, list):
            found: dict[str, Result] = {}
            for item in listed:
                if not isinstance(item, dict) or str(item.get(id_key)) not in ids:
                    continue
                record_id = str(item[id_key])
                if str(item.get("error_code")) == "0":
                    found[record_id] = Result("acknowledged", reference=answer_reference(item))
                else:
                    found[record_id] = Result("rejected", reason=answer_message(item) or "rejected without a reason")
            # NOTE: a record the answer does not mention was not taken: sent again later.
            for record_id in ids:
                found.setdefault(record_id, Result("retry", reason="not in the platform's answer"))
            return found
        if status < 300 and str(answer.get("error_code")) == "0":
            if len(ids) == 1:
                return {ids[0]: Result("acknowledged", reference=answer_reference(answer))}
            return {record_id: Result("acknowledged") for record_id in ids}
        reason = answer_message(answer) or f"HTTP {status}, error_code {answer.get('error_code')!r}"
        return {record_id: Result("rejected", reason=reason) for record_id in ids}


class FileAdapter:
    """``file``: one dated JSON-lines batch file per send, with a detached signature, for manual upload.

    ``<dir>/<prefix>-<UTC time>-<id>.jsonl`` and ``.jsonl.sig``: Ed25519 (base64 of the signature
    of the file's bytes) when ``FILE_PRIVATE_KEY_FILE`` names a PEM private key, else HMAC-SHA256
    (hex) with ``FILE_HMAC_KEY``. The records become ``sent``; the far side's acknowledgement is
    not known here.
    """

    name: str = "file"

    def __init__(self, settings: ExchangeSettings, folder: Path, *, id_key: str, prefix: str) -> None:
        self.folder = folder
        self.id_key = id_key
        self.prefix = prefix
        self.hmac_key = settings.file_hmac_key.encode()
        self.ed25519: Any = None
        if settings.file_private_key_file is not None:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            from cryptography.hazmat.primitives.serialization import load_pem_private_key

            key = load_pem_private_key(settings.file_private_key_file.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise AdapterMisconfigured(f"{settings.env_name('file_private_key_file')} is not an Ed25519 private key")
            self.ed25519 = key
        elif not self.hmac_key:
            raise AdapterMisconfigured(
                f"the file adapter signs its batches: set {settings.env_name('file_hmac_key')} or _FILE_PRIVATE_KEY_FILE"
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
        name = f"{self.prefix}-{started:%Y%m%dT%H%M%S}Z-{uuid.uuid4().hex[:8]}.jsonl"
        content = b"".join(json.dumps(r, ensure_ascii=False, sort_keys=True).encode() + b"\n" for r in records)
        path = await asyncio.to_thread(self._write, name, content)
        ids = [str(r[self.id_key]) for r in records]
        exchange = Exchange(
            self.name, str(path), "write_file", ids, started, elapsed_ms(clock), "ok", answer=f"{len(records)} records"
        )
        return Sent(results={record_id: Result("sent", reference=name) for record_id in ids}, exchanges=[exchange])


def make_adapter(
    settings: ExchangeSettings, folder: Path, *, id_key: str, file_prefix: str, http: httpx.AsyncClient | None = None
) -> Adapter:
    """The adapter the settings choose (``folder``: where the file adapter writes when ``FILE_DIR`` is not set)."""
    if settings.adapter == "file":
        return FileAdapter(settings, settings.file_dir or folder, id_key=id_key, prefix=file_prefix)
    if settings.adapter == "one-stop":
        from .one_stop import OneStopAdapter

        if not isinstance(settings, OneStopConnection):
            raise AdapterMisconfigured("the one-stop adapter needs the one-stop settings (URL, username, unit code)")
        return OneStopAdapter(settings, id_key=id_key, http=http)
    return HttpAdapter(settings, id_key=id_key, http=http)
