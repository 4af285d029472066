"""What a send gives: a result per record id and the exchanges it took; the adapter protocol; the back-off."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

ANSWER_LIMIT = 1000
"""Characters of an answer kept in the exchange log."""

Verdict = Literal["acknowledged", "rejected", "sent", "retry"]


@dataclass(frozen=True, slots=True)
class Result:
    """``acknowledged`` (with the far side's reference), ``rejected`` (with its reason), ``sent`` (a file), ``retry``."""

    verdict: Verdict
    reference: str | None = None
    reason: str | None = None


@dataclass(slots=True)
class Exchange:
    """One exchange with the far side (a token or session request, a POST, a file written), as the log records it."""

    adapter: str
    destination: str
    operation: str
    record_ids: list[str]
    started_at: datetime
    duration_ms: int
    outcome: str
    transaction_code: str | None = None
    http_status: int | None = None
    answer: str | None = None

    def row(self, ids_column: str = "change_ids") -> dict[str, Any]:
        """The log row; ``ids_column`` names the column of the record ids (``change_ids``, ``step_ids``)."""
        return {
            "adapter": self.adapter,
            "destination": self.destination[:500],
            "operation": self.operation,
            ids_column: self.record_ids,
            "transaction_code": self.transaction_code,
            "started_at": self.started_at,
            "duration_ms": self.duration_ms,
            "outcome": self.outcome,
            "http_status": self.http_status,
            "answer": None if self.answer is None else self.answer[:ANSWER_LIMIT],
        }


@dataclass(slots=True)
class Sent:
    """What one send gave: a result per record id, and the exchanges it took."""

    results: dict[str, Result] = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)


class Adapter(Protocol):
    name: str

    async def send(self, records: Sequence[dict[str, Any]], province_code: str | None) -> Sent: ...

    async def close(self) -> None: ...


class AdapterMisconfigured(Exception):
    """A setting the chosen adapter needs is missing."""


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential back-off with jitter: between half and all of ``min(cap, base * 2 ** (attempt - 1))``."""
    ceiling = float(min(cap, base * 2.0 ** min(max(attempt, 1) - 1, 60)))
    jitter: float = (rng or random).uniform(0, ceiling / 2)
    return ceiling / 2 + jitter


def elapsed_ms(since: float) -> int:
    """Milliseconds since ``since`` (a ``time.perf_counter()`` reading)."""
    return int((time.perf_counter() - since) * 1000)


def retry_all(ids: Sequence[str], reason: str) -> dict[str, Result]:
    return {record_id: Result("retry", reason=reason[:500]) for record_id in ids}


def answer_message(body: Any) -> str:
    """The far side's message in a JSON answer (``message``, ``detail`` or ``title``), or ""."""
    if isinstance(body, dict):
        return str(body.get("message") or body.get("detail") or body.get("title") or "")[:2000]
    return ""


def answer_reference(body: dict[str, Any]) -> str | None:
    """The far side's reference in a JSON answer (or its ``data``), when it gives one."""
    for key in ("reference", "national_reference", "ma_ho_so", "id"):
        value = body.get(key)
        if value:
            return str(value)[:200]
    data = body.get("data")
    return answer_reference(data) if isinstance(data, dict) else None


def retry_status(status: int) -> bool:
    """An HTTP status worth trying again later (the far side busy, down or in conflict)."""
    return status >= 500 or status in (408, 409, 429)
