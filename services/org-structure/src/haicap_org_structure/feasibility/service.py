"""The rules of task feasibility: a status per (task, agency) a day (a new one ends the one in force
the day before), recorded only by an agency holding the task on its first day; reasons from the
controlled list (at least one unless ``normal``, free text with ``other``); a proposal required
with ``cannot_carry_out``, open until the province answers it; corrections only while unanswered.
The statistics count the statuses in force on a date from the records.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import Principal
from haicap_shared.errors import BadRequest, Conflict, NotFound
from haicap_shared.paging import Page, page_of
from haicap_shared.validity import Interval

from ..tasks import service as tasks
from ..tasks.repository import AgencyInfo
from . import repository, schemas
from .access import check_agency, check_commune, check_province, visible_statuses
from .models import AnswerState, FeasibilityProposal, FeasibilityReason, FeasibilityStatus, TaskFeasibility
from .schemas import ANSWERS, FeasibilityAnswer, FeasibilityCreate, FeasibilityFilter, FeasibilityUpdate

ENTITY_FEASIBILITY = "task_feasibility"


class FeasibilityNotFound(NotFound):
    code, title = "task_feasibility_not_found", "No such task feasibility status"


class ReportingAgencyNotFound(Conflict):
    code, title = "agency_not_found", "The reporting agency does not exist"


class NotTaskHolder(Conflict):
    code, title = "not_task_holder", "The agency does not hold the task (lead or shared) on that date"


class FeasibilityNotLatest(Conflict):
    code, title = "feasibility_not_latest", "A status of this task and agency starts on or after that date"


class AlreadyAnswered(Conflict):
    code, title = "already_answered", "The province has answered the proposal; the status can no longer be corrected"


class NoProposal(Conflict):
    code, title = "no_proposal", "The status carries no proposal to answer"


class AnswerBeforeStatus(Conflict):
    code, title = "answer_before_status", "The answer is dated before the status it answers"


class ReasonRequired(BadRequest):
    code, title = "reason_required", "A status other than `normal` needs at least one reason"


class ReasonsNotExpected(BadRequest):
    code, title = "reasons_not_expected", "A `normal` status gives no reasons"


class ReasonTextRequired(BadRequest):
    code, title = "reason_text_required", "The reason `other` needs `reason_text`"


class ProposalRequired(BadRequest):
    code, title = "proposal_required", "A task that cannot be carried out needs a proposal"


RULE_PROBLEMS = (ReasonRequired, ReasonsNotExpected, ReasonTextRequired, ProposalRequired)
"""What a status's reasons and proposal may be refused with (422)."""


# --- reading --------------------------------------------------------------------------------


async def views(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, schemas.TaskFeasibility]:
    rows = await repository.views_by_id(session, ids)
    return {key: schemas.TaskFeasibility.model_validate(dict(row)) for key, row in rows.items()}


async def view(session: AsyncSession, record: TaskFeasibility) -> schemas.TaskFeasibility:
    return (await views(session, [record.id]))[record.id]


async def _snapshot(session: AsyncSession, record: TaskFeasibility) -> dict[str, Any]:
    """The status as the audit trail (and its event) records it: as ``GET /task-feasibility/{id}`` shows it."""
    return (await view(session, record)).model_dump(mode="json")


async def _agency(session: AsyncSession, agency_id: uuid.UUID) -> AgencyInfo | None:
    return (await tasks.agencies_by_id(session, [agency_id])).get(agency_id)


async def get_status(session: AsyncSession, principal: Principal, feasibility_id: uuid.UUID) -> TaskFeasibility:
    """The status, if the caller may read (or, for the writers, act for) its agency: 404, 403 ``outside_area``."""
    record = await repository.get(session, feasibility_id)
    if record is None:
        raise FeasibilityNotFound(f"No task feasibility status has id {feasibility_id}")
    agency = await _agency(session, record.agency_id)
    if agency is not None:
        check_agency(principal, agency)
    return record


async def history(
    session: AsyncSession, principal: Principal, task_id: uuid.UUID, agency_id: uuid.UUID | None
) -> list[schemas.TaskFeasibility]:
    """The statuses of a task the caller may read (404/403 as the task's), newest first."""
    await tasks.get_task(session, principal, task_id)
    rows = await repository.history(session, task_id, agency_id, visible_statuses(principal))
    return [schemas.TaskFeasibility.model_validate(dict(row)) for row in rows]


async def list_statuses(
    session: AsyncSession, principal: Principal, filters: FeasibilityFilter, *, limit: int, cursor: str | None
) -> Page[schemas.TaskFeasibility]:
    """The statuses in force on the date in the caller's area, by task and agency."""
    if filters.province is not None:
        check_province(principal, filters.province)
    check_commune(principal, filters.commune)
    rows, next_cursor = await repository.page(session, filters, visible_statuses(principal), limit=limit, cursor=cursor)
    return page_of(schemas.TaskFeasibility, rows, next_cursor)


# --- the rules ------------------------------------------------------------------------------


def check_rules(
    status: FeasibilityStatus,
    reasons: Sequence[FeasibilityReason],
    reason_text: str | None,
    proposal: FeasibilityProposal | None,
) -> None:
    """422 with the rule's code unless the reasons and proposal fit the status."""
    if status is FeasibilityStatus.NORMAL and reasons:
        raise ReasonsNotExpected("A task carried out normally gives no reasons of difficulty")
    if status is not FeasibilityStatus.NORMAL and not reasons:
        raise ReasonRequired(f"A status `{status.value}` needs at least one reason")
    if FeasibilityReason.OTHER in reasons and not reason_text:
        raise ReasonTextRequired("The reason `other` needs `reason_text` saying what it is")
    if status is FeasibilityStatus.CANNOT_CARRY_OUT and proposal is None:
        raise ProposalRequired(
            "A task that cannot be carried out yet needs a proposal: " + ", ".join(f"`{p.value}`" for p in FeasibilityProposal)
        )


# --- recording, correcting, answering ------------------------------------------------------


async def record_status(
    session: AsyncSession, audit: AuditTrail, principal: Principal, task_id: uuid.UUID, data: FeasibilityCreate
) -> TaskFeasibility:
    """A new status from ``data.valid_from``; the one of the same (task, agency) in force the day before ends that day."""
    task = await tasks.get_task(session, principal, task_id)
    agency = await _agency(session, data.agency_id)
    if agency is None:
        raise ReportingAgencyNotFound(f"No agency has id {data.agency_id}", agency_id=str(data.agency_id))
    check_agency(principal, agency)
    check_rules(data.status, data.reasons, data.reason_text, data.proposal)
    if not await repository.holds_on(session, task.id, agency.id, data.valid_from):
        raise NotTaskHolder(
            f"{agency.name} does not hold task {task.code} on {data.valid_from}",
            task_id=str(task.id),
            agency_id=str(agency.id),
            valid_from=data.valid_from.isoformat(),
        )
    statuses = await repository.statuses_of(session, task.id, agency.id)
    if later := [s for s in statuses if s.valid_from >= data.valid_from]:
        raise FeasibilityNotLatest(
            f"A status of {agency.name} for task {task.code} starts on {later[-1].valid_from}; "
            "a new status starts after every other (correct one with PATCH)",
            valid_from=later[-1].valid_from.isoformat(),
        )
    eve = data.valid_from - timedelta(days=1)
    for previous in statuses:
        if Interval(previous.valid_from, previous.valid_to).contains(data.valid_from):
            before = await _snapshot(session, previous)
            previous.valid_to = eve
            await session.flush()
            await audit.record(
                session,
                principal,
                entity_type=ENTITY_FEASIBILITY,
                entity_id=previous.id,
                action="update",
                before=before,
                after=await _snapshot(session, previous),
            )
    record = TaskFeasibility(
        task_id=task.id,
        agency_id=agency.id,
        province_code=agency.province_code,
        commune_code=agency.commune_code,
        status=data.status,
        reasons=[reason.value for reason in data.reasons],
        reason_text=data.reason_text,
        proposal=data.proposal,
        proposal_text=data.proposal_text,
        answer_state=AnswerState.OPEN if data.proposal is not None else None,
        valid_from=data.valid_from,
        valid_to=None,
    )
    session.add(record)
    await session.flush()
    after = await _snapshot(session, record)
    await audit.record(session, principal, entity_type=ENTITY_FEASIBILITY, entity_id=record.id, action="create", after=after)
    return record


async def correct_status(
    session: AsyncSession, audit: AuditTrail, principal: Principal, record: TaskFeasibility, changes: FeasibilityUpdate
) -> None:
    """The reporter's corrections of reasons and proposal, while the province has not answered."""
    if record.answer_state in ANSWERS:
        raise AlreadyAnswered(
            f"The province answered `{record.answer_state}` on {record.answered_on}; record a new status instead",
            answer_state=str(record.answer_state),
        )
    fields = changes.model_dump(exclude_unset=True)
    reasons = [FeasibilityReason(r) for r in (fields["reasons"] or [])] if "reasons" in fields else record.reasons
    reason_text = fields.get("reason_text", record.reason_text)
    proposal = fields.get("proposal", record.proposal)
    proposal_text = fields.get("proposal_text", record.proposal_text)
    check_rules(record.status, [FeasibilityReason(r) for r in reasons], reason_text, proposal)
    before = await _snapshot(session, record)
    record.reasons = [FeasibilityReason(r).value for r in reasons]
    record.reason_text = reason_text
    record.proposal = proposal
    record.proposal_text = proposal_text
    record.answer_state = AnswerState.OPEN if proposal is not None else None
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_FEASIBILITY,
        entity_id=record.id,
        action="update",
        before=before,
        after=await _snapshot(session, record),
    )


def check_answerer(principal: Principal, record: TaskFeasibility) -> None:
    """403 unless the caller answers for the status's province."""
    check_province(principal, record.province_code)


async def answer(
    session: AsyncSession, audit: AuditTrail, principal: Principal, record: TaskFeasibility, data: FeasibilityAnswer
) -> None:
    """The province's answer to the proposal (it may answer again: accepted, then resolved)."""
    check_answerer(principal, record)
    if record.proposal is None:
        raise NoProposal("The status proposes nothing to answer")
    if data.answered_on < record.valid_from:
        raise AnswerBeforeStatus(
            f"The status starts on {record.valid_from}; the answer cannot be dated {data.answered_on}",
            valid_from=record.valid_from.isoformat(),
        )
    before = await _snapshot(session, record)
    record.answer_state = data.state
    record.answered_on = data.answered_on
    record.answer_decision = data.decision
    record.answer_note = data.note
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_FEASIBILITY,
        entity_id=record.id,
        action="answer",
        before=before,
        after=await _snapshot(session, record),
    )


# --- statistics -----------------------------------------------------------------------------


async def stats(
    session: AsyncSession, principal: Principal, *, province: str | None, commune: str | None, as_of: date, open_days: int
) -> schemas.FeasibilityStats:
    """The statuses in force on ``as_of`` in the caller's area, counted from the records."""
    if province is not None:
        check_province(principal, province)
    check_commune(principal, commune)
    filters = FeasibilityFilter(as_of=as_of, province=province, commune=commune)
    visible = visible_statuses(principal)
    by_status: Counter[FeasibilityStatus] = Counter()
    proposals: dict[FeasibilityProposal, Counter[AnswerState]] = {p: Counter() for p in FeasibilityProposal}
    communes: dict[str | None, Counter[str]] = {}
    sectors: dict[str, Counter[str]] = {}
    open_over = 0
    for row in await repository.grouped_counts(session, filters, visible, open_days):
        n, status = int(row["n"]), FeasibilityStatus(row["status"])
        by_status[status] += n
        if row["proposal"] is not None:
            proposals[FeasibilityProposal(row["proposal"])][AnswerState(row["answer_state"])] += n
        commune_counts = communes.setdefault(row["commune_code"], Counter())
        commune_counts[status.value] += n
        if row["over"]:
            open_over += n
            commune_counts["open_over_days"] += n
        if status is not FeasibilityStatus.NORMAL:
            sectors.setdefault(row["sector"], Counter())[status.value] += n
    by_reason: Counter[FeasibilityReason] = Counter()
    for reasons in await repository.reasons_in_force(session, filters, visible):
        by_reason.update(FeasibilityReason(reason) for reason in set(reasons))
    return schemas.FeasibilityStats(
        as_of=as_of,
        province=province,
        commune=commune,
        open_days=open_days,
        tasks_reported=await repository.tasks_reported(session, filters, visible),
        by_status={status: by_status[status] for status in FeasibilityStatus},
        by_reason={reason: by_reason[reason] for reason in FeasibilityReason},
        proposals={p: {state: counts[state] for state in AnswerState} for p, counts in proposals.items()},
        open_over_days=open_over,
        by_commune=[
            schemas.CommuneFeasibility(
                commune_code=code,
                normal=counts[FeasibilityStatus.NORMAL.value],
                with_difficulties=counts[FeasibilityStatus.WITH_DIFFICULTIES.value],
                cannot_carry_out=counts[FeasibilityStatus.CANNOT_CARRY_OUT.value],
                open_over_days=counts["open_over_days"],
            )
            for code, counts in sorted(communes.items(), key=lambda item: (item[0] is None, item[0] or ""))
        ],
        by_sector=[
            schemas.SectorFeasibility(
                sector=sector,
                with_difficulties=counts[FeasibilityStatus.WITH_DIFFICULTIES.value],
                cannot_carry_out=counts[FeasibilityStatus.CANNOT_CARRY_OUT.value],
            )
            for sector, counts in sorted(sectors.items())
        ],
    )
