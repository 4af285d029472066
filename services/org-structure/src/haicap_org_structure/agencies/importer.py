"""Import agencies from the CSV or XLSX form provinces fill in, checking every row first.

The file comes through the shared bounded pipeline (``haicap_shared.imports``): received on
disk within the service's upload limit, read in a worker thread ``chunk_rows`` rows at a
time, refused at the first limit reached. Each chunk is checked (its units looked up once per
code) and its good rows written with one batched insert while the import may still succeed;
a refused import is rolled back with the request's transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import Principal
from haicap_shared.codes import UnitLevel
from haicap_shared.errors import AppError, Conflict
from haicap_shared.imports import ProblemLog, Upload, row_chunks
from haicap_shared.models import utcnow
from haicap_shared.tabular import ImportReport, SourceRow, parse_date
from haicap_shared.text import search_key
from haicap_shared.validity import Interval

from ..units import repository as unit_repository
from ..units.models import AdministrativeUnit
from . import repository, service
from .access import in_area
from .models import KIND_LABELS, AgencyKind

COLUMNS = {
    "name": ("Tên cơ quan", "Tên cơ quan, tổ chức", "Tên"),
    "kind": ("Loại", "Loại cơ quan"),
    "unit_code": ("Mã đơn vị hành chính", "Mã ĐVHC", "Mã đơn vị"),
    "valid_from": ("Từ ngày", "Ngày thành lập"),
    "valid_to": ("Đến ngày",),
}
_KINDS = {search_key(k.value): k for k in AgencyKind} | {search_key(label): kind for kind, label in KIND_LABELS.items()}


class ImportRejected(Conflict):
    code, title = "import_rejected", "Some rows have problems; nothing was written"


def parse_kind(value: Any) -> AgencyKind:
    kind = _KINDS.get(search_key(str(value or "")))
    if kind is None:
        raise ValueError(f"kind {value!r} is not one of: {', '.join(k.value for k in AgencyKind)} (or their Vietnamese names)")
    return kind


def _unit_on(candidates: list[AdministrativeUnit], on: date) -> AdministrativeUnit | None:
    return next((unit for unit in candidates if Interval.of(unit).contains(on)), None)


async def import_agencies(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    upload: Upload,
    *,
    partial: bool,
    today: date,
) -> ImportReport:
    """Check every row; write them all (or, with ``partial``, the good ones), chunk by chunk.

    An import with a wrong row and without ``partial`` is refused (:class:`ImportRejected`, with the
    report) and the request's transaction rolled back.
    """
    units: dict[str, list[AdministrativeUnit]] = defaultdict(list)
    looked_up: set[str] = set()
    problems = ProblemLog(upload.limits.max_problems)
    seen: set[tuple[str, uuid.UUID]] = set()
    written_ids: list[uuid.UUID] = []
    read = accepted_count = written = 0
    now = utcnow()
    async for chunk in row_chunks(upload, COLUMNS):
        read += len(chunk)
        codes = sorted({str(r.values["unit_code"]) for r in chunk if r.values.get("unit_code")} - looked_up)
        looked_up.update(codes)
        for candidate in await unit_repository.units_with_codes(session, codes):
            units[candidate.code].append(candidate)

        def check(chunk: list[SourceRow] = chunk) -> list[dict[str, Any]]:
            accepted: list[dict[str, Any]] = []
            for row in chunk:
                errors = _check_row(row, units, principal, seen, today, now, accepted)
                if errors:
                    problems.add(row.number, errors)
            return accepted

        # NOTE: checked in a worker thread too: a chunk's checks must not hold the event loop.
        accepted = await anyio.to_thread.run_sync(check)
        accepted_count += len(accepted)
        # NOTE: once a row is wrong and the import is all-or-nothing, nothing more is written
        # (the import is refused below, and the transaction rolled back); the rest is still checked.
        if partial or not problems:
            written += await repository.add_agencies(session, accepted)
            written_ids += [r["id"] for r in accepted]
    refused = bool(problems) and not partial
    report = ImportReport(
        rows=read,
        accepted=accepted_count,
        rejected=problems.count,
        written=0 if refused else written,
        partial=partial,
        problems=problems.listed,
    )
    if refused:
        raise ImportRejected(
            f"{report.rejected} of {report.rows} rows have problems; nothing was written", report=report.model_dump()
        )
    if report.written:
        await audit.record(
            session,
            principal,
            entity_type="agency_import",
            entity_id=upload.filename[:100],
            action="import",
            after=report.model_dump(exclude={"problems"}) | {"agency_ids": [str(i) for i in written_ids]},
        )
    return report


def _check_row(
    row: SourceRow,
    units: dict[str, list[AdministrativeUnit]],
    principal: Principal,
    seen: set[tuple[str, uuid.UUID]],
    today: date,
    now: Any,
    accepted: list[dict[str, Any]],
) -> list[str]:
    """What is wrong with one row; a good row is appended to ``accepted``."""
    errors: list[str] = []
    values = row.values
    name = str(values.get("name") or "").strip()
    if len(name) < 2:
        errors.append("name is missing")
    try:
        kind: AgencyKind | None = parse_kind(values.get("kind"))
    except ValueError as exc:
        errors.append(str(exc))
        kind = None
    try:
        valid_from, valid_to = parse_date(values.get("valid_from")), parse_date(values.get("valid_to"))
    except ValueError as exc:
        errors.append(str(exc))
        valid_from = valid_to = None
    code = str(values.get("unit_code") or "")
    # NOTE: a code names different units over time; the row's own dates say which.
    on = valid_from or valid_to or today
    unit = _unit_on(units.get(code, []), on)
    if unit is None:
        errors.append(f"no administrative unit has code {code!r} on {on.isoformat()}")
    if unit is not None and kind is not None:
        valid_from = valid_from or unit.valid_from
        valid_to = valid_to if valid_to is not None else unit.valid_to
        try:
            service.check_kind(kind, unit)
            service.check_validity(unit, valid_from, valid_to)
        except AppError as exc:
            errors.append(str(exc))
        commune_code = unit.code if unit.level is UnitLevel.COMMUNE else None
        placement = service.Placement(uuid.uuid4(), name, unit.province_code, commune_code, None)
        if not in_area(principal, placement):
            errors.append(f"{unit.name} is outside your area")
        if (search_key(name), unit.id) in seen:
            errors.append("the same agency appears twice in the file")
        seen.add((search_key(name), unit.id))
        if not errors:
            accepted.append(
                {
                    "id": placement.id,
                    "name": name,
                    "kind": kind,
                    "unit_id": unit.id,
                    "level": unit.level,
                    "province_code": unit.province_code,
                    "commune_code": commune_code,
                    "parent_id": None,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "search_key": search_key(name),
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
    return errors
