"""Opening a dossier and moving it on: what a workflow's service calls in its own transaction.

A workflow that is a procedure calls :func:`open_dossier` when its record is received under a
procedure (the intake block of its request), then :func:`advance` at each status change of the
record; both write in the caller's session and transaction, audit the dossier through the
service's trail (so the change feed carries it), and queue the new step for the one-stop push.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import ColumnElement, RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import AuditTrail
from ..auth import Principal
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import utcnow
from ..workdays import MAX_WORKING_DAYS, VIETNAM, WorkingCalendar, local_date
from . import repository
from .schemas import (
    ProcedureDossier,
    ProcedureDossierItem,
    ProcedureDossierStep,
    ProcedureDossierSummary,
    ProcedureIntake,
    ProcedureStats,
    ProcedureStatsRow,
    ProcedureStepCreate,
)
from .status import FINISHED, MOVES, ProcedureStatus, PushStatus
from .tables import ProcedureTables

ENTITY_TYPE = "procedure_dossier"
"""The audit log's and the change feed's name for a dossier."""


class ProcedureFacts(BaseModel):
    """What org-structure's catalogue says of a procedure on a date (``GET /api/v1/org/procedures/{code}?as_of=``)."""

    code: str
    name: str
    sector: str
    level: str
    processing_days: int
    agency_in_charge: str | None = None


class ProcedureCatalogue(Protocol):
    """Reads org-structure's catalogue: the facts of ``code`` in force on ``as_of``, None when it has none."""

    async def procedure(self, code: str, as_of: date) -> ProcedureFacts | None: ...


class ProcedureNotFound(Conflict):
    code = "procedure_not_found"


class DossierCodeTaken(Conflict):
    code = "dossier_code_taken"


class StepNotAllowed(Conflict):
    code = "procedure_step_not_allowed"


class DossierChanged(Conflict):
    code = "procedure_dossier_changed"


class MomentInFuture(ValidationFailed):
    code = "procedure_moment_in_future"


class StepBeforePrevious(ValidationFailed):
    code = "procedure_step_before_previous"


def today() -> date:
    """Today's Vietnamese local date."""
    return local_date(utcnow())


def start_of_next_local_day(day: date) -> datetime:
    """The UTC moment the Vietnamese local day after ``day`` begins (a bound for "on or before ``day``")."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=VIETNAM).astimezone(UTC)


def is_overdue(due_date: date, finished_at: datetime | None, on: date) -> bool:
    """Finished (local date) after its due date, or not finished and ``on`` after it."""
    if finished_at is not None:
        return local_date(finished_at) > due_date
    return on > due_date


def due_date_from(day: date, processing_days: int, overrides: Mapping[date, bool] | None) -> date:
    """``processing_days`` working days after ``day``, on the calendar with the administrator's overrides."""
    # NOTE: a catalogue entry longer than the calendar's bound is clamped rather than refused: the
    # dossier was received, and a year of working days is beyond any statutory processing time.
    return WorkingCalendar(overrides).add_working_days(day, min(max(processing_days, 0), MAX_WORKING_DAYS))


def item_of(row: RowMapping, on: date | None = None) -> ProcedureDossierItem:
    """A dossier row as a list shows it, with its overdue flag on ``on`` (default: today)."""
    overdue = is_overdue(row["due_date"], row["finished_at"], on or today())
    return ProcedureDossierItem.model_validate({**row, "overdue": overdue})


async def read_dossier(session: AsyncSession, tables: ProcedureTables, row: RowMapping) -> ProcedureDossier:
    """The dossier of ``row`` with its steps, as its GET shows it."""
    steps = [ProcedureDossierStep.model_validate(dict(step)) for step in await repository.steps_of(session, tables, row["id"])]
    return ProcedureDossier(**item_of(row).model_dump(), steps=steps)


def summary_of(dossier: ProcedureDossierItem) -> ProcedureDossierSummary:
    return ProcedureDossierSummary.model_validate(dossier.model_dump())


def _snapshot(dossier: ProcedureDossier) -> dict[str, Any]:
    return dossier.model_dump(mode="json")


def _not_in_future(moment: datetime, now: datetime, what: str) -> None:
    if moment > now:
        raise MomentInFuture(f"{what} ({moment.isoformat()}) is in the future")


def _step_values(
    dossier_id: uuid.UUID,
    position: int,
    status: ProcedureStatus,
    *,
    occurred_at: datetime,
    due_date: date,
    note: str | None,
    principal: Principal,
) -> dict[str, Any]:
    """A new step, queued for the one-stop push."""
    return {
        "id": uuid.uuid4(),
        "dossier_id": dossier_id,
        "position": position,
        "status": status.value,
        "occurred_at": occurred_at,
        "due_date": due_date,
        "note": note,
        "actor": principal.username,
        "actor_role": principal.role.value,
        "push_status": PushStatus.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": None,
    }


async def open_dossier(
    session: AsyncSession,
    tables: ProcedureTables,
    *,
    intake: ProcedureIntake,
    subject_kind: str,
    subject_id: uuid.UUID | None,
    province_code: str,
    commune_code: str | None,
    agency_id: uuid.UUID | None,
    trail: AuditTrail,
    principal: Principal,
    catalogue: ProcedureCatalogue,
    overrides: Mapping[date, bool] | None = None,
) -> ProcedureDossierSummary:
    """Record the dossier and its ``received`` step; 409 ``procedure_not_found`` or ``dossier_code_taken``."""
    dossier = await create_dossier(
        session,
        tables,
        intake=intake,
        subject_kind=subject_kind,
        subject_id=subject_id,
        province_code=province_code,
        commune_code=commune_code,
        agency_id=agency_id,
        trail=trail,
        principal=principal,
        catalogue=catalogue,
        overrides=overrides,
    )
    return summary_of(dossier)


async def create_dossier(
    session: AsyncSession,
    tables: ProcedureTables,
    *,
    intake: ProcedureIntake,
    subject_kind: str,
    subject_id: uuid.UUID | None,
    province_code: str,
    commune_code: str | None,
    agency_id: uuid.UUID | None,
    trail: AuditTrail,
    principal: Principal,
    catalogue: ProcedureCatalogue,
    overrides: Mapping[date, bool] | None = None,
) -> ProcedureDossier:
    """:func:`open_dossier`, answering the whole dossier (what ``POST /procedure-dossiers`` shows)."""
    now = utcnow()
    received_at = intake.received_at or now
    _not_in_future(received_at, now, "received_at")
    received_on = local_date(received_at)
    facts = await catalogue.procedure(intake.procedure_code, received_on)
    if facts is None:
        raise ProcedureNotFound(
            f"Procedure {intake.procedure_code} is not in org-structure's catalogue on {received_on.isoformat()}"
        )
    if await repository.dossier_code_taken(session, tables, province_code, intake.dossier_code):
        raise DossierCodeTaken(f"Province {province_code} already has a dossier {intake.dossier_code}")
    due_date = due_date_from(received_on, facts.processing_days, overrides)
    dossier_id = uuid.uuid4()
    await repository.insert_dossier(
        session,
        tables,
        {
            "id": dossier_id,
            "dossier_code": intake.dossier_code,
            "procedure_code": intake.procedure_code,
            "procedure_name": facts.name,
            "sector": facts.sector,
            "level": facts.level,
            "processing_days": facts.processing_days,
            "subject_kind": subject_kind,
            "subject_id": subject_id,
            "applicant": intake.applicant,
            "province_code": province_code,
            "commune_code": commune_code,
            "agency_id": agency_id,
            "received_at": received_at,
            "due_date": due_date,
            "status": ProcedureStatus.RECEIVED.value,
            "status_at": received_at,
            "finished_at": None,
            "created_by": principal.username,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        },
    )
    await repository.insert_step(
        session,
        tables,
        _step_values(
            dossier_id,
            1,
            ProcedureStatus.RECEIVED,
            occurred_at=received_at,
            due_date=due_date,
            note=None,
            principal=principal,
        ),
    )
    dossier = await _reread(session, tables, dossier_id)
    await trail.record(
        session, principal, entity_type=ENTITY_TYPE, entity_id=dossier_id, action="create", after=_snapshot(dossier)
    )
    return dossier


async def advance(
    session: AsyncSession,
    tables: ProcedureTables,
    *,
    subject_kind: str,
    subject_id: uuid.UUID,
    status: ProcedureStatus,
    trail: AuditTrail,
    principal: Principal,
    note: str | None = None,
    at: datetime | None = None,
    overrides: Mapping[date, bool] | None = None,
    unless_finished: bool = False,
) -> ProcedureDossierSummary | None:
    """Append a step to the dossier of the workflow record (None when the record has no dossier).

    With ``unless_finished``, a finished dossier is answered as it is instead of refusing the step.
    """
    row = await repository.dossier_of_subject(session, tables, subject_kind, subject_id)
    if row is None:
        return None
    if unless_finished and ProcedureStatus(row["status"]) in FINISHED:
        return summary_of(item_of(row))
    dossier = await append_step(
        session, tables, row, status=status, trail=trail, principal=principal, note=note, at=at, overrides=overrides
    )
    return summary_of(dossier)


async def append_step(
    session: AsyncSession,
    tables: ProcedureTables,
    row: RowMapping,
    *,
    status: ProcedureStatus,
    trail: AuditTrail,
    principal: Principal,
    note: str | None = None,
    at: datetime | None = None,
    overrides: Mapping[date, bool] | None = None,
) -> ProcedureDossier:
    """Move the dossier of ``row`` to ``status`` (409 ``procedure_step_not_allowed`` unless :data:`MOVES` allows it)."""
    current = ProcedureStatus(row["status"])
    if status not in MOVES[current]:
        allowed = ", ".join(sorted(MOVES[current])) or "none (it is finished)"
        raise StepNotAllowed(
            f"A dossier {current.value} cannot move to {status.value}; allowed: {allowed}",
            current_status=current.value,
        )
    now = utcnow()
    occurred_at = at or now
    _not_in_future(occurred_at, now, "The step's time")
    if occurred_at < row["status_at"]:
        raise StepBeforePrevious(
            f"The step's time {occurred_at.isoformat()} is before the dossier's last step ({row['status_at'].isoformat()})"
        )
    due_date: date = row["due_date"]
    if current is ProcedureStatus.SUPPLEMENT_REQUESTED and status is ProcedureStatus.IN_PROCESS:
        # NOTE: provisional (README): the supplemented dossier counts as received again on the day
        # it arrived, so the processing time restarts from that day (Decree 61/2018, art. 16-17).
        due_date = due_date_from(local_date(occurred_at), row["processing_days"], overrides)
    before = await read_dossier(session, tables, row)
    changed = await repository.update_dossier(
        session,
        tables,
        row["id"],
        row["version"],
        {
            "status": status.value,
            "status_at": occurred_at,
            "due_date": due_date,
            "finished_at": occurred_at if status in FINISHED else None,
            "updated_at": now,
        },
    )
    if not changed:
        raise DossierChanged("The dossier changed while this step was written; read it again and retry")
    position = await repository.last_position(session, tables, row["id"]) + 1
    await repository.insert_step(
        session,
        tables,
        _step_values(row["id"], position, status, occurred_at=occurred_at, due_date=due_date, note=note, principal=principal),
    )
    after = await _reread(session, tables, row["id"])
    await trail.record(
        session,
        principal,
        entity_type=ENTITY_TYPE,
        entity_id=row["id"],
        action="update",
        before=_snapshot(before),
        after=_snapshot(after),
    )
    return after


async def _reread(session: AsyncSession, tables: ProcedureTables, dossier_id: uuid.UUID) -> ProcedureDossier:
    row = await repository.dossier_by_id(session, tables, dossier_id)
    if row is None:  # pragma: no cover - written in this transaction
        raise RuntimeError(f"dossier {dossier_id} vanished in its own transaction")
    return await read_dossier(session, tables, row)


# --- what the routes ask ------------------------------------------------------------------------


class DossierNotFound(NotFound):
    code = "procedure_dossier_not_found"


class StepDrivenByWorkflow(Conflict):
    code = "procedure_step_driven_by_workflow"


class SubjectKindNotAllowed(ValidationFailed):
    code = "procedure_subject_kind_not_allowed"


BY_HAND_FOR_WORKFLOW_RECORDS = frozenset({ProcedureStatus.IN_PROCESS, ProcedureStatus.SUPPLEMENT_REQUESTED})
"""The steps taken by hand on a dossier of a workflow record: its other steps (its end) come from the record."""


async def get_row(session: AsyncSession, tables: ProcedureTables, dossier_id: uuid.UUID) -> RowMapping:
    row = await repository.dossier_by_id(session, tables, dossier_id)
    if row is None:
        raise DossierNotFound(f"No procedure dossier has id {dossier_id}")
    return row


async def step_by_hand(
    session: AsyncSession,
    tables: ProcedureTables,
    row: RowMapping,
    step: ProcedureStepCreate,
    *,
    trail: AuditTrail,
    principal: Principal,
    overrides: Mapping[date, bool] | None,
) -> ProcedureDossier:
    """A step sent to ``POST /procedure-dossiers/{id}/steps`` (409 ``procedure_step_driven_by_workflow``)."""
    if row["subject_id"] is not None and step.status not in BY_HAND_FOR_WORKFLOW_RECORDS:
        raise StepDrivenByWorkflow(
            f"This dossier is a {row['subject_kind']} record's: it becomes {step.status.value} when the record does",
            subject_kind=row["subject_kind"],
            subject_id=str(row["subject_id"]),
        )
    return await append_step(
        session,
        tables,
        row,
        status=step.status,
        trail=trail,
        principal=principal,
        note=step.note,
        at=step.at,
        overrides=overrides,
    )


async def page_dossiers(
    session: AsyncSession,
    tables: ProcedureTables,
    visible: ColumnElement[bool],
    filters: repository.DossierFilter,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    return await repository.page_dossiers(session, tables, visible, filters, today=today(), limit=limit, cursor=cursor)


async def stats(
    session: AsyncSession,
    tables: ProcedureTables,
    visible: ColumnElement[bool],
    *,
    as_of: date,
    province_code: str | None,
    commune_code: str | None,
) -> ProcedureStats:
    """The counts by procedure and commune on ``as_of`` (received on or before it, local dates)."""
    rows, truncated = await repository.stats(
        session,
        tables,
        visible,
        as_of=as_of,
        received_before=start_of_next_local_day(as_of),
        province_code=province_code,
        commune_code=commune_code,
    )
    return ProcedureStats(
        as_of=as_of,
        rows=[ProcedureStatsRow.model_validate({**row, "open": row["received"] - row["finished"]}) for row in rows],
        truncated=truncated,
    )


async def page_exchanges(
    session: AsyncSession,
    tables: ProcedureTables,
    *,
    operation: str | None,
    outcome: str | None,
    started_from: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    return await repository.page_exchanges(
        session, tables, operation=operation, outcome=outcome, started_from=started_from, limit=limit, cursor=cursor
    )
