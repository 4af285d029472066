"""Every query on agencies and function decisions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.batching import in_batches
from haicap_shared.codes import UnitLevel
from haicap_shared.filters import given_equalities, where_given
from haicap_shared.paging import fetch_page
from haicap_shared.text import like_pattern
from haicap_shared.validity import extends_beyond, in_force_on, overlaps

from .models import REQUIRES_DECISION, Agency, AgencyKind, DecisionStatus, FunctionDecision, agency_table, decision_table


@dataclass(frozen=True)
class AgencyFilter:
    province: str | None = None
    commune: str | None = None
    level: UnitLevel | None = None
    kind: AgencyKind | None = None
    unit_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    as_of: date | None = None
    q: str | None = None
    electronic_id_code: str | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        c = agency_table.c
        stmt = where_given(
            stmt,
            (c.province_code, self.province),
            (c.commune_code, self.commune),
            (c.level, self.level),
            (c.kind, self.kind),
            (c.unit_id, self.unit_id),
            (c.parent_id, self.parent_id),
            (c.electronic_id_code, self.electronic_id_code),
        )
        if self.as_of is not None:
            stmt = stmt.where(in_force_on(agency_table, self.as_of))
        if self.q:
            stmt = stmt.where(c.search_key.like(like_pattern(self.q), escape="\\"))
        return stmt


AGENCY_LIST_ORDER = (agency_table.c.name, agency_table.c.id)


async def page_of_agencies(
    session: AsyncSession, filters: AgencyFilter, visible: ColumnElement[bool], *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the agencies matching ``filters`` within ``visible`` (the caller's area), by name."""
    stmt = filters.apply(select(agency_table).where(visible))
    return await fetch_page(session, stmt, order_by=AGENCY_LIST_ORDER, limit=limit, cursor=cursor)


async def get_agency(session: AsyncSession, agency_id: uuid.UUID) -> Agency | None:
    return await session.get(Agency, agency_id)


async def existing_kinds(session: AsyncSession, unit_ids: Sequence[uuid.UUID], on: date) -> set[tuple[uuid.UUID, AgencyKind]]:
    """Which (unit, kind) pairs already have an agency in force on ``on``."""
    found: set[tuple[uuid.UUID, AgencyKind]] = set()
    for batch in in_batches(unit_ids):
        stmt = select(agency_table.c.unit_id, agency_table.c.kind).where(
            agency_table.c.unit_id.in_(batch), in_force_on(agency_table, on)
        )
        found.update((unit_id, AgencyKind(kind)) for unit_id, kind in (await session.execute(stmt)).all())
    return found


async def agencies_outside(
    session: AsyncSession, unit_id: uuid.UUID, valid_from: date | None, valid_to: date | None
) -> Sequence[Agency]:
    """Agencies of ``unit_id`` valid on a day outside [valid_from, valid_to] (the first 20)."""
    outside = extends_beyond(agency_table, valid_from, valid_to)
    return (await session.scalars(select(Agency).where(Agency.unit_id == unit_id, outside).limit(20))).all()


async def agencies_with_electronic_id_code_overlapping(
    session: AsyncSession, code: str, valid_from: date | None, valid_to: date | None, *, excluding: uuid.UUID | None = None
) -> Sequence[Agency]:
    """Agencies holding ``code`` on a day of [valid_from, valid_to] (the first 5), other than ``excluding``."""
    stmt = select(Agency).where(Agency.electronic_id_code == code, overlaps(agency_table, valid_from, valid_to))
    if excluding is not None:
        stmt = stmt.where(Agency.id != excluding)
    return (await session.scalars(stmt.order_by(Agency.name, Agency.id).limit(5))).all()


async def agencies_with_electronic_id_codes(session: AsyncSession, codes: Sequence[str]) -> Sequence[RowMapping]:
    """The agencies (id, name, code, validity) holding any of ``codes``, whatever their dates."""
    a = agency_table.c
    found: list[RowMapping] = []
    for batch in in_batches(codes):
        stmt = select(a.id, a.name, a.electronic_id_code, a.valid_from, a.valid_to).where(a.electronic_id_code.in_(batch))
        found.extend((await session.execute(stmt)).mappings().all())
    return found


async def add_agencies(session: AsyncSession, rows: Iterable[dict[str, Any]]) -> int:
    batch = list(rows)
    if batch:
        await session.execute(agency_table.insert(), batch)
    return len(batch)


def _decision_in_force(as_of: date) -> ColumnElement[bool]:
    d = decision_table.c
    return and_(
        d.status.in_([DecisionStatus.ISSUED, DecisionStatus.SUPERSEDED]),
        d.issued_on <= as_of,
        or_(d.superseded_on.is_(None), d.superseded_on > as_of),
    )


@dataclass
class DecisionCounts:
    """Agencies in force that need a decision (``required``) and those with one in force (``issued``)."""

    by_level: list[tuple[UnitLevel, int, int]] = field(default_factory=list)
    by_kind: list[tuple[UnitLevel, AgencyKind, int, int]] = field(default_factory=list)


def _needing_decision(as_of: date, province: str | None, visible: ColumnElement[bool]) -> ColumnElement[bool]:
    """Condition on ``agency``: in force on ``as_of``, of a kind that needs a decision, in the area (and province) asked."""
    a = agency_table.c
    return and_(
        a.kind.in_(REQUIRES_DECISION), in_force_on(agency_table, as_of), visible, *given_equalities((a.province_code, province))
    )


def decision_counts_query(
    as_of: date, province: str | None, visible: ColumnElement[bool], *, per_province: bool = False
) -> Select[Any]:
    """Agencies that need a decision (``count``) and those with one in force on ``as_of``, by (level, kind), and
    by province first with ``per_province``."""
    a = agency_table.c
    # NOTE: each agency's decision is looked up on the decisions' (agency_id, status) index, where a list of every
    # agency of the country with a decision was built and hashed for a province's 240 agencies (twice, once per
    # grouping: 50 ms of Cao Bằng's 55); the levels are summed from this one grouping
    decided = exists().where(decision_table.c.agency_id == a.id, _decision_in_force(as_of))
    by_province = [a.province_code] if per_province else []
    return (
        select(*by_province, a.level, a.kind, func.count(), func.count(case((decided, 1))))
        .where(_needing_decision(as_of, province, visible))
        .group_by(*by_province, a.level, a.kind)
    )


async def decision_progress(
    session: AsyncSession, *, as_of: date, province: str | None, visible: ColumnElement[bool], per_province: bool = False
) -> dict[str | None, DecisionCounts]:
    """Agencies that need a decision and those with one in force on ``as_of``, by level and by (level, kind).

    With ``per_province`` grouped by the agency's province too and keyed by its code (only
    provinces with an agency that needs one); otherwise under ``None``.
    """
    stmt = decision_counts_query(as_of, province, visible, per_province=per_province)
    found: dict[str | None, DecisionCounts] = {}
    levels: dict[tuple[str | None, UnitLevel], list[int]] = {}
    for *key, level, kind, required, issued in (await session.execute(stmt)).all():
        code = key[0] if key else None
        found.setdefault(code, DecisionCounts()).by_kind.append((UnitLevel(level), AgencyKind(kind), required, issued))
        summed = levels.setdefault((code, UnitLevel(level)), [0, 0])
        summed[0] += required
        summed[1] += issued
    for (code, level), (required, issued) in levels.items():
        found[code].by_level.append((level, required, issued))
    return found


async def agencies_without_decision(
    session: AsyncSession,
    *,
    as_of: date,
    province: str | None,
    visible: ColumnElement[bool],
    limit: int = 500,
    per_province: bool = False,
) -> dict[str | None, list[RowMapping]]:
    """The first ``limit`` agencies by name that need a decision and have none in force on ``as_of``.

    With ``per_province`` the first ``limit`` of each province, keyed by its code; otherwise under ``None``.
    """
    a = agency_table.c
    decided = select(decision_table.c.agency_id).where(_decision_in_force(as_of), decision_table.c.agency_id == a.id)
    order = (a.name, a.id)
    # NOTE: numbered within each province (or the whole list), so a province's first ``limit`` come in one statement.
    nth = func.row_number().over(partition_by=a.province_code if per_province else None, order_by=order)
    ranked = (
        select(a.id, a.name, a.kind, a.level, a.province_code, nth.label("nth"))
        .where(_needing_decision(as_of, province, visible), ~decided.exists())
        .subquery("missing")
    )
    by_province = [ranked.c.province_code] if per_province else []
    stmt = select(ranked).where(ranked.c.nth <= limit).order_by(*by_province, ranked.c.nth)
    found: dict[str | None, list[RowMapping]] = {}
    for row in (await session.execute(stmt)).mappings():
        found.setdefault(row["province_code"] if per_province else None, []).append(row)
    return found


async def get_decision(session: AsyncSession, decision_id: uuid.UUID) -> FunctionDecision | None:
    return await session.get(FunctionDecision, decision_id)


async def issued_decisions_of(session: AsyncSession, agency_id: uuid.UUID) -> Sequence[FunctionDecision]:
    stmt = select(FunctionDecision).where(
        FunctionDecision.agency_id == agency_id, FunctionDecision.status == DecisionStatus.ISSUED
    )
    return (await session.scalars(stmt)).all()


DECISION_LIST_ORDER = (decision_table.c.created_at, decision_table.c.id)


@dataclass(frozen=True)
class DecisionFilter:
    agency_id: uuid.UUID | None = None
    status: DecisionStatus | None = None
    province: str | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        return where_given(
            stmt,
            (decision_table.c.agency_id, self.agency_id),
            (decision_table.c.status, self.status),
            (agency_table.c.province_code, self.province),
        )


async def page_of_decisions(
    session: AsyncSession, filters: DecisionFilter, visible: ColumnElement[bool], *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the decisions matching ``filters`` on agencies within ``visible`` (the caller's area), oldest first."""
    stmt = select(decision_table).join(agency_table, agency_table.c.id == decision_table.c.agency_id).where(visible)
    return await fetch_page(session, filters.apply(stmt), order_by=DECISION_LIST_ORDER, limit=limit, cursor=cursor)
