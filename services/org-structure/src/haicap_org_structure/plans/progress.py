"""Progress reports: the assignee reports how far an item has come, and an item is done by one.

- The reporter is the assignee: the commune officer of the item's commune, an agency officer of
  the assignee agency or of one above it, the province's officer, an admin (403 ``outside_area``
  for anyone else, a commune officer of another commune included).
- A report is dated no earlier than the previous one (409 ``report_before_previous``); its
  percentage never falls below the previous one's unless it says ``correction: true`` with a
  narrative (409 ``percent_below_previous``).
- 100 with ``done: true`` makes the item done on ``reported_on`` (``on_time`` when that is no
  later than the deadline), which needs every item it depends on done (409
  ``dependency_not_done``). A correction below 100 takes a done item back to in progress.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import Principal
from haicap_shared.errors import Conflict

from . import repository, schemas, service
from .access import check_progress
from .models import ItemStatus, PlanItem, PlanProgress
from .schemas import ProgressCreate


class DependencyNotDone(Conflict):
    code, title = "dependency_not_done", "An item it depends on is not done"


class PercentBelowPrevious(Conflict):
    code, title = "percent_below_previous", "The percentage is below the previous report's (send correction: true)"


class ReportBeforePrevious(Conflict):
    code, title = "report_before_previous", "The report is dated before the previous one"


class ItemCancelled(Conflict):
    code, title = "plan_item_cancelled", "The item is cancelled"


PROGRESS_PROBLEMS = (DependencyNotDone, PercentBelowPrevious, ReportBeforePrevious, ItemCancelled, service.PlanClosed)

ACTION_REPORT = "report_progress"


async def report(
    session: AsyncSession, audit: AuditTrail, principal: Principal, item: PlanItem, data: ProgressCreate
) -> PlanProgress:
    """Record a report and move the item's percentage and status with it."""
    check_progress(principal, item, await repository.ancestors(session, item.assignee_agency_id))
    plan = await service.plan_of(session, item)
    if plan.status.value == "closed":
        raise service.PlanClosed(f"Plan {plan.code} was closed on {plan.closed_on}")
    if item.status is ItemStatus.CANCELLED:
        raise ItemCancelled(f"Item {item.code} is cancelled")
    previous = await repository.latest_progress(session, item.id)
    if previous is not None:
        if data.reported_on < previous.reported_on:
            raise ReportBeforePrevious(
                f"The previous report is dated {previous.reported_on}", previous_reported_on=previous.reported_on.isoformat()
            )
        if data.percent < previous.percent and not data.correction:
            raise PercentBelowPrevious(
                f"The previous report said {previous.percent}%; send correction: true with a narrative to lower it",
                previous_percent=previous.percent,
            )
    if data.done:
        waiting = await repository.unfinished_dependencies(session, item.id)
        if waiting:
            raise DependencyNotDone(f"Item {item.code} waits for {', '.join(waiting)}", item_codes=waiting)
    before = (await service.item_records(session, [item.id]))[item.id]
    entry = PlanProgress(
        item_id=item.id,
        reported_on=data.reported_on,
        percent=data.percent,
        narrative=data.narrative,
        evidence=[e.model_dump(mode="json") for e in data.evidence],
        done=data.done,
        correction=data.correction,
        reporter=principal.username[:200],
    )
    session.add(entry)
    item.progress_percent = data.percent
    if data.done:
        _complete(item, data.reported_on)
    elif item.status is ItemStatus.DONE and data.percent < 100:
        item.status, item.completed_on, item.on_time = ItemStatus.IN_PROGRESS, None, None
    elif item.status is ItemStatus.NOT_STARTED:
        item.status = ItemStatus.IN_PROGRESS
    await session.flush()
    after = (await service.item_records(session, [item.id]))[item.id]
    await service.audit_items(session, audit, principal, ACTION_REPORT, [(item.id, before, after)])
    return entry


def _complete(item: PlanItem, day: date) -> None:
    item.status = ItemStatus.DONE
    item.completed_on = day
    item.on_time = day <= item.deadline


async def history(session: AsyncSession, item_id: uuid.UUID) -> list[schemas.Progress]:
    """The item's reports, newest first."""
    return [schemas.Progress.model_validate(dict(row)) for row in await repository.progress_history(session, item_id)]
