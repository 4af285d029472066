"""The rules of the national sync: a change per dossier event, its due date, verification, the calendar.

Decree 27/2026/NĐ-CP (in force 1 July 2026): the managing agency creates the electronic dossier
within 3 days of the decision that recruits, elects or appoints the person, and every change is
synchronised with the national database within 3 working days, after the province verifies it.

- A change arises from each personnel event of a dossier record (a person, a family member, a
  career event, an evaluation, a commendation, a discipline), on the event's local date
  (Asia/Ho_Chi_Minh). It is due 3 working days later on the Vietnamese calendar
  (:mod:`haicap_shared.workdays`, with the admin's swapped days); a career event that creates
  the dossier (recruitment, election, appointment, decided on or after 1 July 2026) is due 3
  days after its decision. A record entered for a person recruited earlier counts from its entry.
- It waits for verification (``pending_verification``); a province officer (or an admin)
  verifies it (``queued``: the worker sends it) or sends it back with a reason (``returned``:
  the agency corrects the record, which makes a new change). A rejected change may be verified
  again to be sent again.
- A discrepancy the person flags puts their changes of its groups not yet sent back to review
  (:func:`reopen_for_review`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.models import utcnow
from haicap_shared.paging import Page, page_of
from haicap_shared.workdays import WorkingCalendar, local_date, public_holidays, rule_says_working

from ..db import event_tables
from . import groups as dossier
from . import repository
from .access import changes_visible, check_change
from .models import CalendarDay, ChangeStatus, DossierChange
from .national_record import kind_and_operation
from .schemas import BulkVerified, CalendarDaySet, CalendarYear, CalendarYearDay, SyncQueue
from .schemas import CalendarDay as CalendarDayOut
from .schemas import DossierChange as ChangeOut
from .schemas import SyncExchange as ExchangeOut

ENTITY_CHANGE = "dossier_change"
ENTITY_CALENDAR_DAY = "calendar_day"
SYNC_WORKING_DAYS = 3
CREATION_DAYS = 3
VERIFIABLE = frozenset({ChangeStatus.PENDING_VERIFICATION, ChangeStatus.REJECTED})
"""A change waiting for review, or one the national side rejected (verified again: sent again)."""
CALENDAR_WINDOW = timedelta(days=120)
"""Admin overrides read beyond the day a change arose: enough for 3 working days over any holiday."""
INTAKE_DESTINATION = "national-sync"
"""The sync's cursor in the outbox: a destination of the change feed's table, leased like a relay's."""


class ChangeNotFound(NotFound):
    code, title = "dossier_change_not_found", "No such dossier change"


class ChangeNotVerifiable(Conflict):
    code, title = "dossier_change_not_verifiable", "The change is not waiting for verification"


class CalendarDayNotFound(NotFound):
    code, title = "calendar_day_not_found", "The admin has set nothing for this day"


# --- intake: a change per dossier event ---------------------------------------------------


def change_from_event(row: Row[Any], calendar: WorkingCalendar) -> dict[str, Any] | None:
    """The change an outbox row makes (its columns), or None when it is no dossier change."""
    kind, action = kind_and_operation(str(row.type))
    if kind not in dossier.DOSSIER_KINDS:
        return None
    payload = row.payload
    data = payload.get("data") or {}
    record = data.get("record") or {}
    changed = data.get("changed_fields")
    if isinstance(changed, list) and not changed:
        return None
    person = dossier.person_of(kind, record, str(row.aggregateid))
    if person is None:
        return None
    number, decided_on = dossier.decision_of(record)
    arose_on = local_date(row.occurred_at)
    if dossier.creates_dossier(kind, action, record, decided_on):
        assert decided_on is not None
        due = decided_on + timedelta(days=CREATION_DAYS)
    else:
        due = calendar.add_working_days(arose_on, SYNC_WORKING_DAYS)
    agency = record.get("agency_id")
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "event_sequence": int(row.sequence),
        "event_id": str(row.id),
        "event_type": str(row.type),
        "person_id": uuid.UUID(person),
        "record_id": uuid.UUID(str(row.aggregateid)),
        "agency_id": uuid.UUID(str(agency)) if agency else row.agency_id,
        "province_code": payload.get("provincecode") or row.province_code,
        "commune_code": payload.get("communecode") or row.commune_code,
        "groups": [g.value for g in dossier.groups_of(kind, record, changed)],
        "changed_fields": list(changed) if isinstance(changed, list) else None,
        "decision_number": number,
        "decision_date": decided_on,
        "arose_on": arose_on,
        "due_date": due,
        "status": ChangeStatus.PENDING_VERIFICATION,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


async def calendar_for(session: AsyncSession, start: date, end: date) -> WorkingCalendar:
    """The calendar with the admin's days from ``start`` to ``end`` plus the window a deadline may need."""
    return WorkingCalendar(await repository.calendar_overrides(session, start, end + CALENDAR_WINDOW))


async def due_date(session: AsyncSession, arose_on: date) -> date:
    """3 working days after ``arose_on``."""
    return (await calendar_for(session, arose_on, arose_on)).add_working_days(arose_on, SYNC_WORKING_DAYS)


# --- verification ----------------------------------------------------------------------------


async def list_changes(
    session: AsyncSession,
    principal: Principal,
    *,
    status: ChangeStatus | None,
    person_id: uuid.UUID | None,
    province: str | None,
    commune: str | None,
    due_before: date | None,
    limit: int,
    cursor: str | None,
) -> Page[ChangeOut]:
    rows, next_cursor = await repository.page_changes(
        session,
        changes_visible(principal),
        status=status,
        person_id=person_id,
        province=province,
        commune=commune,
        due_before=due_before,
        limit=limit,
        cursor=cursor,
    )
    return page_of(ChangeOut, rows, next_cursor)


async def get_change(session: AsyncSession, principal: Principal, change_id: uuid.UUID) -> DossierChange:
    change = await repository.get_change(session, change_id)
    if change is None:
        raise ChangeNotFound(f"No dossier change has id {change_id}")
    check_change(principal, change)
    return change


def _check_verifiable(change: DossierChange) -> None:
    if change.status not in VERIFIABLE:
        raise ChangeNotVerifiable(
            f"The change is {change.status.value}; only a change pending verification, or one the national side "
            "rejected, can be verified",
            change_status=change.status.value,
        )


def _mark_verified(change: DossierChange, principal: Principal) -> None:
    change.status = ChangeStatus.QUEUED
    change.verified_by = principal.username
    change.verified_at = utcnow()
    change.status_reason = None
    change.next_attempt_at = None
    change.last_error = None


async def verify(session: AsyncSession, audit: AuditTrail, principal: Principal, change: DossierChange) -> DossierChange:
    """Verified: queued for the worker to send."""
    _check_verifiable(change)
    before = snapshot(change)
    _mark_verified(change, principal)
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_CHANGE, entity_id=change.id, action="verify", before=before, after=snapshot(change)
    )
    return change


async def return_change(
    session: AsyncSession, audit: AuditTrail, principal: Principal, change: DossierChange, reason: str
) -> DossierChange:
    """Sent back to the agency with the reason; the corrected record makes a new change."""
    if change.status is not ChangeStatus.PENDING_VERIFICATION:
        raise ChangeNotVerifiable(
            f"The change is {change.status.value}; only a change pending verification can be sent back",
            change_status=change.status.value,
        )
    before = snapshot(change)
    change.status = ChangeStatus.RETURNED
    change.status_reason = reason
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_CHANGE, entity_id=change.id, action="return", before=before, after=snapshot(change)
    )
    return change


async def bulk_verify(session: AsyncSession, audit: AuditTrail, principal: Principal, ids: Sequence[uuid.UUID]) -> BulkVerified:
    """Verify every change named, or none (one missing, outside the area or not verifiable refuses all)."""
    wanted = list(dict.fromkeys(ids))
    found = await repository.changes_by_ids(session, wanted)
    missing = sorted(set(wanted) - {c.id for c in found}, key=str)
    if missing:
        raise ChangeNotFound(
            f"{len(missing)} of the changes do not exist; nothing was verified", missing=[str(m) for m in missing]
        )
    for change in found:
        check_change(principal, change)
    refused = [c for c in found if c.status not in VERIFIABLE]
    if refused:
        raise ChangeNotVerifiable(
            f"{len(refused)} of the changes are not waiting for verification; nothing was verified",
            not_verifiable=[{"id": str(c.id), "status": c.status.value} for c in refused],
        )
    befores = {c.id: snapshot(c) for c in found}
    for change in found:
        _mark_verified(change, principal)
    await session.flush()
    await audit.record_many(
        session,
        principal,
        entity_type=ENTITY_CHANGE,
        action="verify",
        changes=[(c.id, befores[c.id], snapshot(c)) for c in found],
    )
    return BulkVerified(verified=len(found), items=[ChangeOut.model_validate(c) for c in found])


async def reopen_for_review(
    session: AsyncSession,
    person_id: uuid.UUID,
    groups: Sequence[str],
    reason: str,
    *,
    audit: AuditTrail | None = None,
    principal: Principal | None = None,
) -> list[DossierChange]:
    """A person's changes of ``groups`` not yet sent go back to ``pending_verification`` with ``reason``.

    For a discrepancy the person flags (consent): what they dispute is reviewed again before it
    leaves. Returns the changes reopened; audited when ``audit`` and ``principal`` are given.
    """
    wanted = set(groups)
    reopened: list[DossierChange] = []
    befores: dict[uuid.UUID, dict[str, Any]] = {}
    for change in await repository.reopenable(session, person_id):
        if wanted and not wanted & set(change.groups):
            continue
        befores[change.id] = snapshot(change)
        change.status = ChangeStatus.PENDING_VERIFICATION
        change.status_reason = reason[:1000]
        change.verified_by = None
        change.verified_at = None
        change.next_attempt_at = None
        reopened.append(change)
    await session.flush()
    if audit is not None and principal is not None and reopened:
        await audit.record_many(
            session,
            principal,
            entity_type=ENTITY_CHANGE,
            action="reopen",
            changes=[(c.id, befores[c.id], snapshot(c)) for c in reopened],
        )
    return reopened


# --- the exchange log and the queue -----------------------------------------------------------


async def list_exchanges(
    session: AsyncSession, *, adapter: str | None, outcome: str | None, limit: int, cursor: str | None
) -> Page[ExchangeOut]:
    rows, next_cursor = await repository.page_exchanges(session, adapter=adapter, outcome=outcome, limit=limit, cursor=cursor)
    return page_of(ExchangeOut, rows, next_cursor)


async def queue(session: AsyncSession, now: datetime | None = None) -> SyncQueue:
    now = now or utcnow()
    counts = await repository.status_counts(session)
    oldest = await repository.oldest_queued(session)
    intake_through, latest = await repository.intake_position(session, event_tables, INTAKE_DESTINATION)
    return SyncQueue(
        by_status={s.value: counts.get(s.value, 0) for s in ChangeStatus},
        queued=counts.get(ChangeStatus.QUEUED.value, 0),
        oldest_queued_verified_at=oldest,
        oldest_queued_age_seconds=None if oldest is None else round((now - oldest).total_seconds(), 3),
        overdue=await repository.overdue_count(session, local_date(now)),
        intake_through=intake_through,
        latest_sequence=latest,
    )


# --- the calendar ------------------------------------------------------------------------------


async def calendar_year(session: AsyncSession, year: int) -> CalendarYear:
    """The year's days that are not plain working weekdays, with the admin's days, and why."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    admin = {d.day: d for d in await repository.calendar_days(session, start, end)}
    days: dict[date, CalendarYearDay] = {}
    for day, name in public_holidays(year).items():
        days[day] = CalendarYearDay(day=day, working=False, source="holiday", note=name)
    current = start
    while current <= end:
        if current.weekday() >= 5 and rule_says_working(current):
            days[current] = CalendarYearDay(day=current, working=True, source="swap", note="A Saturday worked (holidays package)")
        current += timedelta(days=1)
    for day, entry in admin.items():
        days[day] = CalendarYearDay(day=day, working=entry.working, source="admin", note=entry.note, id=entry.id)
    return CalendarYear(year=year, days=[days[d] for d in sorted(days)])


async def get_calendar_day(session: AsyncSession, day: date) -> CalendarDay:
    found = await repository.calendar_day(session, day)
    if found is None:
        raise CalendarDayNotFound(f"No admin entry for {day.isoformat()}")
    return found


async def set_calendar_day(
    session: AsyncSession, audit: AuditTrail, principal: Principal, day: date, body: CalendarDaySet, expected_version: Any
) -> tuple[CalendarDay, bool]:
    """Create or change the admin's entry for a day; True when it was created.

    ``expected_version``: the If-Match check of an existing entry (a callable given its version).
    """
    found = await repository.calendar_day(session, day)
    if found is None:
        entry = CalendarDay(day=day, working=body.working, note=body.note)
        session.add(entry)
        await session.flush()
        await audit.record(
            session, principal, entity_type=ENTITY_CALENDAR_DAY, entity_id=day.isoformat(), action="create", after=_day(entry)
        )
        return entry, True
    expected_version(found.version)
    before = _day(found)
    found.working = body.working
    found.note = body.note
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_CALENDAR_DAY,
        entity_id=day.isoformat(),
        action="update",
        before=before,
        after=_day(found),
    )
    return found, False


async def delete_calendar_day(session: AsyncSession, audit: AuditTrail, principal: Principal, entry: CalendarDay) -> None:
    before = _day(entry)
    await repository.delete_calendar_day(session, entry)
    await audit.record(
        session, principal, entity_type=ENTITY_CALENDAR_DAY, entity_id=entry.day.isoformat(), action="delete", before=before
    )


def _day(entry: CalendarDay) -> dict[str, Any]:
    return CalendarDayOut.model_validate(entry).model_dump(mode="json")
