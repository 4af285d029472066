"""The rules of job positions and their approval."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.models import utcnow
from haicap_shared.paging import Page, page_of
from haicap_shared.procedures.service import ProcedureCatalogue
from haicap_shared.procedures.status import ProcedureStatus
from haicap_shared.text import search_key

from ..agency_ref import fetch_agency
from ..codelists import service as codelist_service
from ..codelists.models import CodeListName
from ..org_client import OrgDirectory
from ..workflow_dossiers import DOSSIERS, POSITION
from . import repository
from .access import check_position, positions_visible
from .approval import WORKFLOW, check_step_role
from .models import JobPosition, PositionEvent, PositionStatus
from .schemas import JobPosition as PositionOut
from .schemas import PositionAction, PositionCreate, PositionFilter, PositionTransition, PositionUpdate
from .schemas import PositionEvent as PositionEventOut

ENTITY_POSITION = "job_position"
GRADE_LISTS = (CodeListName.CIVIL_SERVICE_GRADE, CodeListName.PROFESSIONAL_TITLE)
EDITABLE = frozenset({PositionStatus.DRAFTING, PositionStatus.RETURNED})
DOSSIER_STEPS = {
    PositionAction.APPRAISE: ProcedureStatus.IN_PROCESS,
    PositionAction.APPROVE: ProcedureStatus.DONE,
    PositionAction.RETURN: ProcedureStatus.RETURNED,
}
"""The step of its dossier each approval step makes (a submission with a procedure opens one, ``received``)."""


class PositionNotFound(NotFound):
    code, title = "position_not_found", "No such job position"


class PositionNotEditable(Conflict):
    code, title = "position_not_editable", "Only a drafting or returned position can be changed"


class TransitionNotAllowed(Conflict):
    code, title = "transition_not_allowed", "The position is not at a status this step starts from"


def _fields(values: list[str]) -> list[str]:
    return [v.strip() for v in values if v.strip()]


async def _grade_name(session: AsyncSession, code: str | None) -> str | None:
    """The name of a grade or title code valid today; 422 ``unknown_code`` when it is in neither list."""
    if code is None:
        return None
    # NOTE: a position has no validity of its own: its grade is checked on the day it is written.
    return (await codelist_service.check_code_in(session, GRADE_LISTS, code, codelist_service.local_today()))[1]


async def get_position(session: AsyncSession, principal: Principal, position_id: uuid.UUID) -> JobPosition:
    position = await repository.get_position(session, position_id)
    if position is None:
        raise PositionNotFound(f"No job position has id {position_id}")
    check_position(principal, position)
    return position


async def list_positions(
    session: AsyncSession, principal: Principal, filters: PositionFilter, *, limit: int, cursor: str | None
) -> Page[PositionOut]:
    """One page of the positions in the caller's area, by title."""
    rows, next_cursor = await repository.page_positions(
        session, positions_visible(principal), filters, limit=limit, cursor=cursor
    )
    page = page_of(PositionOut, rows, next_cursor)
    await DOSSIERS.with_summaries(session, POSITION, page.items)
    return page


async def position_out(session: AsyncSession, position: JobPosition) -> PositionOut:
    """The position as its responses show it, with the summary of its dossier."""
    return await DOSSIERS.shown(session, POSITION, position, PositionOut)


async def history(
    session: AsyncSession, principal: Principal, position_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[PositionEventOut]:
    """One page of the approval steps of a position of the caller's area, oldest first."""
    await get_position(session, principal, position_id)
    rows, next_cursor = await repository.page_events(session, position_id, limit=limit, cursor=cursor)
    return page_of(PositionEventOut, rows, next_cursor)


async def _event(
    session: AsyncSession,
    principal: Principal,
    position: JobPosition,
    action: str,
    from_status: PositionStatus,
    reason: str | None = None,
) -> None:
    session.add(
        PositionEvent(
            position_id=position.id,
            occurred_at=utcnow(),
            actor=principal.username,
            actor_role=principal.role.value,
            action=action,
            from_status=from_status,
            to_status=position.status,
            reason=reason,
        )
    )
    await session.flush()


async def create_position(
    session: AsyncSession, audit: AuditTrail, org: OrgDirectory, principal: Principal, data: PositionCreate
) -> JobPosition:
    agency = await fetch_agency(org, principal, data.agency_id)
    grade_name = await _grade_name(session, data.grade_code)
    position = JobPosition(
        **data.model_dump(exclude={"agency_id", "required_fields"}),
        **agency.columns(),
        grade_name=grade_name,
        required_fields=_fields(data.required_fields),
        search_key=search_key(data.title),
        status=PositionStatus.DRAFTING,
    )
    session.add(position)
    await session.flush()
    await _event(session, principal, position, "create", PositionStatus.DRAFTING)
    await audit.record(
        session, principal, entity_type=ENTITY_POSITION, entity_id=position.id, action="create", after=snapshot(position)
    )
    return position


async def update_position(
    session: AsyncSession, audit: AuditTrail, principal: Principal, position: JobPosition, changes: PositionUpdate
) -> JobPosition:
    if position.status not in EDITABLE:
        raise PositionNotEditable(f"{position.title} is {position.status.value}; a new position is drafted instead")
    before = await DOSSIERS.audited(session, POSITION, position)
    fields = changes.model_dump(exclude_unset=True)
    for name in ("title", "group", "required_education", "posts", "required_fields"):
        if name in fields and fields[name] is None:
            fields.pop(name)
    if "required_fields" in fields:
        fields["required_fields"] = _fields(fields["required_fields"])
    if "grade_code" in fields:
        fields["grade_name"] = await _grade_name(session, fields["grade_code"])
    for name, value in fields.items():
        setattr(position, name, value)
    position.search_key = search_key(position.title)
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_POSITION,
        entity_id=position.id,
        action="update",
        before=before,
        after=await DOSSIERS.audited(session, POSITION, position),
    )
    return position


async def transition(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    position: JobPosition,
    step: PositionTransition,
    catalogue: ProcedureCatalogue,
) -> JobPosition:
    """Move a position one step through its approval, by the role allowed to take that step, with its dossier's step.

    A submission with ``procedure`` opens the dossier it was received under; the later steps move
    the position's open dossier (``DOSSIER_STEPS``), in the same transaction.
    """
    found = WORKFLOW.get((step.action, position.status))
    if found is None:
        raise TransitionNotAllowed(f"A {position.status.value} position cannot be sent to {step.action.value}")
    target, roles = found
    check_step_role(principal.role, step.action, roles)
    before = await DOSSIERS.audited(session, POSITION, position)
    from_status = position.status
    position.status = target
    position.returned_reason = step.reason if target is PositionStatus.RETURNED else position.returned_reason
    await session.flush()
    await _event(session, principal, position, step.action.value, from_status, step.reason)
    if step.procedure is not None:
        await DOSSIERS.open(session, audit, principal, catalogue, step.procedure, POSITION, position)
    elif (dossier_step := DOSSIER_STEPS.get(step.action)) is not None:
        await DOSSIERS.follow(session, audit, principal, POSITION, position.id, dossier_step, step.reason)
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_POSITION,
        entity_id=position.id,
        action=step.action.value,
        before=before,
        after=await DOSSIERS.audited(session, POSITION, position),
    )
    return position
