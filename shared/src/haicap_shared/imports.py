"""The bounded import pipeline every service's CSV/XLSX import uses.

1. :data:`ImportUpload` (a route dependency) takes one of the service's import slots (at most
   ``max_concurrent`` imports at once per process; beyond, 503 ``imports_busy`` with
   Retry-After), refuses a declared ``Content-Length`` over ``max_upload_bytes`` at once, then
   streams the multipart body to a temporary file (1 MiB in memory at most, the rest on disk),
   counting bytes and stopping with 413 ``upload_too_large`` as soon as the limit is passed.
2. :func:`row_chunks` reads the file in a worker thread (``anyio.to_thread``), never on the
   event loop, ``chunk_rows`` rows at a time, within the limits of
   :class:`~haicap_shared.tabular.ImportLimits` (line length, rows, XLSX sizes checked from
   the zip directory before opening).
3. The service checks and stages each chunk (batched inserts; COPY into a staging table on
   PostgreSQL) in the request's transaction, so "all or nothing" holds: a refused import
   raises, and the transaction is rolled back. :class:`ProblemLog` keeps the report bounded.
   The counting, the checks in a worker thread, the report and the refusal every import shares
   are :mod:`haicap_shared.import_runs`.

What an import holds in memory is a chunk, the report's first ``max_problems`` bad rows and
the keys it must compare across the file (codes, national ids), whatever the file's size.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import IO, Annotated, Any, TypeVar

import anyio
from fastapi import Depends, FastAPI, Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from .deadlines import takes_up_to
from .errors import AppError
from .tabular import (
    DEFAULT_LIMITS,
    ImportLimits,
    InvalidEncoding,
    LineTooLong,
    RowProblem,
    SourceRow,
    TooManyRows,
    UnreadableFile,
    XlsxTooLarge,
    is_csv,
    is_xlsx,
    read_rows,
)

T = TypeVar("T")

__all__ = [
    "IMPORT_PROBLEMS",
    "IMPORT_REQUEST_BODY",
    "ImportLimits",
    "ImportUpload",
    "ImportsBusy",
    "ProblemLog",
    "Upload",
    "UploadTooLarge",
    "import_limits",
    "import_slots",
    "row_chunks",
]


class UploadTooLarge(AppError):
    status, code, title = 413, "upload_too_large", "The upload is larger than one import accepts"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The upload exceeds {limit} bytes; split the file", limit=limit)


class ImportsBusy(AppError):
    status, code, title = 503, "imports_busy", "The service is running as many imports as it allows; retry later"

    def __init__(self, running: int, retry_after: int) -> None:
        super().__init__(f"{running} imports are running; retry in {retry_after} s", retry_after=retry_after)
        self.headers = {"Retry-After": str(retry_after)}


# What an import route may answer besides its own problems (for ``problem_responses``).
IMPORT_PROBLEMS: tuple[type[AppError], ...] = (
    UnreadableFile,
    InvalidEncoding,
    LineTooLong,
    UploadTooLarge,
    TooManyRows,
    XlsxTooLarge,
    ImportsBusy,
)

# The request body of an import route, for ``openapi_extra`` (the body is read by
# :data:`ImportUpload`, not declared as a FastAPI parameter, so that it can be bounded).
# NOTE: also declares the import slow (x-haicap-timeout-seconds), so the gateway waits for it.
IMPORT_REQUEST_BODY: dict[str, Any] = {
    **takes_up_to(),
    "requestBody": {
        "required": True,
        "description": "The table as the multipart field `file`: .csv (UTF-8) or .xlsx, one record a row, a header first. "
        "Limits (service settings `imports`): upload size, line length, rows, XLSX expanded size and shared strings.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary", "description": "The .csv or .xlsx file"}},
                }
            }
        },
    },
}


def import_limits(app: FastAPI) -> ImportLimits:
    """The service's import limits: its settings' ``imports`` block, else the defaults."""
    limits = getattr(getattr(app.state, "settings", None), "imports", None)
    return limits if isinstance(limits, ImportLimits) else DEFAULT_LIMITS


@dataclass
class Upload:
    """An uploaded table, on disk (or in a small in-memory spool), with the limits to read it by."""

    file: IO[bytes]
    filename: str
    size: int
    limits: ImportLimits


class _Gate:
    """The import slots of one process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.semaphore = asyncio.Semaphore(size)


def _gate(app: FastAPI, limits: ImportLimits) -> _Gate:
    gate: _Gate | None = getattr(app.state, "import_gate", None)
    if gate is None:
        # NOTE: an import allocates rows by the million, and every so often that makes Python's
        # cycle collector walk the whole heap (a million objects after start-up: 270-350 ms
        # measured, the event loop stalled meanwhile, /healthz with it). Freezing the heap the
        # process has built by its first import (modules, app, pools) takes it out of those
        # walks for good; what imports allocate is young and cheap to walk. Once per process.
        gc.freeze()
    if gate is None or gate.size != limits.max_concurrent:
        gate = _Gate(limits.max_concurrent)
        app.state.import_gate = gate
    return gate


def import_slots(app: FastAPI) -> asyncio.Semaphore:
    """The semaphore of ``app``'s import slots (a test holds one to see the next import refused)."""
    return _gate(app, import_limits(app)).semaphore


async def _counted(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise UploadTooLarge(limit)
        yield chunk


async def _receive_upload(request: Request) -> AsyncIterator[Upload]:
    limits = import_limits(request.app)
    gate = _gate(request.app, limits)
    if gate.semaphore.locked():
        raise ImportsBusy(gate.size, limits.retry_after_seconds)
    async with gate.semaphore:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limits.max_upload_bytes:
            # NOTE: refused before a byte of the body is read.
            raise UploadTooLarge(limits.max_upload_bytes)
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise UnreadableFile("Send the table as multipart/form-data, in the field 'file'")
        parser = MultiPartParser(request.headers, _counted(request, limits.max_upload_bytes), max_files=1, max_fields=20)
        try:
            form = await parser.parse()
        except MultiPartException as exc:
            raise UnreadableFile(f"The upload cannot be read: {exc.message}") from exc
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise UnreadableFile("Send the table in the multipart field 'file'")
            filename = upload.filename or "upload.csv"
            if not (is_csv(filename) or is_xlsx(filename)):
                raise UnreadableFile(f"{filename}: send a .csv (UTF-8) or .xlsx file")
            await upload.seek(0)
            yield Upload(file=upload.file, filename=filename, size=upload.size or 0, limits=limits)
        finally:
            await form.close()


ImportUpload = Annotated[Upload, Depends(_receive_upload)]
"""The uploaded file of an import route, received within the service's limits (see the module)."""


async def row_chunks(
    upload: Upload,
    columns: Mapping[str, tuple[str, ...]],
    transform: Callable[[SourceRow], T] | None = None,
) -> AsyncIterator[list[Any]]:
    """The file's rows, ``chunk_rows`` at a time, read (and ``transform``-ed) in a worker thread.

    The limits are checked as the file is read; the first one reached raises its problem from
    here, in the request, so the transaction is rolled back with it.
    """
    rows: Iterator[SourceRow] = read_rows(upload.file, upload.filename, columns, upload.limits)
    size = upload.limits.chunk_rows

    def next_chunk() -> list[Any]:
        if transform is None:
            return list(islice(rows, size))
        return [transform(row) for row in islice(rows, size)]

    try:
        while chunk := await anyio.to_thread.run_sync(next_chunk):
            yield chunk
    finally:
        rows.close()  # type: ignore[attr-defined]


class ProblemLog:
    """The bad rows of an import: every one counted, the first ``limit`` listed for the report."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.listed: list[RowProblem] = []

    def add(self, row: int, errors: list[str]) -> None:
        self.count += 1
        if len(self.listed) < self.limit:
            self.listed.append(RowProblem(row=row, errors=errors))

    def __bool__(self) -> bool:
        return self.count > 0
