"""Write an :class:`ImportPlan` into the database: batched Core inserts, one transaction.

Ids are stable, so a unit or change already present is left as it is (an operator may have
corrected it since) and only what is missing is written: running the import twice changes
nothing. Three updates bring a database imported by an earlier version in line: a unit
still open that the plan ends (a later change) gets its end date, a value the official list
corrects is replaced where the row still holds the package's, and a change built from links
the same-name rule drops is removed. The run itself is one audit event carrying its summary.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import Principal
from haicap_shared.models import utcnow
from haicap_shared.text import search_key

from ..agencies import repository as agency_repository
from .models import CorrectedField, LinkRole, UnitLevel, change_table, correction_table, link_table, unit_table
from .reference import REFORM_DATE, ImportPlan

T = TypeVar("T")
BATCH = 1000
_LEVEL_ORDER = {UnitLevel.PROVINCE: 0, UnitLevel.DISTRICT: 1, UnitLevel.COMMUNE: 2}


@dataclass
class ImportSummary:
    scope: str
    units_created: int = 0
    units_already_present: int = 0
    changes_created: int = 0
    changes_already_present: int = 0
    units_by_level: dict[str, int] = field(default_factory=dict)
    changes_by_kind: dict[str, int] = field(default_factory=dict)
    ambiguous_splits: list[str] = field(default_factory=list)
    # Package links rejected by the same-name rule, each with its reason.
    dropped_links: list[str] = field(default_factory=list)
    # Official codes and names that replace the package's, each dated with its source.
    corrections: list[str] = field(default_factory=list)
    corrections_created: int = 0
    units_corrected: int = 0
    units_ended: int = 0
    changes_retracted: int = 0
    # Agencies left open on a unit the import ended: to be ended and set up on its successor.
    agencies_outliving_units: list[str] = field(default_factory=list)
    # Anything of the official lists or later changes the package could not be matched to.
    unmatched: list[str] = field(default_factory=list)


def _batches(rows: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


async def _present(session: AsyncSession, column: ColumnElement[uuid.UUID], ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for chunk in _batches(ids):
        found.update((await session.scalars(select(column).where(column.in_(chunk)))).all())
    return found


async def apply_plan(
    session: AsyncSession, audit: AuditTrail, principal: Principal, plan: ImportPlan, scope: str
) -> ImportSummary:
    summary = ImportSummary(
        scope=scope,
        units_by_level=dict(Counter(u.level.value for u in plan.units)),
        changes_by_kind=dict(Counter(c.kind.value for c in plan.changes)),
        ambiguous_splits=plan.splits,
        dropped_links=[d.describe() for d in plan.dropped_links],
        corrections=[c.describe() for c in plan.corrections],
        unmatched=plan.unmatched,
    )
    now = utcnow()
    summary.changes_retracted = await _retract(session, list(plan.superseded_change_ids))
    summary.units_corrected = await _correct(session, plan, now)
    summary.units_ended, summary.agencies_outliving_units = await _end(session, plan, now)
    present_units = await _present(session, unit_table.c.id, [u.id for u in plan.units])
    missing_units = sorted((u for u in plan.units if u.id not in present_units), key=lambda u: (_LEVEL_ORDER[u.level], u.code))
    for chunk in _batches(missing_units):
        await session.execute(
            insert(unit_table),
            [{**asdict(u), "search_key": search_key(u.name), "created_at": now, "updated_at": now, "version": 1} for u in chunk],
        )
    summary.units_created = len(missing_units)
    summary.units_already_present = len(present_units)

    present_changes = await _present(session, change_table.c.id, [c.id for c in plan.changes])
    missing_changes = [c for c in plan.changes if c.id not in present_changes]
    for changes in _batches(missing_changes):
        await session.execute(
            insert(change_table),
            [
                {
                    "id": c.id,
                    "kind": c.kind,
                    "effective_date": c.effective_date,
                    "legal_basis": c.legal_basis,
                    "province_code": c.province_code,
                    "note": c.note,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for c in changes
            ],
        )
    links = [
        {"change_id": c.id, "unit_id": uid, "role": role}
        for c in missing_changes
        for role, members in ((LinkRole.SOURCE, c.source_ids), (LinkRole.RESULT, c.result_ids))
        for uid in members
    ]
    for link_rows in _batches(links):
        await session.execute(insert(link_table), list(link_rows))
    summary.changes_created = len(missing_changes)
    summary.changes_already_present = len(present_changes)

    present_corrections = await _present(session, correction_table.c.id, [c.id for c in plan.corrections])
    missing_corrections = [c for c in plan.corrections if c.id not in present_corrections]
    if missing_corrections:
        await session.execute(
            insert(correction_table),
            [{**asdict(c), "created_at": now, "updated_at": now, "version": 1} for c in missing_corrections],
        )
    summary.corrections_created = len(missing_corrections)

    if any(
        (
            summary.units_created,
            summary.changes_created,
            summary.corrections_created,
            summary.units_corrected,
            summary.units_ended,
            summary.changes_retracted,
        )
    ):
        await audit.record(session, principal, entity_type="unit_import", entity_id=scope, action="import", after=asdict(summary))
    return summary


async def _retract(session: AsyncSession, change_ids: Sequence[uuid.UUID]) -> int:
    """Remove changes an earlier import built from links the plan no longer holds."""
    present = sorted(await _present(session, change_table.c.id, change_ids))
    for chunk in _batches(present):
        await session.execute(delete(link_table).where(link_table.c.change_id.in_(chunk)))
        await session.execute(delete(change_table).where(change_table.c.id.in_(chunk)))
    return len(present)


async def _correct(session: AsyncSession, plan: ImportPlan, now: datetime) -> int:
    """Put the official value on units already present that still hold the package's."""
    corrected = 0
    for correction in plan.corrections:
        column = unit_table.c.code if correction.field is CorrectedField.CODE else unit_table.c.name
        values: dict[str, object] = {
            column.key: correction.official_value,
            "updated_at": now,
            "version": unit_table.c.version + 1,
        }
        if correction.field is CorrectedField.NAME:
            planned = next(u for u in plan.units if u.id == correction.unit_id)
            values |= {"short_name": planned.short_name, "kind": planned.kind, "search_key": search_key(planned.name)}
        result = await session.execute(
            update(unit_table)
            .where(unit_table.c.id == correction.unit_id, column == correction.package_value)
            .returning(unit_table.c.id)
            .values(**values)
        )
        corrected += len(result.all())
    return corrected


async def _end(session: AsyncSession, plan: ImportPlan, now: datetime) -> tuple[int, list[str]]:
    """End units still open that the plan ends (a change after 2025-07-01 replaced them).

    NOTE: agencies of such a unit are not moved (which successor organisation takes over is a
    decision, not reference data); they are named in the summary instead.
    """
    ended = 0
    stranded: list[str] = []
    for unit in plan.units:
        if unit.valid_to is None or unit.valid_to < REFORM_DATE:
            continue
        result = await session.execute(
            update(unit_table)
            .where(unit_table.c.id == unit.id, unit_table.c.valid_to.is_(None))
            .values(valid_to=unit.valid_to, updated_at=now, version=unit_table.c.version + 1)
            .returning(unit_table.c.id)
        )
        if result.all():
            ended += 1
            agencies = await agency_repository.agencies_outside(session, unit.id, unit.valid_from, unit.valid_to)
            stranded += [f"{a.name} ({a.id}) on {unit.name} ({unit.code}), which ends {unit.valid_to}" for a in agencies]
    return ended, stranded
