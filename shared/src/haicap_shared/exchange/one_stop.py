"""``one-stop``: the provincial procedure systems' integration adapter (the 2020-era guide; provisional).

- sign-in: ``POST <adapter>/auth`` ``{"username", "password"}`` with the unit code in a header
  (``madonvi`` by default); the answer ``{"session", "error_code": "0"}``. The session is kept
  per unit code until it is refused (401/403) or ``SESSION_TTL_SECONDS`` pass.
- each record: ``POST <adapter>/integration`` with the envelope ``{"session", "madonvi",
  "service", "data": [<the record's data>]}`` (plus ``"isUpdating": "False"`` for
  ``DongBoHoSoMC``, as the public integration code sends it). One record per POST: the answer
  (``{"error_code", "message"}``) speaks for the whole call, so a refusal is the record's own.
- answers: ``error_code`` "0" or "00" → acknowledged; another → rejected with its message; a
  timeout, a refused connection, a 5xx, 408/409/429 → retry; 401/403 → retry with a new session.

A record is ``{<id key>, "service", "data"}`` as :mod:`haicap_shared.procedures.one_stop` maps it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import httpx

from ..models import utcnow
from .adapters import http_client
from .outcomes import (
    ANSWER_LIMIT,
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
from .settings import OneStopConnection

SUCCESS_CODES = frozenset({"0", "00"})
"""``error_code`` values the one-stop system answers a success with."""

SYNC_SERVICE = "DongBoHoSoMC"


def integration_body(record: dict[str, Any], session: str, unit_code: str) -> dict[str, Any]:
    """The ``/integration`` envelope of one record."""
    body: dict[str, Any] = {"session": session, "madonvi": unit_code, "service": record["service"], "data": [record["data"]]}
    if record["service"] == SYNC_SERVICE:
        body["isUpdating"] = "False"
    return body


def succeeded(answer: dict[str, Any]) -> bool:
    return str(answer.get("error_code")) in SUCCESS_CODES


class OneStopAdapter:
    """The ``one-stop`` transport (see the module)."""

    name = "one-stop"

    def __init__(self, settings: OneStopConnection, *, id_key: str, http: httpx.AsyncClient | None = None) -> None:
        for field_name in ("adapter_url", "username", "password"):
            if not getattr(settings, field_name):
                raise AdapterMisconfigured(f"the one-stop adapter needs {settings.env_name(field_name)}")
        if not settings.unit_code and not settings.unit_codes:
            raise AdapterMisconfigured(f"the one-stop adapter needs {settings.env_name('unit_code')} or _UNIT_CODES")
        self.settings = settings
        self.id_key = id_key
        base = settings.adapter_url.rstrip("/")
        self.auth_url = base + settings.auth_path
        self.integration_url = base + settings.integration_path
        self._own_http = http is None
        self.http = http or http_client(settings)
        self._sessions: dict[str, tuple[str, float]] = {}

    async def close(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def _session(self, unit_code: str, sent: Sent) -> str | None:
        """The kept session of ``unit_code``, or a new one (None: the sign-in failed, logged in ``sent``)."""
        kept = self._sessions.get(unit_code)
        if kept is not None and kept[1] > time.monotonic():
            return kept[0]
        started, clock = utcnow(), time.perf_counter()
        exchange = Exchange(self.name, self.auth_url, "sign_in", [], started, 0, "failed", transaction_code=unit_code)
        sent.exchanges.append(exchange)
        try:
            response = await self.http.post(
                self.auth_url,
                json={"username": self.settings.username, "password": self.settings.password},
                headers={self.settings.unit_header: unit_code},
            )
        except httpx.HTTPError as exc:
            exchange.duration_ms, exchange.answer = elapsed_ms(clock), f"{type(exc).__name__}: {exc}"[:ANSWER_LIMIT]
            exchange.outcome = "timeout" if isinstance(exc, httpx.TimeoutException) else "unreachable"
            return None
        exchange.duration_ms, exchange.http_status = elapsed_ms(clock), response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        session = body.get("session") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(body, dict) or not succeeded(body) or not session:
            # NOTE: the answer may echo what was sent; only its code and message are kept.
            exchange.answer = json.dumps({"error_code": (body or {}).get("error_code"), "message": answer_message(body)})
            return None
        self._sessions[unit_code] = (str(session), time.monotonic() + self.settings.session_ttl_seconds)
        exchange.outcome, exchange.answer = "ok", json.dumps({"error_code": body.get("error_code")})
        return str(session)

    async def send(self, records: Sequence[dict[str, Any]], province_code: str | None) -> Sent:
        sent = Sent()
        ids = [str(r[self.id_key]) for r in records]
        unit_code = self.settings.unit_code_for(province_code)
        if not unit_code:
            sent.results = retry_all(ids, f"no unit code (madonvi) for province {province_code!r}")
            return sent
        for position, record in enumerate(records):
            session = await self._session(unit_code, sent)
            if session is None:
                sent.results |= retry_all(ids[position:], "no session from the one-stop system")
                break
            result = await self._post(record, session, unit_code, sent)
            sent.results[ids[position]] = result
            if result.verdict == "retry":
                # NOTE: the system is down or refusing sessions: the rest wait for the next turn rather than each timing out.
                sent.results |= retry_all(ids[position + 1 :], f"not tried: {result.reason}")
                break
        return sent

    async def _post(self, record: dict[str, Any], session: str, unit_code: str, sent: Sent) -> Result:
        record_id = str(record[self.id_key])
        started, clock = utcnow(), time.perf_counter()
        exchange = Exchange(
            self.name, self.integration_url, str(record["service"]), [record_id], started, 0, "failed", transaction_code=unit_code
        )
        sent.exchanges.append(exchange)
        body = integration_body(record, session, unit_code)
        try:
            response = await self.http.post(
                self.integration_url,
                content=json.dumps(body, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"},
            )
        except httpx.TimeoutException as exc:
            exchange.duration_ms, exchange.outcome, exchange.answer = elapsed_ms(clock), "timeout", type(exc).__name__
            return Result("retry", reason=f"timeout ({type(exc).__name__})")
        except httpx.HTTPError as exc:
            exchange.duration_ms, exchange.outcome = elapsed_ms(clock), "unreachable"
            exchange.answer = f"{type(exc).__name__}: {exc}"[:ANSWER_LIMIT]
            return Result("retry", reason=f"unreachable ({type(exc).__name__})")
        status = response.status_code
        exchange.duration_ms, exchange.http_status, exchange.answer = elapsed_ms(clock), status, response.text[:ANSWER_LIMIT]
        if status in (401, 403):
            self._sessions.pop(unit_code, None)
            return Result("retry", reason=f"HTTP {status}: session refused, a new one next time")
        if retry_status(status):
            return Result("retry", reason=f"HTTP {status}")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            return Result("retry", reason=f"HTTP {status}: an answer that is not JSON")
        if status < 300 and succeeded(answer):
            exchange.outcome = "ok"
            return Result("acknowledged", reference=answer_reference(answer))
        exchange.outcome = "rejected"
        reason = answer_message(answer) or f"HTTP {status}, error_code {answer.get('error_code')!r}"
        return Result("rejected", reason=reason)
