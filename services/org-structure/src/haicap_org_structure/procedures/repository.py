"""Every query on the procedure catalogue: procedures, their versions, task links, and what communes handle."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    Subquery,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.batching import in_batches
from haicap_shared.codes import UnitLevel
from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page
from haicap_shared.text import like_pattern, search_key
from haicap_shared.validity import in_force_on

from ..agencies.models import agency_table
from ..tasks.models import ownership_table
from ..units.models import unit_table
from .models import Procedure, ProcedureLevel, level_table, procedure_table, task_procedure_table
from .schemas import ProcedureFilter

REFORM_DAY = date(2025, 7, 1)
"""The two-tier local government's first day: the district level's last was the day before."""
DISTRICT_EVE = REFORM_DAY - timedelta(days=1)

PROCEDURE_LIST_ORDER = (procedure_table.c.code, procedure_table.c.id)


def procedure_search_key(name: str) -> str:
    """What ``procedure.search_key`` holds: the name without diacritics, for ``q``."""
    return search_key(name)


# --- procedures and their versions ----------------------------------------------------------


async def get_by_code(session: AsyncSession, code: str) -> Procedure | None:
    return (await session.scalars(select(Procedure).where(Procedure.code == code))).first()


async def ids_by_code(session: AsyncSession, codes: Iterable[str]) -> dict[str, uuid.UUID]:
    found: dict[str, uuid.UUID] = {}
    for chunk in in_batches(list(set(codes))):
        stmt = select(procedure_table.c.code, procedure_table.c.id).where(procedure_table.c.code.in_(chunk))
        found |= {row.code: row.id for row in await session.execute(stmt)}
    return found


async def all_codes(session: AsyncSession) -> set[str]:
    return set((await session.scalars(select(procedure_table.c.code))).all())


async def procedures_by_id(session: AsyncSession, procedure_ids: Sequence[uuid.UUID]) -> list[RowMapping]:
    found: list[RowMapping] = []
    for chunk in in_batches(procedure_ids):
        found += (await session.execute(select(procedure_table).where(procedure_table.c.id.in_(chunk)))).mappings().all()
    return found


async def levels_of(session: AsyncSession, procedure_ids: Sequence[uuid.UUID]) -> list[RowMapping]:
    """The versions of the procedures, each procedure's oldest first."""
    found: list[RowMapping] = []
    for chunk in in_batches(procedure_ids):
        stmt = (
            select(level_table)
            .where(level_table.c.procedure_id.in_(chunk))
            .order_by(level_table.c.procedure_id, level_table.c.valid_from)
        )
        found += (await session.execute(stmt)).mappings().all()
    return found


async def level_rows(session: AsyncSession, procedure_id: uuid.UUID) -> Sequence[ProcedureLevel]:
    """A procedure's versions as records to change, oldest first."""
    stmt = select(ProcedureLevel).where(ProcedureLevel.procedure_id == procedure_id).order_by(ProcedureLevel.valid_from)
    return (await session.scalars(stmt)).all()


async def task_ids_of(session: AsyncSession, procedure_ids: Sequence[uuid.UUID]) -> list[RowMapping]:
    found: list[RowMapping] = []
    for chunk in in_batches(procedure_ids):
        stmt = (
            select(task_procedure_table)
            .where(task_procedure_table.c.procedure_id.in_(chunk))
            .order_by(task_procedure_table.c.procedure_id, task_procedure_table.c.task_id)
        )
        found += (await session.execute(stmt)).mappings().all()
    return found


async def insert_catalogue(session: AsyncSession, procedures: Sequence[dict[str, Any]], levels: Sequence[dict[str, Any]]) -> None:
    """Procedures and their versions in batched Core inserts (imports)."""
    if procedures:
        await session.execute(insert(procedure_table), list(procedures))
    if levels:
        await session.execute(insert(level_table), list(levels))


def chosen_levels(day: date, *, in_force_only: bool) -> Subquery:
    """Each procedure's version on ``day`` (or, unless ``in_force_only``, its latest when none is), as ``chosen``."""
    in_force = in_force_on(level_table, day)
    rank = func.row_number().over(
        partition_by=level_table.c.procedure_id, order_by=(case((in_force, 0), else_=1), level_table.c.valid_from.desc())
    )
    ranked = select(*level_table.c, rank.label("rank"))
    if in_force_only:
        ranked = ranked.where(in_force)
    inner = ranked.subquery("ranked")
    return select(*(column for column in inner.c if column.key != "rank")).where(inner.c.rank == 1).subquery("chosen")


def list_procedures(filters: ProcedureFilter, today: date) -> Select[Any]:
    """Procedures with their version on ``as_of`` (with none that day, left out), or today's (else their latest)."""
    chosen = chosen_levels(filters.as_of or today, in_force_only=filters.as_of is not None)
    stmt = select(
        *procedure_table.c,
        chosen.c.level,
        chosen.c.processing_days,
        chosen.c.agency_in_charge,
        chosen.c.basis,
        chosen.c.valid_from,
        chosen.c.valid_to,
    ).join(chosen, chosen.c.procedure_id == procedure_table.c.id)
    stmt = where_given(stmt, (chosen.c.level, filters.level), (procedure_table.c.sector, filters.sector))
    if filters.q:
        pattern = like_pattern(filters.q)
        stmt = stmt.where(
            or_(procedure_table.c.search_key.like(pattern, escape="\\"), procedure_table.c.code == filters.q.strip())
        )
    return stmt


async def procedure_page(
    session: AsyncSession, filters: ProcedureFilter, today: date, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    return await fetch_page(session, list_procedures(filters, today), order_by=PROCEDURE_LIST_ORDER, limit=limit, cursor=cursor)


# --- task links -----------------------------------------------------------------------------


async def procedures_of_task(session: AsyncSession, task_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """The task's procedures, code -> id."""
    stmt = (
        select(procedure_table.c.code, procedure_table.c.id)
        .join(task_procedure_table, task_procedure_table.c.procedure_id == procedure_table.c.id)
        .where(task_procedure_table.c.task_id == task_id)
    )
    return {row.code: row.id for row in await session.execute(stmt)}


async def link(session: AsyncSession, task_id: uuid.UUID, procedure_ids: Iterable[uuid.UUID]) -> None:
    rows = [{"task_id": task_id, "procedure_id": procedure_id} for procedure_id in procedure_ids]
    if rows:
        await session.execute(insert(task_procedure_table), rows)


async def unlink(session: AsyncSession, task_id: uuid.UUID, procedure_ids: Sequence[uuid.UUID]) -> None:
    if procedure_ids:
        await session.execute(
            delete(task_procedure_table).where(
                task_procedure_table.c.task_id == task_id, task_procedure_table.c.procedure_id.in_(procedure_ids)
            )
        )


# --- what communes handle -------------------------------------------------------------------


def moved_from_district() -> ColumnElement[bool]:
    """Condition on ``procedure``: the district level handled it on the day before the reform."""
    eve = level_table.alias("eve")
    return exists().where(
        eve.c.procedure_id == procedure_table.c.id, eve.c.level == UnitLevel.DISTRICT, in_force_on(eve, DISTRICT_EVE)
    )


def _handled_on(day: date, visible: ColumnElement[bool]) -> Select[Any]:
    """The procedures of the tasks held (lead or shared) on ``day`` by agencies the caller sees, with their version that day."""
    return (
        select(
            agency_table.c.commune_code,
            procedure_table.c.id.label("procedure_id"),
            procedure_table.c.code,
            procedure_table.c.name,
            procedure_table.c.sector,
            level_table.c.level,
            level_table.c.processing_days,
            case((moved_from_district(), 1), else_=0).label("moved"),
            ownership_table.c.task_id,
        )
        .select_from(
            ownership_table.join(agency_table, agency_table.c.id == ownership_table.c.agency_id)
            .join(task_procedure_table, task_procedure_table.c.task_id == ownership_table.c.task_id)
            .join(procedure_table, procedure_table.c.id == task_procedure_table.c.procedure_id)
            .join(level_table, and_(level_table.c.procedure_id == procedure_table.c.id, in_force_on(level_table, day)))
        )
        .where(in_force_on(ownership_table, day), agency_table.c.commune_code.is_not(None), visible)
    )


async def handled_by_commune(
    session: AsyncSession, commune_code: str, day: date, visible: ColumnElement[bool]
) -> Sequence[RowMapping]:
    """One row per procedure and task of the commune on ``day``, in code order."""
    stmt = (
        _handled_on(day, visible)
        .where(agency_table.c.commune_code == commune_code)
        .distinct()
        .order_by(procedure_table.c.code, ownership_table.c.task_id)
    )
    rows: Sequence[RowMapping] = (await session.execute(stmt)).mappings().all()
    return rows


async def handled_counts(session: AsyncSession, province: str, day: date, visible: ColumnElement[bool]) -> dict[str, RowMapping]:
    """Per commune code of the province: how many procedures its agencies handle on ``day``, and how many moved."""
    pairs = (
        _handled_on(day, visible)
        .with_only_columns(
            agency_table.c.commune_code, procedure_table.c.id, case((moved_from_district(), 1), else_=0).label("moved")
        )
        .where(agency_table.c.province_code == province)
        .distinct()
        .subquery("pairs")
    )
    stmt = select(
        pairs.c.commune_code, func.count().label("procedures"), func.coalesce(func.sum(pairs.c.moved), 0).label("moved")
    ).group_by(pairs.c.commune_code)
    return {row["commune_code"]: row for row in (await session.execute(stmt)).mappings()}


async def communes_of(session: AsyncSession, province: str, day: date) -> Sequence[RowMapping]:
    stmt = (
        select(unit_table.c.code, unit_table.c.name)
        .where(unit_table.c.province_code == province, unit_table.c.level == UnitLevel.COMMUNE, in_force_on(unit_table, day))
        .order_by(unit_table.c.code)
    )
    return (await session.execute(stmt)).mappings().all()


async def commune_province(session: AsyncSession, commune_code: str, day: date) -> str | None:
    """The province of the commune with this code on ``day`` (None: no such commune that day)."""
    stmt = select(unit_table.c.province_code).where(
        unit_table.c.code == commune_code, unit_table.c.level == UnitLevel.COMMUNE, in_force_on(unit_table, day)
    )
    province: str | None = (await session.scalars(stmt)).first()
    return province


async def moved_on(session: AsyncSession, from_level: UnitLevel, to_level: UnitLevel, day: date) -> Sequence[RowMapping]:
    """Procedures with a version of ``to_level`` starting on ``day`` after one of ``from_level`` in force the day before."""
    before, after = level_table.alias("before"), level_table.alias("after")

    def version(alias: Any, prefix: str) -> list[Any]:
        names = ("level", "processing_days", "agency_in_charge", "basis", "valid_from", "valid_to")
        return [alias.c[name].label(f"{prefix}_{name}") for name in names]

    stmt = (
        select(
            procedure_table.c.code,
            procedure_table.c.name,
            procedure_table.c.sector,
            *version(before, "before"),
            *version(after, "after"),
        )
        .select_from(
            procedure_table.join(after, after.c.procedure_id == procedure_table.c.id).join(
                before, before.c.procedure_id == procedure_table.c.id
            )
        )
        .where(
            after.c.level == to_level,
            in_force_on(after, day),
            ~in_force_on(after, day - timedelta(days=1)),
            before.c.level == from_level,
            in_force_on(before, day - timedelta(days=1)),
        )
        .order_by(procedure_table.c.code)
    )
    rows: Sequence[RowMapping] = (await session.execute(stmt)).mappings().all()
    return rows
