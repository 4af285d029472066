"""The rules of units and changes: validity, codes, hierarchy, and lineage."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, jsonable, snapshot
from haicap_shared.auth import Principal
from haicap_shared.codes import UnitLevel
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.paging import Page, page_of
from haicap_shared.text import search_key
from haicap_shared.validity import Interval

from ..agencies import repository as agency_repository
from . import repository
from .access import check_unit_province
from .models import KIND_LABELS, AdministrativeUnit, LinkRole, UnitChange, UnitKind
from .schemas import AdministrativeUnit as UnitOut
from .schemas import (
    AdministrativeUnitCreate,
    AdministrativeUnitUpdate,
    ChangeRef,
    Lineage,
    LineageStep,
    UnitChangeCreate,
    UnitCorrection,
    UnitRef,
    UnitsOfKind,
    UnitStats,
)
from .schemas import UnitChange as UnitChangeOut

ENTITY_UNIT = "administrative_unit"
ENTITY_CHANGE = "unit_change"
ENTITY_CORRECTION = "unit_correction"
ENTITY_IMPORT = "unit_import"

INTERNAL_COLUMNS = frozenset({"search_key"})
"""Columns the API does not show: left out of audited snapshots, so an event's ``changed_fields`` names API fields."""


class UnitNotFound(NotFound):
    code, title = "unit_not_found", "No such administrative unit"


class CorrectionNotFound(NotFound):
    code, title = "unit_correction_not_found", "No such unit correction"


class ChangeNotFound(NotFound):
    code, title = "unit_change_not_found", "No such unit change"


class UnitCodeOverlap(Conflict):
    code, title = "unit_code_overlap", "Another unit has this code on some of these dates"


class OutsideParentValidity(Conflict):
    code, title = "outside_parent_validity", "A unit can be valid only while its parent is"


class ParentNotFound(Conflict):
    code, title = "parent_not_found", "The parent unit does not exist"


class ParentLevelMismatch(Conflict):
    code, title = "parent_level_mismatch", "The parent is not of the level above"


class UnitInUse(Conflict):
    code, title = "unit_in_use", "The unit has units under it or takes part in a recorded change"


class ChangeUnitsNotFound(Conflict):
    code, title = "change_units_not_found", "Some units of the change do not exist"


class ChangeDatesInconsistent(Conflict):
    code, title = "change_dates_inconsistent", "Former units must end the day before the change and results begin on it"


ALLOWED_PARENT_LEVELS = {
    UnitLevel.PROVINCE: frozenset[UnitLevel](),
    UnitLevel.DISTRICT: frozenset({UnitLevel.PROVINCE}),
    # NOTE: communes hang under districts until 2025-06-30 and under provinces after.
    UnitLevel.COMMUNE: frozenset({UnitLevel.DISTRICT, UnitLevel.PROVINCE}),
}


def unit_snapshot(unit: AdministrativeUnit | Mapping[Any, Any]) -> dict[str, Any]:
    """A unit as the audit trail records it (and its events show it): its columns but the internal ones."""
    values = snapshot(unit) if isinstance(unit, AdministrativeUnit) else unit
    return {key: jsonable(value) for key, value in values.items() if key not in INTERNAL_COLUMNS}


def short_name_of(name: str, kind: UnitKind) -> str:
    """The name without its kind word: "Phường Thục Phán" -> "Thục Phán"."""
    label = KIND_LABELS[kind]
    for prefix in (label, "Thành phố"):
        if name.lower().startswith(prefix.lower() + " "):
            return name[len(prefix) + 1 :].strip()
    return name


async def list_units(session: AsyncSession, filters: repository.UnitFilter, *, limit: int, cursor: str | None) -> Page[UnitOut]:
    """One page of the units matching ``filters``, by code (units are read by all, whatever their area)."""
    rows, next_cursor = await repository.page_of_units(session, filters, limit=limit, cursor=cursor)
    return page_of(UnitOut, rows, next_cursor)


async def unit_stats(session: AsyncSession, as_of: date, province: str | None) -> UnitStats:
    """The units in force on ``as_of`` counted by level and kind (in SQL), every level present."""
    counts = await repository.count_units(session, repository.UnitFilter(province=province, as_of=as_of))
    by_level = dict.fromkeys(UnitLevel, 0) | dict(counts.by_level)
    return UnitStats(
        as_of=as_of,
        province=province,
        total=sum(by_level.values()),
        by_level=by_level,
        by_kind=[UnitsOfKind(level=level, kind=kind, count=count) for level, kind, count in sorted(counts.by_kind)],
    )


async def get_unit(session: AsyncSession, unit_id: uuid.UUID) -> AdministrativeUnit:
    unit = await repository.get_unit(session, unit_id)
    if unit is None:
        raise UnitNotFound(f"No administrative unit has id {unit_id}")
    return unit


async def unit_by_code(session: AsyncSession, code: str, as_of: date) -> AdministrativeUnit:
    unit = await repository.unit_by_code(session, code, as_of)
    if unit is None:
        raise UnitNotFound(
            f"No administrative unit has code {code} on {as_of.isoformat()}", unit_code=code, as_of=as_of.isoformat()
        )
    return unit


async def _check_code_free(
    session: AsyncSession, code: str, valid_from: date | None, valid_to: date | None, excluding: uuid.UUID | None = None
) -> None:
    clashes = await repository.units_with_code_overlapping(session, code, valid_from, valid_to, excluding=excluding)
    if clashes:
        other = clashes[0]
        raise UnitCodeOverlap(
            f"{other.name} ({other.id}) holds code {code} from {other.valid_from or 'the beginning'} "
            f"to {other.valid_to or 'now'}, which overlaps",
            conflicting_unit_id=str(other.id),
        )


async def _parent_for(
    session: AsyncSession, level: UnitLevel, parent_id: uuid.UUID | None, valid_from: date | None, valid_to: date | None
) -> AdministrativeUnit | None:
    if parent_id is None:
        return None
    parent = await repository.get_unit(session, parent_id)
    if parent is None:
        raise ParentNotFound(f"No administrative unit has id {parent_id}")
    if parent.level not in ALLOWED_PARENT_LEVELS[level]:
        raise ParentLevelMismatch(f"A {level.value} cannot belong to a {parent.level.value}")
    if not Interval(valid_from, valid_to).within(Interval.of(parent)):
        raise OutsideParentValidity(
            f"{parent.name} is valid from {parent.valid_from or 'the beginning'} to {parent.valid_to or 'now'}; "
            "the unit's interval must lie within it"
        )
    return parent


async def create_unit(
    session: AsyncSession, audit: AuditTrail, principal: Principal, data: AdministrativeUnitCreate
) -> AdministrativeUnit:
    parent = await _parent_for(session, data.level, data.parent_id, data.valid_from, data.valid_to)
    check_unit_province(principal, parent.province_code if parent else data.code)
    await _check_code_free(session, data.code, data.valid_from, data.valid_to)
    unit = AdministrativeUnit(
        code=data.code,
        name=data.name,
        short_name=data.short_name or short_name_of(data.name, data.kind),
        kind=data.kind,
        level=data.level,
        parent_id=data.parent_id,
        province_code=parent.province_code if parent else data.code,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        search_key=search_key(data.name),
    )
    session.add(unit)
    await session.flush()
    await audit.record(session, principal, entity_type=ENTITY_UNIT, entity_id=unit.id, action="create", after=unit_snapshot(unit))
    return unit


async def update_unit(
    session: AsyncSession, audit: AuditTrail, principal: Principal, unit: AdministrativeUnit, changes: AdministrativeUnitUpdate
) -> AdministrativeUnit:
    check_unit_province(principal, unit.province_code)
    before = unit_snapshot(unit)
    fields = changes.model_dump(exclude_unset=True)
    valid_from = fields.get("valid_from", unit.valid_from)
    valid_to = fields.get("valid_to", unit.valid_to)
    if not Interval(valid_from, valid_to).in_order:
        raise Conflict("valid_to would be before valid_from", code="invalid_interval")
    parent_id = fields.get("parent_id", unit.parent_id)
    parent = await _parent_for(session, unit.level, parent_id, valid_from, valid_to)
    if (valid_from, valid_to) != (unit.valid_from, unit.valid_to):
        await _check_code_free(session, unit.code, valid_from, valid_to, excluding=unit.id)
        stranded_agencies = await agency_repository.agencies_outside(session, unit.id, valid_from, valid_to)
        if stranded_agencies:
            raise OutsideParentValidity(
                f"{len(stranded_agencies)} or more agencies of {unit.name} would outlive it, "
                f"e.g. {stranded_agencies[0].name}; change them first",
                code="agencies_outside_validity",
            )
        stranded = await repository.children_outside(session, unit.id, valid_from, valid_to)
        if stranded:
            raise OutsideParentValidity(
                f"{len(stranded)} or more units under {unit.name} would be valid outside its new interval, "
                f"e.g. {stranded[0].name}; change them first",
                code="children_outside_validity",
            )
    for name, value in fields.items():
        setattr(unit, name, value)
    if "name" in fields:
        unit.search_key = search_key(unit.name)
        if "short_name" not in fields:
            unit.short_name = short_name_of(unit.name, unit.kind)
    if parent is not None:
        unit.province_code = parent.province_code
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_UNIT, entity_id=unit.id, action="update", before=before, after=unit_snapshot(unit)
    )
    return unit


async def delete_unit(session: AsyncSession, audit: AuditTrail, principal: Principal, unit: AdministrativeUnit) -> None:
    """Remove a unit recorded by mistake; one with history (children, changes) stays."""
    check_unit_province(principal, unit.province_code)
    if await repository.is_referenced(session, unit.id):
        raise UnitInUse(f"{unit.name} has units under it or takes part in a change; end its validity instead")
    before = unit_snapshot(unit)
    await repository.delete_unit(session, unit)
    await audit.record(session, principal, entity_type=ENTITY_UNIT, entity_id=unit.id, action="delete", before=before)


async def create_change(session: AsyncSession, audit: AuditTrail, principal: Principal, data: UnitChangeCreate) -> UnitChange:
    units = await repository.get_units(session, [*data.source_unit_ids, *data.result_unit_ids])
    missing = [str(u) for u in [*data.source_unit_ids, *data.result_unit_ids] if u not in units]
    if missing:
        raise ChangeUnitsNotFound(f"Unknown unit ids: {', '.join(missing)}", unit_ids=missing)
    for unit in units.values():
        check_unit_province(principal, unit.province_code)
    day_before = data.effective_date - timedelta(days=1)
    problems = [
        f"{units[u].name} ({units[u].code}) is valid to {units[u].valid_to or 'now'}, not {day_before}"
        for u in data.source_unit_ids
        if units[u].valid_to != day_before
    ] + [
        f"{units[u].name} ({units[u].code}) is valid from {units[u].valid_from or 'the beginning'}, not {data.effective_date}"
        for u in data.result_unit_ids
        if units[u].valid_from != data.effective_date
    ]
    if problems:
        raise ChangeDatesInconsistent("; ".join(problems), problems=problems)
    first = units[(data.result_unit_ids or data.source_unit_ids)[0]]
    change = UnitChange(
        kind=data.kind,
        effective_date=data.effective_date,
        legal_basis=data.legal_basis,
        province_code=first.province_code,
        note=data.note,
    )
    await repository.add_change(session, change, data.source_unit_ids, data.result_unit_ids)
    [after] = await change_snapshots(session, [change_columns(change)])
    await audit.record(session, principal, entity_type=ENTITY_CHANGE, entity_id=change.id, action="create", after=after)
    return change


async def change_snapshots(session: AsyncSession, rows: Sequence[Mapping[Any, Any]]) -> list[dict[str, Any]]:
    """Changes (as column mappings) as the audit trail records them: as the API shows them, with their units' ids."""
    return [
        {
            **described.model_dump(mode="json"),
            "source_unit_ids": [str(u.id) for u in described.sources],
            "result_unit_ids": [str(u.id) for u in described.results],
        }
        for described in await describe_changes(session, rows)
    ]


async def describe_changes(session: AsyncSession, rows: Sequence[Mapping[Any, Any]]) -> list[UnitChangeOut]:
    """Changes (as column mappings) with their source and result units, for the API."""
    members = await repository.change_members(session, [row["id"] for row in rows])
    return [
        UnitChangeOut.model_validate(
            {
                **row,
                "sources": [UnitRef.model_validate(u) for u in members[row["id"]][LinkRole.SOURCE]],
                "results": [UnitRef.model_validate(u) for u in members[row["id"]][LinkRole.RESULT]],
            }
        )
        for row in rows
    ]


async def list_changes(
    session: AsyncSession, filters: repository.ChangeFilter, *, limit: int, cursor: str | None
) -> Page[UnitChangeOut]:
    """One page of the changes matching ``filters``, by effective date, with their units."""
    rows, next_cursor = await repository.page_of_changes(session, filters, limit=limit, cursor=cursor)
    return Page[UnitChangeOut](items=await describe_changes(session, rows), next=next_cursor)


def change_columns(change: UnitChange) -> dict[str, Any]:
    return {column.key: getattr(change, column.key) for column in UnitChange.__table__.columns}


async def get_change(session: AsyncSession, change_id: uuid.UUID) -> UnitChangeOut:
    change = await repository.get_change(session, change_id)
    if change is None:
        raise ChangeNotFound(f"No unit change has id {change_id}")
    return (await describe_changes(session, [change_columns(change)]))[0]


async def lineage(session: AsyncSession, unit: AdministrativeUnit) -> Lineage:
    """Predecessors and successors, transitively; each unit once, at its nearest depth."""

    async def walk(backwards: bool) -> list[LineageStep]:
        steps: list[LineageStep] = []
        seen = {unit.id}
        frontier = [unit.id]
        depth = 0
        while frontier:
            depth += 1
            next_frontier: list[uuid.UUID] = []
            for edge in await repository.lineage_edges(session, frontier, backwards=backwards):
                if edge.to_unit.id in seen:
                    continue
                seen.add(edge.to_unit.id)
                next_frontier.append(edge.to_unit.id)
                steps.append(
                    LineageStep(
                        unit=UnitRef.model_validate(edge.to_unit),
                        change=ChangeRef(
                            id=edge.change.id,
                            kind=edge.change.kind,
                            effective_date=edge.change.effective_date,
                            legal_basis=edge.change.legal_basis,
                        ),
                        depth=depth,
                    )
                )
            frontier = next_frontier
        return steps

    return Lineage(unit=UnitRef.model_validate(unit), predecessors=await walk(True), successors=await walk(False))


async def get_correction(session: AsyncSession, correction_id: uuid.UUID) -> UnitCorrection:
    correction = await repository.get_correction(session, correction_id)
    if correction is None:
        raise CorrectionNotFound(f"No unit correction has id {correction_id}")
    return UnitCorrection.model_validate(correction)


async def corrections(session: AsyncSession, unit: AdministrativeUnit) -> list[UnitCorrection]:
    """Where the official list replaced the reference package's code or name of ``unit``."""
    return [UnitCorrection.model_validate(c) for c in await repository.corrections_of(session, unit.id)]
