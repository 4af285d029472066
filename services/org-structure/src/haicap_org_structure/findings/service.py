"""The checks of "rõ người, rõ việc, rõ thẩm quyền" on the catalogue on a date: overlapping
owners, tasks without owner or legal basis, owners no longer in force, likely duplicates; from the
holders' statuses, tasks they cannot carry out (the proposal not accepted or resolved) and
difficulties in force for more than ``open_days`` days, not resolved (counted by commune and sector).

Every kind is one SQL statement (``repository``); the counts are complete, the items the first
``limit`` findings, each explained in words.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, Select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal

from ..tasks import service as task_service
from ..tasks.repository import AgencyInfo
from . import repository
from .access import visible_findings
from .schemas import (
    FEASIBILITY_KINDS,
    Finding,
    FindingAgency,
    FindingCountsByProvince,
    FindingKind,
    Findings,
    ProvinceFindingCounts,
)

_FINDING_QUERIES = {
    FindingKind.OVERLAP: repository.overlap_findings,
    FindingKind.NO_OWNER: repository.no_owner_findings,
    FindingKind.NO_LEGAL_BASIS: repository.no_legal_basis_findings,
    FindingKind.ENDED_OWNER: repository.ended_owner_findings,
    FindingKind.DUPLICATE: repository.duplicate_findings,
    FindingKind.CANNOT_CARRY_OUT: repository.cannot_carry_out_findings,
    FindingKind.DIFFICULTY_OPEN: repository.difficulty_open_findings,
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
    open_days: int = 30,
) -> Findings:
    """Complete counts of every kind (SQL), and the first ``limit`` findings of the kinds asked."""
    scope = repository.FindingScope(
        day=as_of, province=province, sector=sector, visible=visible_findings(principal), open_days=open_days
    )
    queries = _queries(scope)
    kinds_asked = [kind] if kind is not None else list(FindingKind)
    rows: list[tuple[FindingKind, RowMapping]] = []
    found: dict[FindingKind, int] = {}
    for finding_kind in kinds_asked:
        if len(rows) >= limit:
            break
        first, found[finding_kind] = await repository.first_findings(session, queries[finding_kind], limit - len(rows))
        rows += [(finding_kind, row) for row in first]
    # NOTE: the kinds whose page was not read (not asked, or the page full) are counted in one statement.
    unread = {finding_kind: query for finding_kind, query in queries.items() if finding_kind not in found}
    if unread:
        found |= (await repository.count_findings(session, unread))[None]
    counts = {finding_kind: found[finding_kind] for finding_kind in queries}
    items = await _explained(session, scope, rows)
    by_commune: dict[str, dict[FindingKind, int]] = {}
    by_sector: dict[str, dict[FindingKind, int]] = {}
    for finding_kind in FEASIBILITY_KINDS:
        for grouped, column in ((by_commune, "commune_code"), (by_sector, "sector")):
            for key, count in (await repository.counts_by(session, queries[finding_kind], column)).items():
                grouped.setdefault(key, dict.fromkeys(FEASIBILITY_KINDS, 0))[finding_kind] = count
    return Findings(
        as_of=as_of,
        province=province,
        open_days=open_days,
        counts=counts,
        total=sum(counts.values()),
        items=items,
        truncated=len(items) < sum(counts[finding_kind] for finding_kind in kinds_asked),
        by_commune=dict(sorted(by_commune.items())),
        by_sector=dict(sorted(by_sector.items())),
    )


async def finding_counts_by_province(
    session: AsyncSession, principal: Principal, *, as_of: date, open_days: int = 30
) -> FindingCountsByProvince:
    """The complete counts of :func:`findings` for every province of the caller's area, in one statement for all."""
    scope = repository.FindingScope(
        day=as_of, province=None, sector=None, visible=visible_findings(principal), open_days=open_days
    )
    found = await repository.count_findings(session, _queries(scope), per_province=True)
    rows = [
        ProvinceFindingCounts(province=code, total=sum(found[code].values()), counts=found[code])
        for code in sorted(code for code in found if code is not None)
    ]
    return FindingCountsByProvince(as_of=as_of, rows=rows)


def _queries(scope: repository.FindingScope) -> dict[FindingKind, Select[Any]]:
    return {finding_kind: make(scope) for finding_kind, make in _FINDING_QUERIES.items()}


async def _explained(
    session: AsyncSession, scope: repository.FindingScope, rows: list[tuple[FindingKind, RowMapping]]
) -> list[Finding]:
    """The findings of one page with their agencies named and, for duplicates, the tasks alike."""
    agency_ids = [row[key] for _kind, row in rows for key in ("agency_id", "other_agency_id") if row.get(key) is not None]
    agencies = await task_service.agencies_by_id(session, agency_ids)
    duplicate_keys = [(row["province_code"], row["search_key"]) for kind, row in rows if kind is FindingKind.DUPLICATE]
    duplicates = await repository.duplicate_members(session, scope, duplicate_keys)
    return [_finding(kind, row, agencies, duplicates, scope.day) for kind, row in rows]


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
        both = " and ".join(agency.name for agency in named)
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
    elif kind in FEASIBILITY_KINDS:
        reason = _status_reason(kind, row, named, day)
    else:
        alike = duplicates.get((row["province_code"], row["search_key"]), [])
        related = [task_id for task_id in alike if task_id != row["task_id"]]
        reason = f"Same title and sector as {len(related)} other task(s) of province {row['province_code']}"
    return Finding(
        kind=kind,
        task_id=row["task_id"],
        task_code=row["task_code"],
        task_title=row["task_title"],
        sector=row["sector"],
        province_code=row["province_code"],
        agencies=[
            FindingAgency(
                id=agency.id, name=agency.name, level=agency.level, valid_from=agency.valid_from, valid_to=agency.valid_to
            )
            for agency in named
        ],
        related_task_ids=related,
        feasibility_id=row.get("feasibility_id"),
        reason=reason,
    )


def _status_reason(kind: FindingKind, row: RowMapping, named: list[AgencyInfo], day: date) -> str:
    """Why a holder's status is a finding, in words."""
    holder = named[0].name if named else "Its holder"
    proposal = f"proposal `{row['proposal']}` {row['answer_state']}" if row["proposal"] else "no proposal"
    if kind is FindingKind.CANNOT_CARRY_OUT:
        return f"{holder} cannot carry it out since {row['since']} ({proposal})"
    days = (day - row["since"]).days
    return f"{holder} reports `{row['status']}` since {row['since']}, {days} days on {day}, not resolved ({proposal})"
