"""The checks of "rõ người, rõ việc, rõ thẩm quyền" on the catalogue on a date: overlapping
owners, tasks without owner or legal basis, owners no longer in force, likely duplicates.

Every kind is one SQL statement (``repository``); the counts are complete, the items the first
``limit`` findings, each explained in words.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal

from ..tasks import service as task_service
from ..tasks.repository import AgencyInfo
from . import repository
from .access import visible_findings
from .schemas import Finding, FindingAgency, FindingKind, Findings

_FINDING_QUERIES = {
    FindingKind.OVERLAP: repository.overlap_findings,
    FindingKind.NO_OWNER: repository.no_owner_findings,
    FindingKind.NO_LEGAL_BASIS: repository.no_legal_basis_findings,
    FindingKind.ENDED_OWNER: repository.ended_owner_findings,
    FindingKind.DUPLICATE: repository.duplicate_findings,
}


async def findings(
    session: AsyncSession,
    principal: Principal,
    *,
    as_of: date,
    province: str | None,
    sector: str | None,
    kind: FindingKind | None,
    limit: int,
) -> Findings:
    """Complete counts of every kind (SQL), and the first ``limit`` findings of the kinds asked."""
    scope = repository.FindingScope(day=as_of, province=province, sector=sector, visible=visible_findings(principal))
    queries = {k: make(scope) for k, make in _FINDING_QUERIES.items()}
    counts = {k: await repository.count_findings(session, q) for k, q in queries.items()}
    rows: list[tuple[FindingKind, RowMapping]] = []
    for k in [kind] if kind is not None else list(FindingKind):
        rows += [(k, row) for row in await repository.first_findings(session, queries[k], limit - len(rows))]
    agency_ids = [row[key] for _k, row in rows for key in ("agency_id", "other_agency_id") if row.get(key) is not None]
    agencies = await task_service.agencies_by_id(session, agency_ids)
    duplicates = await repository.duplicate_members(
        session, scope, [(row["province_code"], row["search_key"]) for k, row in rows if k is FindingKind.DUPLICATE]
    )
    items = [_finding(k, row, agencies, duplicates, as_of) for k, row in rows]
    shown = sum(counts[k] for k in ([kind] if kind is not None else list(FindingKind)))
    return Findings(
        as_of=as_of,
        province=province,
        counts=counts,
        total=sum(counts.values()),
        items=items,
        truncated=len(items) < shown,
    )


def _finding(
    kind: FindingKind,
    row: RowMapping,
    agencies: Mapping[uuid.UUID, AgencyInfo],
    duplicates: Mapping[tuple[str, str], list[uuid.UUID]],
    day: date,
) -> Finding:
    named = [agencies[row[key]] for key in ("agency_id", "other_agency_id") if row.get(key) is not None and row[key] in agencies]
    related: list[uuid.UUID] = []
    if kind is FindingKind.OVERLAP:
        both = " and ".join(x.name for x in named)
        shared = "a shared task with two leads" if row["shared"] else "not a shared task"
        reason = f"Held by {both} on {day} ({shared})"
    elif kind is FindingKind.NO_OWNER:
        reason = (
            f"No lead owner on {day}; the last was {named[0].name}" if named else f"No lead owner on {day}, and none recorded"
        )
    elif kind is FindingKind.NO_LEGAL_BASIS:
        reason = "No legal basis recorded (rõ thẩm quyền)"
    elif kind is FindingKind.ENDED_OWNER:
        reason = (named[0].why_not_in_force(day) if named else None) or f"Its owner is not in force on {day}"
    else:
        related = [i for i in duplicates.get((row["province_code"], row["search_key"]), []) if i != row["task_id"]]
        reason = f"Same title and sector as {len(related)} other task(s) of province {row['province_code']}"
    return Finding(
        kind=kind,
        task_id=row["task_id"],
        task_code=row["task_code"],
        task_title=row["task_title"],
        sector=row["sector"],
        province_code=row["province_code"],
        agencies=[
            FindingAgency(id=x.id, name=x.name, level=x.level, valid_from=x.valid_from, valid_to=x.valid_to) for x in named
        ],
        related_task_ids=related,
        reason=reason,
    )
