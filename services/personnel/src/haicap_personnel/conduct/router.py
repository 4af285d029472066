"""HTTP routes of evaluations, commendations and discipline."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.import_runs import ImportRejected
from haicap_shared.imports import IMPORT_PROBLEMS, IMPORT_REQUEST_BODY, ImportUpload
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.procedures.service import DossierChanged
from haicap_shared.procedures.workflow import PROPOSAL_PROBLEMS
from haicap_shared.tabular import ImportReport
from haicap_shared.values import IsoDate
from haicap_shared.versioning import IfMatch, etag_response

from ..codelists.service import UnknownCode
from ..common import COMMON_PROBLEMS, CommuneCodeQuery, ProvinceCodeQuery
from . import service
from .access import RecordsRead, RecordsWrite
from .models import Grade
from .schemas import (
    Commendation,
    CommendationCreate,
    CommendationUpdate,
    Discipline,
    DisciplineCreate,
    DisciplineUpdate,
    Evaluation,
    EvaluationCreate,
    EvaluationUpdate,
    FormCode,
    Year,
)

router = APIRouter(tags=["conduct"], responses=COMMON_PROBLEMS)

EvaluationId = Annotated[uuid.UUID, Path(description="The evaluation's internal id")]
CommendationId = Annotated[uuid.UUID, Path(description="The commendation's internal id")]
DisciplineId = Annotated[uuid.UUID, Path(description="The discipline's internal id")]
YearQuery = Annotated[Year | None, Query(description="The year evaluated")]
FormQuery = Annotated[FormCode | None, Query(description="The form's code")]
WRITE_PROBLEMS = (PreconditionFailed, PreconditionRequired)


# --- evaluations --------------------------------------------------------------------------


@router.get("/evaluations", response_model=Page[Evaluation], responses=problem_responses(BadRequest))
async def list_evaluations(
    session: DbSession,
    principal: RecordsRead,
    province: ProvinceCodeQuery = None,
    commune: CommuneCodeQuery = None,
    agency_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    year: YearQuery = None,
    grade: Grade | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[Evaluation]:
    """List the yearly evaluations in your area, by year."""
    return await service.list_evaluations(
        session,
        principal,
        province=province,
        commune=commune,
        agency_id=agency_id,
        person_id=person_id,
        year=year,
        grade=grade,
        limit=limit,
        cursor=cursor,
    )


@router.post(
    "/evaluations",
    status_code=201,
    response_model=Evaluation,
    responses=problem_responses(
        service.PersonMissing,
        service.EvaluationExists,
        service.EvaluationInFuture,
        service.EvaluationDateOutsideYear,
        IdempotencyKeyReused,
    ),
)
async def create_evaluation(
    payload: EvaluationCreate, session: DbSession, audit: Audit, principal: RecordsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a person's evaluation and classification for a year (one per person and year)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    evaluation = Evaluation.model_validate(await service.create_evaluation(session, audit, principal, payload))
    return await idempotency.created(evaluation, location=f"evaluations/{evaluation.id}")


@router.post(
    "/evaluations/imports",
    status_code=201,
    response_model=ImportReport,
    responses=problem_responses(ImportRejected, *IMPORT_PROBLEMS),
    openapi_extra=IMPORT_REQUEST_BODY,
)
async def import_evaluations_file(
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
    upload: ImportUpload,
    partial: Annotated[bool, Query(description="Write the good rows even if some have problems")] = False,
) -> ImportReport:
    """Import evaluations from CSV or XLSX (national id, year, grade...); nothing written unless every row passes (or partial)."""
    return await service.import_evaluations(session, audit, principal, upload, partial=partial)


@router.get("/evaluations/{evaluation_id}", response_model=Evaluation, responses=problem_responses(service.EvaluationNotFound))
async def get_evaluation(evaluation_id: EvaluationId, session: DbSession, principal: RecordsRead) -> JSONResponse:
    """One evaluation, with its ETag."""
    return etag_response(Evaluation.model_validate(await service.get_evaluation(session, principal, evaluation_id)))


@router.patch(
    "/evaluations/{evaluation_id}",
    response_model=Evaluation,
    responses=problem_responses(
        service.EvaluationNotFound, service.EvaluationInFuture, service.EvaluationDateOutsideYear, *WRITE_PROBLEMS
    ),
)
async def update_evaluation(
    evaluation_id: EvaluationId,
    payload: EvaluationUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
) -> JSONResponse:
    """Change an evaluation's grade, evaluator, date or note (history in the audit log). Requires If-Match."""
    evaluation = await service.get_evaluation(session, principal, evaluation_id)
    if_match.check(evaluation.version)
    changed = await service.update_evaluation(session, audit, principal, evaluation, payload)
    return etag_response(Evaluation.model_validate(changed))


# --- commendations ------------------------------------------------------------------------


@router.get("/commendations", response_model=Page[Commendation], responses=problem_responses(BadRequest))
async def list_commendations(
    session: DbSession,
    principal: RecordsRead,
    province: ProvinceCodeQuery = None,
    commune: CommuneCodeQuery = None,
    agency_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    form_code: FormQuery = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[Commendation]:
    """List the commendations in your area, by decision date."""
    return await service.list_commendations(
        session,
        principal,
        province=province,
        commune=commune,
        agency_id=agency_id,
        person_id=person_id,
        form_code=form_code,
        limit=limit,
        cursor=cursor,
    )


@router.post(
    "/commendations",
    status_code=201,
    response_model=Commendation,
    responses=problem_responses(
        service.PersonMissing, UnknownCode, service.DecisionInFuture, *PROPOSAL_PROBLEMS, DossierChanged, IdempotencyKeyReused
    ),
)
async def create_commendation(
    payload: CommendationCreate, session: DbSession, audit: Audit, principal: RecordsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a commendation of a person of your area, with its form and decision (finishing its proposal's dossier)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    record = await service.commendation_view(session, await service.create_commendation(session, audit, principal, payload))
    return await idempotency.created(record, location=f"commendations/{record.id}")


@router.get(
    "/commendations/{commendation_id}", response_model=Commendation, responses=problem_responses(service.CommendationNotFound)
)
async def get_commendation(commendation_id: CommendationId, session: DbSession, principal: RecordsRead) -> JSONResponse:
    """One commendation, with its ETag."""
    return etag_response(
        await service.commendation_view(session, await service.get_commendation(session, principal, commendation_id))
    )


@router.patch(
    "/commendations/{commendation_id}",
    response_model=Commendation,
    responses=problem_responses(service.CommendationNotFound, UnknownCode, service.DecisionInFuture, *WRITE_PROBLEMS),
)
async def update_commendation(
    commendation_id: CommendationId,
    payload: CommendationUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
) -> JSONResponse:
    """Change a commendation's form, decision or reason. Requires If-Match."""
    record = await service.get_commendation(session, principal, commendation_id)
    if_match.check(record.version)
    changed = await service.update_commendation(session, audit, principal, record, payload)
    return etag_response(await service.commendation_view(session, changed))


# --- discipline ---------------------------------------------------------------------------

DISCIPLINE_RULES = (
    UnknownCode,
    service.DecisionInFuture,
    service.DisciplineFormNotForCategory,
    service.EffectEndRequired,
    service.EffectEndBeforeStart,
)


@router.get("/disciplines", response_model=Page[Discipline], responses=problem_responses(BadRequest))
async def list_disciplines(
    session: DbSession,
    principal: RecordsRead,
    province: ProvinceCodeQuery = None,
    commune: CommuneCodeQuery = None,
    agency_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    form_code: FormQuery = None,
    in_effect_on: Annotated[IsoDate | None, Query(description="Only those in effect on this day")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[Discipline]:
    """List the disciplines in your area, by the day they took effect."""
    return await service.list_disciplines(
        session,
        principal,
        province=province,
        commune=commune,
        agency_id=agency_id,
        person_id=person_id,
        form_code=form_code,
        in_effect_on=in_effect_on,
        limit=limit,
        cursor=cursor,
    )


@router.post(
    "/disciplines",
    status_code=201,
    response_model=Discipline,
    responses=problem_responses(service.PersonMissing, *DISCIPLINE_RULES, IdempotencyKeyReused),
)
async def create_discipline(
    payload: DisciplineCreate, session: DbSession, audit: Audit, principal: RecordsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a discipline of a person of your area; its end of effect defaults by its form."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    record = service.discipline_out(await service.create_discipline(session, audit, principal, payload))
    return await idempotency.created(record, location=f"disciplines/{record.id}")


@router.get("/disciplines/{discipline_id}", response_model=Discipline, responses=problem_responses(service.DisciplineNotFound))
async def get_discipline(discipline_id: DisciplineId, session: DbSession, principal: RecordsRead) -> JSONResponse:
    """One discipline, with its ETag."""
    return etag_response(service.discipline_out(await service.get_discipline(session, principal, discipline_id)))


@router.patch(
    "/disciplines/{discipline_id}",
    response_model=Discipline,
    responses=problem_responses(service.DisciplineNotFound, *DISCIPLINE_RULES, *WRITE_PROBLEMS),
)
async def update_discipline(
    discipline_id: DisciplineId,
    payload: DisciplineUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
) -> JSONResponse:
    """Change a discipline (a new form or start without an end takes the form's default end). Requires If-Match."""
    record = await service.get_discipline(session, principal, discipline_id)
    if_match.check(record.version)
    changed = await service.update_discipline(session, audit, principal, record, payload)
    return etag_response(service.discipline_out(changed))
