"""HTTP routes of units and unit changes (published at the gateway under ``/api/v1/org``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.codes import ProvinceCode, UnitCode, UnitLevel
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.linked_data import JsonLdWanted, jsonld_responses
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.values import IsoDate
from haicap_shared.versioning import IfMatch, etag_response

from ..linked_data import service as linked_data
from . import repository, service
from .access import UnitsRead, UnitsWrite
from .models import ChangeKind, UnitKind
from .schemas import (
    AdministrativeUnit,
    AdministrativeUnitCreate,
    AdministrativeUnitUpdate,
    Lineage,
    UnitChange,
    UnitChangeCreate,
    UnitCorrection,
    UnitStats,
)

router = APIRouter(tags=["units"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))

AsOf = Annotated[IsoDate | None, Query(description="Only what is in force on this date (YYYY-MM-DD)")]
UnitId = Annotated[uuid.UUID, Path(description="The unit's internal id")]
ProvinceQuery = Annotated[ProvinceCode | None, Query(description="Province code, e.g. `04` for Cao Bằng")]


def _unit_response(unit: object) -> JSONResponse:
    return etag_response(AdministrativeUnit.model_validate(unit))


@router.get("/units", response_model=Page[AdministrativeUnit], responses=problem_responses(BadRequest) | jsonld_responses())
async def list_units(
    session: DbSession,
    _principal: UnitsRead,
    ld: JsonLdWanted,
    level: Annotated[UnitLevel | None, Query(description="province, district or commune")] = None,
    kind: Annotated[UnitKind | None, Query(description="e.g. `xa`, `phuong`, `huyen`")] = None,
    province: ProvinceQuery = None,
    parent_id: Annotated[uuid.UUID | None, Query(description="Units directly under this unit")] = None,
    as_of: AsOf = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Name search, diacritics-insensitive: `thuc phan` finds Thục Phán")
    ] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[AdministrativeUnit] | JSONResponse:
    """List administrative units, ordered by code, filtered and paged."""
    filters = repository.UnitFilter(level=level, kind=kind, province=province, parent_id=parent_id, as_of=as_of, q=q)
    page = await service.list_units(session, filters, limit=limit, cursor=cursor)
    return await linked_data.units_page_document(session, ld, page) if ld.wanted else page


@router.get("/units/stats", response_model=UnitStats)
async def unit_stats(
    session: DbSession,
    _principal: UnitsRead,
    as_of: Annotated[IsoDate, Query(description="Count the units in force on this date")],
    province: ProvinceQuery = None,
) -> UnitStats:
    """Count the units in force on a date, by level and kind (computed in SQL)."""
    return await service.unit_stats(session, as_of, province)


@router.post(
    "/units",
    status_code=201,
    response_model=AdministrativeUnit,
    responses=problem_responses(
        service.UnitCodeOverlap, service.OutsideParentValidity, service.ParentNotFound, IdempotencyKeyReused
    ),
)
async def create_unit(
    payload: AdministrativeUnitCreate, session: DbSession, audit: Audit, principal: UnitsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a unit. Refused when its code is held by another unit on a shared date."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    unit = await service.create_unit(session, audit, principal, payload)
    return await idempotency.created(AdministrativeUnit.model_validate(unit), location=f"units/{unit.id}")


@router.get(
    "/units/by-code/{code}",
    response_model=AdministrativeUnit,
    responses=problem_responses(service.UnitNotFound) | jsonld_responses(),
)
async def get_unit_by_code(
    session: DbSession,
    _principal: UnitsRead,
    ld: JsonLdWanted,
    code: Annotated[UnitCode, Path(description="Official code", examples=["01273"])],
    as_of: Annotated[IsoDate | None, Query(description="The date on which the code is read; today when omitted")] = None,
) -> JSONResponse:
    """The unit holding a code on a date (a code may pass to a successor unit)."""
    unit = await service.unit_by_code(session, code, as_of or date.today())
    return await linked_data.unit_document(session, ld, unit) if ld.wanted else _unit_response(unit)


@router.get(
    "/units/{unit_id}",
    response_model=AdministrativeUnit,
    responses=problem_responses(service.UnitNotFound) | jsonld_responses(),
)
async def get_unit(unit_id: UnitId, session: DbSession, _principal: UnitsRead, ld: JsonLdWanted) -> JSONResponse:
    """One unit by id, with its ETag."""
    unit = await service.get_unit(session, unit_id)
    return await linked_data.unit_document(session, ld, unit) if ld.wanted else _unit_response(unit)


@router.patch(
    "/units/{unit_id}",
    response_model=AdministrativeUnit,
    responses=problem_responses(
        service.UnitNotFound, service.UnitCodeOverlap, service.OutsideParentValidity, PreconditionFailed, PreconditionRequired
    ),
)
async def update_unit(
    unit_id: UnitId,
    payload: AdministrativeUnitUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: UnitsWrite,
) -> JSONResponse:
    """Change a unit's name, parent or validity. Requires If-Match with the last ETag."""
    unit = await service.get_unit(session, unit_id)
    if_match.check(unit.version)
    return _unit_response(await service.update_unit(session, audit, principal, unit, payload))


@router.delete(
    "/units/{unit_id}",
    status_code=204,
    responses=problem_responses(service.UnitNotFound, service.UnitInUse, PreconditionFailed, PreconditionRequired),
)
async def delete_unit(unit_id: UnitId, if_match: IfMatch, session: DbSession, audit: Audit, principal: UnitsWrite) -> Response:
    """Delete a unit recorded by mistake (not one with units under it or changes). Requires If-Match."""
    unit = await service.get_unit(session, unit_id)
    if_match.check(unit.version)
    await service.delete_unit(session, audit, principal, unit)
    return Response(status_code=204)


@router.get(
    "/units/{unit_id}/lineage",
    response_model=Lineage,
    responses=problem_responses(service.UnitNotFound) | jsonld_responses(),
)
async def get_lineage(unit_id: UnitId, session: DbSession, _principal: UnitsRead, ld: JsonLdWanted) -> Lineage | JSONResponse:
    """What the unit came from and what it became, transitively, with dates and legal basis."""
    lineage = await service.lineage(session, await service.get_unit(session, unit_id))
    return await linked_data.lineage_document(session, ld, lineage) if ld.wanted else lineage


@router.get(
    "/units/{unit_id}/corrections", response_model=list[UnitCorrection], responses=problem_responses(service.UnitNotFound)
)
async def get_corrections(unit_id: UnitId, session: DbSession, _principal: UnitsRead) -> list[UnitCorrection]:
    """Where the official list replaced the reference package's code or name of the unit, with date and source."""
    return await service.corrections(session, await service.get_unit(session, unit_id))


@router.get(
    "/unit-corrections/{correction_id}",
    response_model=UnitCorrection,
    responses=problem_responses(service.CorrectionNotFound),
)
async def get_unit_correction(
    correction_id: Annotated[uuid.UUID, Path(description="The correction's id")], session: DbSession, _principal: UnitsRead
) -> UnitCorrection:
    """One official correction of a unit's code or name (as its change event names it)."""
    return await service.get_correction(session, correction_id)


@router.get("/unit-changes", response_model=Page[UnitChange], responses=problem_responses(BadRequest) | jsonld_responses())
async def list_unit_changes(
    session: DbSession,
    _principal: UnitsRead,
    ld: JsonLdWanted,
    province: ProvinceQuery = None,
    kind: Annotated[ChangeKind | None, Query()] = None,
    unit_id: Annotated[uuid.UUID | None, Query(description="Changes this unit took part in")] = None,
    effective_from: Annotated[IsoDate | None, Query(description="Effective on or after")] = None,
    effective_to: Annotated[IsoDate | None, Query(description="Effective on or before")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[UnitChange] | JSONResponse:
    """List reorganisations, ordered by effective date."""
    filters = repository.ChangeFilter(
        province=province, kind=kind, unit_id=unit_id, effective_from=effective_from, effective_to=effective_to
    )
    page = await service.list_changes(session, filters, limit=limit, cursor=cursor)
    return linked_data.changes_page_document(ld, page) if ld.wanted else page


@router.post(
    "/unit-changes",
    status_code=201,
    response_model=UnitChange,
    responses=problem_responses(service.ChangeUnitsNotFound, service.ChangeDatesInconsistent, IdempotencyKeyReused),
)
async def create_unit_change(
    payload: UnitChangeCreate, session: DbSession, audit: Audit, principal: UnitsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a reorganisation between existing units (the dates must line up)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    change = await service.create_change(session, audit, principal, payload)
    return await idempotency.created(await service.get_change(session, change.id), location=f"unit-changes/{change.id}")


@router.get(
    "/unit-changes/{change_id}",
    response_model=UnitChange,
    responses=problem_responses(service.ChangeNotFound) | jsonld_responses(),
)
async def get_unit_change(change_id: uuid.UUID, session: DbSession, _principal: UnitsRead, ld: JsonLdWanted) -> JSONResponse:
    """One reorganisation with its former and resulting units."""
    change = await service.get_change(session, change_id)
    return linked_data.change_document(ld, change) if ld.wanted else etag_response(change)
