"""Every query on units, changes and corrections, and on the reference package's register."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, Table, and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from vietnamadminunits.database import query

from haicap_shared.batching import in_batches
from haicap_shared.codes import UnitLevel
from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page
from haicap_shared.text import like_pattern
from haicap_shared.validity import extends_beyond, in_force_on, overlaps, still_open

from ..agencies.models import agency_table
from .models import (
    AdministrativeUnit,
    ChangeKind,
    CorrectedField,
    LinkRole,
    UnitChange,
    UnitChangeLink,
    UnitCorrection,
    UnitKind,
    change_table,
    correction_table,
    link_table,
    unit_table,
)


@dataclass(frozen=True)
class UnitFilter:
    level: UnitLevel | None = None
    kind: UnitKind | None = None
    province: str | None = None
    parent_id: uuid.UUID | None = None
    as_of: date | None = None
    q: str | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        c = unit_table.c
        stmt = where_given(
            stmt, (c.level, self.level), (c.kind, self.kind), (c.province_code, self.province), (c.parent_id, self.parent_id)
        )
        if self.as_of is not None:
            stmt = stmt.where(in_force_on(unit_table, self.as_of))
        if self.q:
            stmt = stmt.where(c.search_key.like(like_pattern(self.q), escape="\\"))
        return stmt


UNIT_LIST_ORDER = (unit_table.c.code, unit_table.c.id)


async def page_of_units(
    session: AsyncSession, filters: UnitFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the units matching ``filters``, by code, and the cursor of the next."""
    return await fetch_page(session, filters.apply(select(unit_table)), order_by=UNIT_LIST_ORDER, limit=limit, cursor=cursor)


async def units_matching(session: AsyncSession, filters: UnitFilter) -> Sequence[AdministrativeUnit]:
    """Every unit matching ``filters``, by code."""
    return (await session.scalars(filters.apply(select(AdministrativeUnit)).order_by(AdministrativeUnit.code))).all()


@dataclass(frozen=True)
class UnitCounts:
    """Units counted by level and by (level, kind); a level or kind with none is absent."""

    by_level: list[tuple[UnitLevel, int]]
    by_kind: list[tuple[UnitLevel, UnitKind, int]]


async def count_units(session: AsyncSession, filters: UnitFilter) -> UnitCounts:
    """How many units match ``filters``, by level and by (level, kind)."""
    c = unit_table.c
    by_level = filters.apply(select(c.level, func.count())).group_by(c.level)
    by_kind = filters.apply(select(c.level, c.kind, func.count())).group_by(c.level, c.kind)
    return UnitCounts(
        by_level=[(UnitLevel(level), count) for level, count in (await session.execute(by_level)).all()],
        by_kind=[(UnitLevel(level), UnitKind(kind), count) for level, kind, count in (await session.execute(by_kind)).all()],
    )


async def get_unit(session: AsyncSession, unit_id: uuid.UUID) -> AdministrativeUnit | None:
    return await session.get(AdministrativeUnit, unit_id)


async def get_units(session: AsyncSession, unit_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AdministrativeUnit]:
    ids = list(unit_ids)
    if not ids:
        return {}
    result = await session.scalars(select(AdministrativeUnit).where(AdministrativeUnit.id.in_(ids)))
    return {unit.id: unit for unit in result}


async def units_with_codes(session: AsyncSession, codes: Sequence[str]) -> Sequence[AdministrativeUnit]:
    """Every unit that has held one of ``codes``, whatever its dates."""
    found: list[AdministrativeUnit] = []
    for batch in in_batches(codes):
        found += (await session.scalars(select(AdministrativeUnit).where(AdministrativeUnit.code.in_(batch)))).all()
    return found


async def unit_by_code(session: AsyncSession, code: str, as_of: date) -> AdministrativeUnit | None:
    stmt = select(AdministrativeUnit).where(AdministrativeUnit.code == code, in_force_on(unit_table, as_of))
    return (await session.scalars(stmt)).first()


async def units_with_code_overlapping(
    session: AsyncSession, code: str, valid_from: date | None, valid_to: date | None, *, excluding: uuid.UUID | None = None
) -> Sequence[AdministrativeUnit]:
    stmt = select(AdministrativeUnit).where(AdministrativeUnit.code == code, overlaps(unit_table, valid_from, valid_to))
    if excluding is not None:
        stmt = stmt.where(AdministrativeUnit.id != excluding)
    return (await session.scalars(stmt)).all()


async def children_outside(
    session: AsyncSession, parent_id: uuid.UUID, valid_from: date | None, valid_to: date | None
) -> Sequence[AdministrativeUnit]:
    """Children of ``parent_id`` valid on a day outside [valid_from, valid_to] (the first 20)."""
    outside = extends_beyond(unit_table, valid_from, valid_to)
    stmt = select(AdministrativeUnit).where(AdministrativeUnit.parent_id == parent_id, outside).limit(20)
    return (await session.scalars(stmt)).all()


async def add_change(
    session: AsyncSession, change: UnitChange, sources: Iterable[uuid.UUID], results: Iterable[uuid.UUID]
) -> None:
    session.add(change)
    await session.flush()
    session.add_all(
        [UnitChangeLink(change_id=change.id, unit_id=u, role=LinkRole.SOURCE) for u in sources]
        + [UnitChangeLink(change_id=change.id, unit_id=u, role=LinkRole.RESULT) for u in results]
    )
    await session.flush()


async def get_change(session: AsyncSession, change_id: uuid.UUID) -> UnitChange | None:
    return await session.get(UnitChange, change_id)


CHANGE_LIST_ORDER = (change_table.c.effective_date, change_table.c.id)


@dataclass(frozen=True)
class ChangeFilter:
    province: str | None = None
    kind: ChangeKind | None = None
    unit_id: uuid.UUID | None = None
    effective_from: date | None = None
    effective_to: date | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        c = change_table.c
        stmt = where_given(stmt, (c.province_code, self.province), (c.kind, self.kind))
        if self.effective_from is not None:
            stmt = stmt.where(c.effective_date >= self.effective_from)
        if self.effective_to is not None:
            stmt = stmt.where(c.effective_date <= self.effective_to)
        if self.unit_id is not None:
            linked = select(UnitChangeLink.change_id).where(UnitChangeLink.unit_id == self.unit_id)
            stmt = stmt.where(c.id.in_(linked))
        return stmt


async def page_of_changes(
    session: AsyncSession, filters: ChangeFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the changes matching ``filters``, by effective date, and the cursor of the next."""
    return await fetch_page(session, filters.apply(select(change_table)), order_by=CHANGE_LIST_ORDER, limit=limit, cursor=cursor)


async def change_members(
    session: AsyncSession, change_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[LinkRole, list[AdministrativeUnit]]]:
    """The source and result units of each change, ordered by code."""
    members: dict[uuid.UUID, dict[LinkRole, list[AdministrativeUnit]]] = {
        cid: {LinkRole.SOURCE: [], LinkRole.RESULT: []} for cid in change_ids
    }
    if not change_ids:
        return members
    stmt = (
        select(UnitChangeLink.change_id, UnitChangeLink.role, AdministrativeUnit)
        .join(AdministrativeUnit, AdministrativeUnit.id == UnitChangeLink.unit_id)
        .where(UnitChangeLink.change_id.in_(change_ids))
        .order_by(AdministrativeUnit.code, AdministrativeUnit.id)
    )
    for change_id, role, unit in (await session.execute(stmt)).all():
        members[change_id][LinkRole(role)].append(unit)
    return members


@dataclass(frozen=True)
class LineageEdge:
    from_unit_id: uuid.UUID
    to_unit: AdministrativeUnit
    change: UnitChange


async def lineage_edges(session: AsyncSession, unit_ids: Sequence[uuid.UUID], *, backwards: bool) -> list[LineageEdge]:
    """One step of lineage: the units ``unit_ids`` came from (backwards) or became."""
    own, other = aliased(UnitChangeLink), aliased(UnitChangeLink)
    own_role, other_role = (LinkRole.RESULT, LinkRole.SOURCE) if backwards else (LinkRole.SOURCE, LinkRole.RESULT)
    stmt = (
        select(own.unit_id, AdministrativeUnit, UnitChange)
        .join(other, and_(other.change_id == own.change_id, other.role == other_role))
        .join(UnitChange, UnitChange.id == own.change_id)
        .join(AdministrativeUnit, AdministrativeUnit.id == other.unit_id)
        .where(own.unit_id.in_(unit_ids), own.role == own_role)
        .order_by(AdministrativeUnit.code, AdministrativeUnit.id)
    )
    return [LineageEdge(from_id, unit, change) for from_id, unit, change in (await session.execute(stmt)).all()]


async def is_referenced(session: AsyncSession, unit_id: uuid.UUID) -> bool:
    """Whether another unit or an agency hangs under this one, or a change names it."""
    child = select(unit_table.c.id).where(unit_table.c.parent_id == unit_id).limit(1)
    link = select(UnitChangeLink.change_id).where(UnitChangeLink.unit_id == unit_id).limit(1)
    agency = select(agency_table.c.id).where(agency_table.c.unit_id == unit_id).limit(1)
    return any([(await session.scalar(query)) is not None for query in (child, link, agency)])


async def delete_unit(session: AsyncSession, unit: AdministrativeUnit) -> None:
    await session.delete(unit)
    await session.flush()


async def corrections_of(session: AsyncSession, unit_id: uuid.UUID) -> Sequence[UnitCorrection]:
    """The official corrections of one unit, oldest first."""
    query = (
        select(UnitCorrection)
        .where(UnitCorrection.unit_id == unit_id)
        .order_by(UnitCorrection.effective_date, UnitCorrection.field, UnitCorrection.id)
    )
    return (await session.scalars(query)).all()


# The reference import: the package's registers, and the batched writes of a plan.

# NOTE: a unit row has 14 values, so 1,000 rows (14,000 parameters) stay under SQLite's and
# asyncpg's limit of about 32,000, and the national import's 14,234 units take 15 statements.
IMPORT_BATCH = 1000


def package_former_register() -> list[dict[str, Any]]:
    """The package's register before 2025-07-01: a row per former commune with its district and province.

    An island district without communes has one row with an empty ``wardCode``.
    """
    rows: list[dict[str, Any]] = query(
        "SELECT DISTINCT province, provinceCode, provinceKey, district, districtType, districtCode, districtKey, "
        "ward, wardType, wardCode, wardKey, wardLat, wardLon FROM admin_units_legacy"
    )
    return rows


def package_current_register() -> list[dict[str, Any]]:
    """The package's register since 2025-07-01: a row per commune with its province."""
    rows: list[dict[str, Any]] = query(
        "SELECT DISTINCT province, provinceCode, provinceKey, ward, wardType, wardCode, wardKey, wardLat, wardLon "
        "FROM admin_units"
    )
    return rows


async def _present(session: AsyncSession, column: ColumnElement[uuid.UUID], ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for chunk in in_batches(ids, IMPORT_BATCH):
        found.update((await session.scalars(select(column).where(column.in_(chunk)))).all())
    return found


async def units_present(session: AsyncSession, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``ids`` are recorded units."""
    return await _present(session, unit_table.c.id, ids)


async def changes_present(session: AsyncSession, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``ids`` are recorded changes."""
    return await _present(session, change_table.c.id, ids)


async def corrections_present(session: AsyncSession, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``ids`` are recorded corrections."""
    return await _present(session, correction_table.c.id, ids)


async def _insert(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in in_batches(rows, IMPORT_BATCH):
        await session.execute(insert(table), list(chunk))


async def insert_units(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Write units (as column values), parents before their children as given."""
    await _insert(session, unit_table, rows)


async def insert_changes(session: AsyncSession, rows: Sequence[dict[str, Any]], links: Sequence[dict[str, Any]]) -> None:
    """Write changes and their links to units (as column values)."""
    await _insert(session, change_table, rows)
    await _insert(session, link_table, links)


async def insert_corrections(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await _insert(session, correction_table, rows)


async def delete_changes(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    """Remove changes with their links."""
    for chunk in in_batches(ids, IMPORT_BATCH):
        await session.execute(delete(link_table).where(link_table.c.change_id.in_(chunk)))
        await session.execute(delete(change_table).where(change_table.c.id.in_(chunk)))


async def unit_rows(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, RowMapping]:
    """The column values of the units ``ids`` (those that exist), by id."""
    found: dict[uuid.UUID, RowMapping] = {}
    for chunk in in_batches(ids, IMPORT_BATCH):
        result = await session.execute(select(unit_table).where(unit_table.c.id.in_(chunk)))
        found.update({row["id"]: row for row in result.mappings()})
    return found


async def change_rows(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[RowMapping]:
    """The column values of the changes ``ids`` (those that exist)."""
    found: list[RowMapping] = []
    for chunk in in_batches(ids, IMPORT_BATCH):
        found += (await session.execute(select(change_table).where(change_table.c.id.in_(chunk)))).mappings().all()
    return found


async def get_correction(session: AsyncSession, correction_id: uuid.UUID) -> UnitCorrection | None:
    return await session.get(UnitCorrection, correction_id)


async def replace_value(
    session: AsyncSession, unit_id: uuid.UUID, field: CorrectedField, package_value: str, values: dict[str, Any], now: datetime
) -> bool:
    """Put ``values`` on the unit if its ``field`` still holds ``package_value``; whether it did."""
    column = unit_table.c.code if field is CorrectedField.CODE else unit_table.c.name
    result = await session.execute(
        update(unit_table)
        .where(unit_table.c.id == unit_id, column == package_value)
        .values(**values, updated_at=now, version=unit_table.c.version + 1)
        .returning(unit_table.c.id)
    )
    return bool(result.all())


async def end_open_unit(session: AsyncSession, unit_id: uuid.UUID, valid_to: date, now: datetime) -> bool:
    """End the unit on ``valid_to`` if it is still open; whether it was."""
    result = await session.execute(
        update(unit_table)
        .where(unit_table.c.id == unit_id, still_open(unit_table))
        .values(valid_to=valid_to, updated_at=now, version=unit_table.c.version + 1)
        .returning(unit_table.c.id)
    )
    return bool(result.all())
