"""Reading a national-side export: JSON lines in haicap's dossier change record format, plain or gzip.

The export is what the national side holds, read back in the format haicap sends
(``sync.national_record``, ``haicap.dossier-change-record.v1``): one record a line. What a
reconciliation needs of each line is the personal identification number, the change id and,
for a person's record, its fields. The reading is bounded: the upload's size (counted as it
arrives), its size once decompressed, each line's length and the number of lines; a line that
is not such a record is a problem of the file (the first ones are reported, and nothing is kept).

The comparison itself is the service's (``service.reconcile``); its SQL is in ``repository``.
"""

from __future__ import annotations

import gzip
import json
import re
import tempfile
import uuid
import zlib
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import IO, Any, cast

from haicap_shared.errors import AppError
from haicap_shared.values import NATIONAL_ID_PATTERN

from ..sync import national_record

PIN = re.compile(NATIONAL_ID_PATTERN)
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class ExportLimits:
    """The bounds of one uploaded export."""

    max_upload_bytes: int = 32 * 1024 * 1024
    max_decompressed_bytes: int = 256 * 1024 * 1024
    max_line_bytes: int = 64 * 1024
    max_lines: int = 200_000


DEFAULT_LIMITS = ExportLimits()


class ExportTooLarge(AppError):
    status, code, title = 413, "export_too_large", "The export is larger than a reconciliation accepts"


class ExportLineTooLong(AppError):
    status, code, title = 422, "export_line_too_long", "A line of the export is longer than a record may be"


class ExportTooManyLines(AppError):
    status, code, title = 422, "export_too_many_lines", "The export has more lines than a reconciliation accepts"


class ExportUnreadable(AppError):
    status, code, title = 422, "export_unreadable", "The export is not JSON lines of haicap's dossier change records"


@dataclass
class NationalExport:
    """What a reconciliation keeps of an export: each line (number, personal identification number, change id), people's fields"""

    lines: list[tuple[int, str, uuid.UUID | None]] = field(default_factory=list)
    person_fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The fields of the person records, by personal identification number (a later line's value wins)."""


async def spool(body: AsyncIterable[bytes], limits: ExportLimits = DEFAULT_LIMITS) -> IO[bytes]:
    """The request body in a temporary file (1 MiB in memory at most), refused once it passes the upload limit."""
    spooled: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 (the caller closes it)
    received = 0
    async for chunk in body:
        received += len(chunk)
        if received > limits.max_upload_bytes:
            spooled.close()
            raise ExportTooLarge(f"The export exceeds {limits.max_upload_bytes} bytes", limit=limits.max_upload_bytes)
        spooled.write(chunk)
    spooled.seek(0)
    return spooled


class _Bounded:
    """Lines of a (maybe gzip) stream, within the decompressed size and the line length."""

    def __init__(self, raw: IO[bytes], limits: ExportLimits) -> None:
        head = raw.read(2)
        raw.seek(0)
        self.stream: IO[bytes] = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if head == b"\x1f\x8b" else raw
        self.limits = limits
        self.read = 0

    def lines(self) -> Any:
        limit = self.limits.max_line_bytes
        while True:
            try:
                line = self.stream.readline(limit + 1)
            except (OSError, EOFError, zlib.error) as exc:
                raise ExportUnreadable(f"The gzip stream cannot be read: {exc}") from exc
            if not line:
                return
            self.read += len(line)
            if self.read > self.limits.max_decompressed_bytes:
                raise ExportTooLarge(
                    f"The export exceeds {self.limits.max_decompressed_bytes} bytes once decompressed",
                    limit=self.limits.max_decompressed_bytes,
                )
            if len(line) > limit and not line.endswith(b"\n"):
                raise ExportLineTooLong(f"A line is longer than {limit} bytes", limit=limit)
            yield line


def _problem(record: Any) -> str | None:
    if not isinstance(record, dict):
        return "not a JSON object"
    if record.get("format") != national_record.FORMAT:
        return f"format is not {national_record.FORMAT}"
    pin = record.get("personal_identification_number")
    if not isinstance(pin, str) or not PIN.fullmatch(pin):
        return "personal_identification_number is not 12 digits"
    change_id = record.get("change_id")
    if change_id is not None and not isinstance(change_id, str):
        return "change_id is not a string"
    if not isinstance(record.get("fields", {}), dict):
        return "fields is not an object"
    return None


def read_export(raw: IO[bytes], limits: ExportLimits = DEFAULT_LIMITS) -> NationalExport:
    """Every line of the export checked and kept as :class:`NationalExport`; ``ExportUnreadable`` names the first bad lines."""
    export = NationalExport()
    problems: list[dict[str, Any]] = []
    bad = 0
    number = 0
    for line in _Bounded(raw, limits).lines():
        number += 1
        if number > limits.max_lines:
            raise ExportTooManyLines(f"The export has more than {limits.max_lines} lines", limit=limits.max_lines)
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            problem: str | None = f"not JSON ({str(exc)[:100]})"
        else:
            problem = _problem(record)
        if problem is None:
            change_id = record.get("change_id")
            try:
                parsed = uuid.UUID(change_id) if change_id else None
            except ValueError:
                problem = "change_id is not a UUID"
        if problem is not None:
            bad += 1
            if len(problems) < MAX_PROBLEMS:
                problems.append({"line": number, "error": problem})
            continue
        pin = record["personal_identification_number"]
        export.lines.append((number, pin, parsed))
        if record.get("record_kind") == "person" and record.get("fields"):
            export.person_fields.setdefault(pin, {}).update(record["fields"])
    if problems:
        raise ExportUnreadable(
            f"{bad} lines are not dossier change records (the first {len(problems)} listed)", problems=problems
        )
    if not export.lines:
        raise ExportUnreadable("The export holds no record")
    return export
