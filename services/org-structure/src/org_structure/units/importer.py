"""Write an :class:`ImportPlan` into the database: batched Core inserts, one transaction.

Ids are stable, so a unit or change already present is left as it is (an operator may have
corrected it since) and only what is missing is written: running the import twice changes
nothing. The run itself is one audit event carrying its summary.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TypeVar

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import Principal
from haicap_shared.models import utcnow
from haicap_shared.text import search_key

from .models import LinkRole, UnitLevel, change_table, link_table, unit_table
from .reference import ImportPlan

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
    )
    now = utcnow()
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

    if summary.units_created or summary.changes_created:
        await audit.record(session, principal, entity_type="unit_import", entity_id=scope, action="import", after=asdict(summary))
    return summary
