"""How long the gateway waits for each operation: what the service declares in its OpenAPI.

Each service marks its slow operations (imports, reports, batches) with
``x-haicap-timeout-seconds`` (``haicap_shared.deadlines.takes_up_to``). The gateway reads the
service's ``/openapi.json`` the first time it forwards to it, builds a table of its operations
(path templates matched segment by segment, the most literal first), and reads it again every
``deadline_refresh_seconds`` in the background. An operation that declares nothing gets the
default of its method (``read_timeout_seconds`` for GET/HEAD/OPTIONS, ``write_timeout_seconds``
otherwise); a declaration is capped at ``long_timeout_seconds``. While a service's document
cannot be read, its requests get the defaults and the read is tried again after a few seconds.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from haicap_shared.deadlines import declared_timeout
from haicap_shared.errors import AppError

from .settings import GatewaySettings, UpstreamService

logger = logging.getLogger("haicap.gateway.deadlines")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch"})
_PARAMETER = re.compile(r"\{[^}/]+\}")
# NOTE: after a failed read, requests use the defaults for this long before the next attempt,
# so a service that is down does not cost every request a read of its document.
RETRY_SECONDS = 5.0
_ANSWERS_KEPT = 4096

SpecReader = Callable[[UpstreamService], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class _Operation:
    method: str
    pattern: re.Pattern[str]
    parameters: int
    seconds: float | None


class DeadlineTable:
    """The operations of one service's OpenAPI document, with the seconds each declares."""

    def __init__(self, operations: list[_Operation]) -> None:
        # NOTE: /tasks/imports is matched before /tasks/{task_id}: fewer parameters first.
        self.operations = sorted(operations, key=lambda op: op.parameters)
        # NOTE: the answers for paths already seen (a table is read once and then fixed), so a
        # busy path costs one dictionary lookup instead of a regular expression per operation;
        # bounded, as paths carry ids: emptied when full.
        self._answers: dict[tuple[str, str], float | None] = {}

    @classmethod
    def from_spec(cls, spec: Any) -> DeadlineTable:
        operations: list[_Operation] = []
        paths = spec.get("paths") if isinstance(spec, dict) else None
        for template, item in (paths or {}).items():
            if not isinstance(template, str) or not isinstance(item, dict):
                continue
            pattern = re.compile(
                "".join(re.escape(part) if n % 2 == 0 else "[^/]+" for n, part in enumerate(_split(template))) + "/?"
            )
            parameters = len(_PARAMETER.findall(template))
            for method, operation in item.items():
                if method in _HTTP_METHODS and isinstance(operation, dict):
                    operations.append(_Operation(method.upper(), pattern, parameters, declared_timeout(operation)))
        return cls(operations)

    def declared(self, method: str, path: str) -> float | None:
        """The seconds the operation serving ``method path`` declares, or None."""
        method = "GET" if method == "HEAD" else method
        key = (method, path)
        try:
            return self._answers[key]
        except KeyError:
            pass
        seconds = next(
            (op.seconds for op in self.operations if op.method == method and op.pattern.fullmatch(path)),
            None,
        )
        if len(self._answers) >= _ANSWERS_KEPT:
            self._answers.clear()
        self._answers[key] = seconds
        return seconds

    def __len__(self) -> int:
        return len(self.operations)


def _split(template: str) -> list[str]:
    """``/a/{x}/b`` -> ``["/a/", "x", "/b"]``: literal parts at even positions."""
    parts: list[str] = []
    last = 0
    for match in _PARAMETER.finditer(template):
        parts += [template[last : match.start()], match.group()]
        last = match.end()
    parts.append(template[last:])
    return parts


@dataclass(slots=True)
class _Loaded:
    table: DeadlineTable | None
    at: float


class Deadlines:
    """Per-operation deadlines of every service, read from their OpenAPI documents."""

    def __init__(self, settings: GatewaySettings, read_spec: SpecReader) -> None:
        self.settings = settings
        self.read_spec = read_spec
        self._loaded: dict[str, _Loaded] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._refreshing: dict[str, asyncio.Task[None]] = {}

    def default(self, method: str) -> float:
        return self.settings.read_timeout_seconds if method in SAFE_METHODS else self.settings.write_timeout_seconds

    async def seconds(self, service: UpstreamService, method: str, path: str) -> float:
        """How long to wait for ``method path`` (the service's own path, without the query)."""
        if not self.settings.deadlines_from_openapi:
            return self.default(method)
        table = await self.table(service)
        declared = table.declared(method, path) if table is not None else None
        if declared is None:
            return self.default(method)
        return min(declared, self.settings.long_timeout_seconds)

    async def table(self, service: UpstreamService) -> DeadlineTable | None:
        """The service's table: read now if never read, refreshed in the background once old."""
        loaded = self._loaded.get(service.prefix)
        now = time.monotonic()
        if loaded is None:
            lock = self._locks.setdefault(service.prefix, asyncio.Lock())
            async with lock:
                if (loaded := self._loaded.get(service.prefix)) is None:
                    loaded = self._loaded[service.prefix] = await self._read(service)
            return loaded.table
        age = now - loaded.at
        due = RETRY_SECONDS if loaded.table is None else self.settings.deadline_refresh_seconds
        if age >= due and service.prefix not in self._refreshing:
            task = asyncio.create_task(self._refresh(service))
            self._refreshing[service.prefix] = task
            task.add_done_callback(functools.partial(self._refreshed, service.prefix))
        return loaded.table

    def _refreshed(self, prefix: str, _task: asyncio.Task[None]) -> None:
        self._refreshing.pop(prefix, None)

    async def _refresh(self, service: UpstreamService) -> None:
        fresh = await self._read(service)
        previous = self._loaded.get(service.prefix)
        if fresh.table is None and previous is not None and previous.table is not None:
            # NOTE: a failed refresh keeps the table read before, and tries again soon.
            retry_at = fresh.at - self.settings.deadline_refresh_seconds + RETRY_SECONDS
            self._loaded[service.prefix] = _Loaded(previous.table, retry_at)
        else:
            self._loaded[service.prefix] = fresh

    async def _read(self, service: UpstreamService) -> _Loaded:
        try:
            async with asyncio.timeout(self.settings.readiness_timeout_seconds):
                spec = await self.read_spec(service)
        except (AppError, ValueError, TimeoutError) as exc:
            logger.warning("service deadlines unknown", extra={"upstream": service.name, "error": repr(exc)})
            return _Loaded(None, time.monotonic())
        return _Loaded(DeadlineTable.from_spec(spec), time.monotonic())

    async def aclose(self) -> None:
        """Stop background refreshes."""
        for task in list(self._refreshing.values()):
            task.cancel()
        await asyncio.gather(*self._refreshing.values(), return_exceptions=True)
