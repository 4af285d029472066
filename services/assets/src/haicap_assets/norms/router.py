"""HTTP routes of car norms."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.db import DbSession
from haicap_shared.errors import problem_responses
from haicap_shared.versioning import etag_response

from . import service
from .access import AdminWrite, RecordsRead
from .schemas import CarNorm, CarNormCreate

router = APIRouter(tags=["norms"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))


@router.get("/car-norms", response_model=list[CarNorm])
async def list_car_norms(session: DbSession, _principal: RecordsRead) -> list[CarNorm]:
    """Every car norm with its validity and the cap of each kind of car, oldest first."""
    return await service.list_norms(session)


@router.post("/car-norms", status_code=201, response_model=CarNorm, responses=problem_responses(service.NormDateInvalid))
async def create_car_norm(payload: CarNormCreate, session: DbSession, audit: Audit, principal: AdminWrite) -> CarNorm:
    """Record a norm that replaces the one in force from its first day, with its kinds' caps (admins)."""
    norm = await service.create_norm(session, audit, principal, payload)
    return (await service.describe(session, [norm]))[0]


@router.get("/car-norms/{norm_id}", response_model=CarNorm, responses=problem_responses(service.NormNotFound))
async def get_car_norm(
    norm_id: Annotated[uuid.UUID, Path(description="The norm's internal id")], session: DbSession, _principal: RecordsRead
) -> JSONResponse:
    """One car norm with its validity and the cap of each kind of car, with its ETag."""
    return etag_response(await service.get_norm(session, norm_id))
