"""Several reads in one request: ``POST /batch`` answers the GETs it lists, one after another, as the caller.

A report asks one service for up to ten statistics at once. Sent one by one, each paid its own
HTTP exchange at the caller, the gateway and the service, and the ten held ten of the service's
pooled database connections at the same moment: one report could take a whole pool while other
callers waited. Batched, the reads take one request, and one connection at a time.

Each read is still answered by the app itself, exactly as if it had come alone: routed,
authorised with the batch's own ``Authorization``, validated, audited and logged with the
batch's request id. Its answer (a document or a problem) is returned with its status, in the
order asked. Only ``GET`` is read this way: a batch changes nothing, so a caller may retry it.

The caller's side is :class:`ReadBatches`: the reads of one service asked at the same moment
(by the sections of one report) go to it as one batch, each awaited as if it had been a GET.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Coroutine, MutableMapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import unquote

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .auth import Principal, require
from .deadlines import takes_up_to
from .errors import AppError, UpstreamUnavailable
from .http import RETRYABLE_STATUS, ServiceClient, UpstreamError
from .roles import EVERY_ROLE, SELF_SERVICE

# NOTE: every role that reads records or figures; a person (staff) reads only their own dossier, one route at a time
BatchReaders = Annotated[Principal, Depends(require(*(EVERY_ROLE - SELF_SERVICE)))]
MAX_READS = 32
WITHOUT_BATCH = frozenset({404, 405})
"""What a service without ``/batch`` answers a batch (the caller then sends each read as its own GET)."""
MAX_PATH_LENGTH = 2048
MAX_ANSWER_BYTES = 16 * 1024 * 1024
"""The largest answer a batch passes on (a service's pages are far smaller); a larger one is replaced by a problem."""

# NOTE: printable ASCII without spaces, starting with one slash: a path and query as they appear in
# a URL (percent-encoded), never a scheme or a host ("//host" is refused too).
READ_PATH = r"^/(?:[!-.0-~][!-~]*)?$"
# NOTE: what describes the batch's own body or its conditions; every other header (the token,
# the request id, the language) goes to each read as it came.
_BATCH_ONLY_HEADERS = frozenset(
    {b"content-length", b"content-type", b"transfer-encoding", b"expect", b"if-match", b"if-none-match", b"idempotency-key"}
)
# NOTE: what a read shares with the batch: the connection it came on; the rest of the batch's scope
# (its route, path parameters, FastAPI's per-request state) is the batch's own.
_CONNECTION_KEYS = ("type", "asgi", "http_version", "scheme", "server", "client", "root_path", "extensions")
_JSON_TYPES = ("application/json", "application/problem+json")


class BatchAnswerTooLarge(AppError):
    """In a batch's answers, in place of a read's answer larger than :data:`MAX_ANSWER_BYTES`."""

    status, code, title = 502, "batch_answer_too_large", "This read's answer is larger than a batch passes on"


def _answer_problem(error: AppError, path: str) -> bytes:
    return json.dumps({"status": error.status, "body": error.problem(path)}).encode()


class JsonBytes(JSONResponse):
    """A JSON body already encoded (the reads' answers are passed on as they were written)."""

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else super().render(content)


class BatchRead(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: Annotated[str, StringConstraints(max_length=MAX_PATH_LENGTH, pattern=READ_PATH)] = Field(
        description="A GET of this service: its path and query as in its URL, percent-encoded, without the gateway's prefix",
        examples=["/stats/headcount?as_of=2026-04-15&province=04&by=commune"],
    )


class BatchRequest(BaseModel):
    """The reads to answer, in order."""

    model_config = ConfigDict(extra="forbid")

    reads: list[BatchRead] = Field(min_length=1, max_length=MAX_READS, description=f"1 to {MAX_READS} reads")


class BatchAnswer(BaseModel):
    status: int = Field(description="The read's HTTP status, as it would have had alone", examples=[200])
    body: Any = Field(
        description="The read's JSON body: its document, or its problem (RFC 9457) when the status is 4xx or 5xx; "
        "null when it answered no JSON"
    )


class BatchResponse(BaseModel):
    """One answer per read, in the order asked."""

    answers: list[BatchAnswer]


def batch_router() -> APIRouter:
    """``POST /batch``: the app's own GETs, answered in one request."""
    router = APIRouter(tags=["batch"])

    @router.post(
        "/batch",
        response_class=JsonBytes,
        # NOTE: its reads may each be a slow statistic (30 s each at most); the gateway waits as for a report
        openapi_extra=takes_up_to(),
        responses={200: {"model": BatchResponse, "description": "Each read's status and body, in the order asked"}},
    )
    async def read_in_batch(request: Request, reads: BatchRequest, principal: BatchReaders) -> JsonBytes:
        """Answer several GETs of this service in one request, one after another, each as if it had come alone.

        Each read is authorised, validated and audited as its own route does: a read the caller may
        not make answers its 403 in its place, and the others are answered all the same. Reads are
        answered in turn, holding one database connection at a time. Every role but `staff` (a
        person, who reads their own dossier) may send a batch.
        """
        answers = [await _answer(request, read.path) for read in reads.reads]
        body = b'{"answers":[' + b",".join(answers) + b"]}"
        return JsonBytes(body)

    return router


async def _answer(request: Request, path: str) -> bytes:
    """``{"status": ..., "body": ...}`` of one GET of ``path``, answered by the app in place of the batch."""
    raw_path, _, query = path.partition("?")
    scope: MutableMapping[str, Any] = {
        **{key: request.scope[key] for key in _CONNECTION_KEYS if key in request.scope},
        "method": "GET",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("ascii"),
        "query_string": query.encode("ascii"),
        "headers": [(name, value) for name, value in request.scope["headers"] if name not in _BATCH_ONLY_HEADERS],
        # NOTE: each read its own copy of the lifespan's state, as a server gives each request
        "state": dict(request.scope.get("state") or {}),
    }
    status, content_type, chunks, size = 500, "", [], 0
    given = False

    async def receive() -> dict[str, Any]:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # NOTE: a long poll asking whether its caller left learns that it did: the batch waits for no one
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status, content_type, size
        if message["type"] == "http.response.start":
            status = int(message["status"])
            headers = {bytes(k).lower(): bytes(v) for k, v in message.get("headers", [])}
            content_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))
            if size <= MAX_ANSWER_BYTES:
                chunks.append(message.get("body", b""))

    try:
        await request.app(scope, receive, send)
    except Exception:  # noqa: BLE001 - logged by the read's own request-id middleware; the other reads are answered
        # NOTE: an answer that failed after it began (a streamed body cut short): too late for its own problem
        return _answer_problem(AppError("This read's answer failed part way; the error is in the service's log"), path)
    if size > MAX_ANSWER_BYTES:
        detail = f"Answers of more than {MAX_ANSWER_BYTES} bytes are not passed on: ask for it alone, or for a smaller page"
        return _answer_problem(BatchAnswerTooLarge(detail), path)
    body = b"".join(chunks)
    if content_type not in _JSON_TYPES or not body:
        body = b"null"
    return b'{"status":%d,"body":%s}' % (status, body)


# --- the caller's side ----------------------------------------------------------------------


@dataclass
class _Gathering:
    """The reads of one service asked so far in this moment, and whether they have gone."""

    client: ServiceClient
    reads: list[tuple[str, asyncio.Future[Any]]] = field(default_factory=list)
    sent: bool = False


class ReadBatches:
    """Reads of other services gathered into one ``POST /batch`` per service: those asked in the same moment.

    :meth:`get_json` stands for :meth:`ServiceClient.get_json`. The reads of one service asked
    before the event loop falls quiet (every task that started with them has reached a wait)
    go as one batch; one alone goes as its own GET. Each read gets its own answer or its own
    problem, as it would alone; a batch that fails as a whole (the service unreachable, too
    slow, refusing the token) fails each of its reads with that problem.
    """

    def __init__(self) -> None:
        self._open: dict[int, _Gathering] = {}
        self._sending: set[asyncio.Task[None]] = set()

    async def get_json(self, client: ServiceClient, path: str, params: Any = None) -> Any:
        """GET ``path`` with ``params`` from ``client``, in the batch its service is gathering (alone, if it takes none)."""
        if not client.batch_reads:
            return await client.get_json(path, params=params)
        query = str(httpx.QueryParams(params)) if params else ""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        gathering = self._open.get(id(client))
        if gathering is None:
            gathering = self._open[id(client)] = _Gathering(client)
            self._start(self._send_when_quiet(gathering))
        gathering.reads.append((f"{path}?{query}" if query else path, future))
        if len(gathering.reads) == MAX_READS:
            # NOTE: full: the next read starts the next batch, while this one goes
            del self._open[id(client)]
            self._start(self._send(gathering))
        return await future

    def _start(self, sending: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(sending)
        self._sending.add(task)  # NOTE: a reference, so the task is not collected before it ends
        task.add_done_callback(self._sending.discard)

    async def _send_when_quiet(self, gathering: _Gathering) -> None:
        asked = -1
        # NOTE: each turn of the loop lets every task that is ready run up to its next wait: a
        # section that asks for several reads at once (its own gather) asks them all in one turn.
        while len(gathering.reads) != asked and not gathering.sent:
            asked = len(gathering.reads)
            await asyncio.sleep(0)
        await self._send(gathering)

    async def _send(self, gathering: _Gathering) -> None:
        if gathering.sent:
            return
        gathering.sent = True
        if self._open.get(id(gathering.client)) is gathering:
            del self._open[id(gathering.client)]
        client, reads = gathering.client, gathering.reads
        if len(reads) == 1:
            path, future = reads[0]
            await _settle(future, client.get_json(path))
            return
        try:
            response = await client.request("POST", "/batch", json={"reads": [{"path": p} for p, _ in reads]}, idempotent=True)
            if response.status_code in WITHOUT_BATCH:
                # NOTE: a service of a version before /batch (an upgrade under way): each read as its own GET
                await asyncio.gather(*(_settle(future, client.get_json(path)) for path, future in reads))
                return
            if response.is_error:
                raise client.refused(response)
            answers = response.json()["answers"]
            if len(answers) != len(reads):
                raise UpstreamUnavailable(client.name, f"The {client.name} service answered {len(answers)} of {len(reads)} reads")
        except Exception as exc:  # noqa: BLE001 - every read of the batch fails with the batch's own problem
            for _, future in reads:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), answer in zip(reads, answers, strict=True):
            if not future.done():
                _answer_future(future, client.name, answer)


def _answer_future(future: asyncio.Future[Any], service: str, answer: dict[str, Any]) -> None:
    status, body = int(answer["status"]), answer["body"]
    if status in RETRYABLE_STATUS:
        future.set_exception(UpstreamUnavailable(service, f"The {service} service answered {status}"))
    elif status >= 400:
        future.set_exception(UpstreamError(service, status, body if isinstance(body, dict) else {}))
    else:
        future.set_result(body)


async def _settle(future: asyncio.Future[Any], read: Awaitable[Any]) -> None:
    try:
        result = await read
    except Exception as exc:  # noqa: BLE001 - passed on to the one who asked
        if not future.done():
            future.set_exception(exc)
    else:
        if not future.done():
            future.set_result(result)
