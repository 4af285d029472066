"""The rules of the national sync's reports and reconciliations.

Reports read ``sync.models.DossierChange`` only (the sync owns the statuses): a change is
overdue on a day when it was due before that day and was not acknowledged by then; it is on
time when acknowledged on or before its due date (Vietnamese local dates). Days overdue are
counted in working days (``haicap_shared.workdays``, with the administrator's calendar days).

A reconciliation reads a national-side export (``importer``), stages its lines, lets SQL find
the people and the changes one side lacks, compares the fields of people's records, keeps the
differences and drops the staged lines.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import BadRequest, NotFound
from haicap_shared.models import utcnow
from haicap_shared.paging import Page, page_of
from haicap_shared.personal_data import check_may_reveal, mask
from haicap_shared.validity import checked_period
from haicap_shared.workdays import VIETNAM, WorkingCalendar, local_date

from ..sync import national_record
from . import importer, repository
from .access import changes_visible, check_reconciliation, people_visible, reconciliations_visible
from .models import DifferenceKind, SyncReconciliation
from .schemas import (
    AreaCount,
    AreaOnTime,
    Difference,
    OnTimeReport,
    OverdueChange,
    OverdueReport,
    ReasonCount,
    Reconciliation,
    RejectedChange,
    RejectedReport,
)

ENTITY_RECONCILIATION = "sync_reconciliation"
ENTITY_PERSON = "person"
MAX_PERIOD_DAYS = 366
SHARE_PLACES = Decimal("0.0001")
COMPARED_FIELDS_MAX = 200


class ReconciliationNotFound(NotFound):
    code, title = "reconciliation_not_found", "No such reconciliation"


class PeriodTooLong(BadRequest):
    code, title = "period_too_long", f"A report's period is at most {MAX_PERIOD_DAYS} days"


def today() -> date:
    """Today in Vietnam (Asia/Ho_Chi_Minh)."""
    return local_date(utcnow())


def start_of_local_day(day: date) -> datetime:
    """The UTC moment the Vietnamese day ``day`` begins."""
    return datetime.combine(day, time(0), tzinfo=VIETNAM).astimezone(UTC)


async def overdue_report(
    session: AsyncSession,
    principal: Principal,
    area: repository.AreaFilter,
    *,
    as_of: date | None,
    limit: int,
    cursor: str | None,
) -> OverdueReport:
    """The changes in the caller's area overdue on ``as_of`` (default today): counts by area and one page of them."""
    day = as_of or today()
    report = await repository.overdue_report(
        session,
        changes_visible(principal),
        area,
        as_of=day,
        acknowledged_before=start_of_local_day(day + timedelta(days=1)),
        limit=limit,
        cursor=cursor,
    )
    calendar = WorkingCalendar()
    if report.items:
        first = min(row["due_date"] for row in report.items)
        calendar = WorkingCalendar(await repository.calendar_overrides(session, first, day))
    items = [
        OverdueChange(
            change_id=row["id"],
            person_id=row["person_id"],
            province_code=row["province_code"],
            commune_code=row["commune_code"],
            agency_id=row["agency_id"],
            groups=list(row["groups"]),
            arose_on=row["arose_on"],
            due_date=row["due_date"],
            status=row["status"],
            days_overdue=calendar.working_days_between(row["due_date"], day),
        )
        for row in report.items
    ]
    return OverdueReport(
        as_of=day,
        total=report.total,
        by_area=[AreaCount.model_validate(dict(row)) for row in report.by_area],
        by_area_truncated=report.by_area_truncated,
        items=items,
        next=report.next,
    )


def _check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None:
        checked_period(start, end)
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise PeriodTooLong(f"The period from {start} to {end} is longer than {MAX_PERIOD_DAYS} days")


async def rejected_report(
    session: AsyncSession,
    principal: Principal,
    area: repository.AreaFilter,
    *,
    arose_from: date | None,
    arose_to: date | None,
    limit: int,
    cursor: str | None,
) -> RejectedReport:
    """The changes in the caller's area the national side rejected, with its reasons: counts and one page."""
    _check_period(arose_from, arose_to)
    report, reasons = await repository.rejected_report(
        session, changes_visible(principal), area, arose_from=arose_from, arose_to=arose_to, limit=limit, cursor=cursor
    )
    items = [
        RejectedChange(
            change_id=row["id"],
            person_id=row["person_id"],
            province_code=row["province_code"],
            commune_code=row["commune_code"],
            agency_id=row["agency_id"],
            groups=list(row["groups"]),
            arose_on=row["arose_on"],
            due_date=row["due_date"],
            reason=row["status_reason"],
            national_reference=row["national_reference"],
        )
        for row in report.items
    ]
    return RejectedReport(
        total=report.total,
        by_area=[AreaCount.model_validate(dict(row)) for row in report.by_area],
        by_area_truncated=report.by_area_truncated,
        by_reason=[ReasonCount.model_validate(dict(row)) for row in reasons],
        items=items,
        next=report.next,
    )


def share(part: int, whole: int) -> str | None:
    """``part / whole`` as a decimal string of 4 places (half up); None when ``whole`` is 0."""
    if whole == 0:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP))


def _counts(row: Any) -> dict[str, Any]:
    arisen, on_time = int(row["arisen"]), int(row["acknowledged_on_time"])
    return {
        "arisen": arisen,
        "acknowledged_on_time": on_time,
        "acknowledged_late": int(row["acknowledged_late"]),
        "not_acknowledged": int(row["not_acknowledged"]),
        "share_on_time": share(on_time, arisen),
    }


async def on_time_report(
    session: AsyncSession, principal: Principal, area: repository.AreaFilter, *, arose_from: date, arose_to: date
) -> OnTimeReport:
    """Of the changes in the caller's area that arose in the period, how many were acknowledged by their due date."""
    _check_period(arose_from, arose_to)
    totals, rows, truncated = await repository.on_time_report(
        session, changes_visible(principal), area, arose_from=arose_from, arose_to=arose_to
    )
    return OnTimeReport(
        from_date=arose_from,
        to_date=arose_to,
        **_counts(totals),
        by_area=[
            AreaOnTime(province_code=r["province_code"], commune_code=r["commune_code"], agency_id=r["agency_id"], **_counts(r))
            for r in rows
        ],
        by_area_truncated=truncated,
    )


# Reconciliations


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def field_differences(reconciliation_id: uuid.UUID, person: Any, national_fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields of one person's record whose national value differs from haicap's (as the record format writes them)."""
    names = [name for name in sorted(national_fields) if name in person][:COMPARED_FIELDS_MAX]
    ours = national_record.record_fields(person, names)
    return [
        {
            "reconciliation_id": reconciliation_id,
            "kind": DifferenceKind.FIELD_DIFFERS,
            "national_id": person["national_id"],
            "person_id": person["id"],
            "field": name[:100],
            "haicap_value": _text(ours[name]),
            "national_value": _text(national_fields[name]),
        }
        for name in names
        if name in ours and _text(ours[name]) != _text(national_fields[name])
    ]


async def reconcile(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    *,
    filename: str,
    raw: IO[bytes],
    limits: importer.ExportLimits = importer.DEFAULT_LIMITS,
) -> SyncReconciliation:
    """Compare an export of the national side with haicap's records in the caller's area, and keep the differences."""
    export = await anyio.to_thread.run_sync(importer.read_export, raw, limits)
    area = principal.area
    reconciliation = SyncReconciliation(
        id=uuid.uuid4(),
        filename=filename[:200],
        uploaded_by=(principal.username or principal.subject)[:200],
        province_code=area.province,
        commune_code=area.commune,
        agency_id=_agency_id(area.agency),
        lines=len(export.lines),
        people_in_file=0,
        changes_in_file=0,
        missing_nationally=0,
        missing_in_haicap=0,
        field_differences=0,
        acknowledged_not_held=0,
    )
    session.add(reconciliation)
    await session.flush()
    rid = reconciliation.id
    await repository.add_lines(session, rid, export.lines)
    people = people_visible(principal)
    await repository.record_missing_nationally(session, rid, people)
    await repository.record_missing_in_haicap(session, rid)
    await repository.record_acknowledged_not_held(session, rid, changes_visible(principal))
    differing: list[dict[str, Any]] = []
    for person in await repository.people_by_national_id(session, sorted(export.person_fields), people):
        differing += field_differences(rid, person, export.person_fields[person["national_id"]])
    await repository.add_differences(session, differing)
    reconciliation.people_in_file, reconciliation.changes_in_file = await repository.file_counts(session, rid)
    await repository.drop_lines(session, rid)
    counts = await repository.difference_counts(session, rid)
    reconciliation.missing_nationally = counts.get(DifferenceKind.MISSING_NATIONALLY, 0)
    reconciliation.missing_in_haicap = counts.get(DifferenceKind.MISSING_IN_HAICAP, 0)
    reconciliation.field_differences = counts.get(DifferenceKind.FIELD_DIFFERS, 0)
    reconciliation.acknowledged_not_held = counts.get(DifferenceKind.ACKNOWLEDGED_NOT_HELD, 0)
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_RECONCILIATION, entity_id=rid, action="create", after=snapshot(reconciliation)
    )
    return reconciliation


def _agency_id(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


async def get_reconciliation(session: AsyncSession, principal: Principal, reconciliation_id: uuid.UUID) -> SyncReconciliation:
    reconciliation = await repository.get_reconciliation(session, reconciliation_id)
    if reconciliation is None:
        raise ReconciliationNotFound(f"No reconciliation has id {reconciliation_id}")
    check_reconciliation(principal, reconciliation)
    return reconciliation


async def list_reconciliations(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> Page[Reconciliation]:
    """The reconciliations made in the caller's area, the oldest first."""
    rows, next_cursor = await repository.page_of_reconciliations(
        session, reconciliations_visible(principal), limit=limit, cursor=cursor
    )
    return page_of(Reconciliation, rows, next_cursor)


async def list_differences(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    reconciliation_id: uuid.UUID,
    *,
    kind: DifferenceKind | None,
    reveal: bool,
    limit: int,
    cursor: str | None,
) -> Page[Difference]:
    """One page of a reconciliation's differences; national ids masked unless revealed (each reveal audited)."""
    if reveal:
        check_may_reveal(principal)
    await get_reconciliation(session, principal, reconciliation_id)
    rows, next_cursor = await repository.page_of_differences(session, reconciliation_id, kind, limit=limit, cursor=cursor)
    if reveal:
        shown = sorted({row["person_id"] for row in rows if row["person_id"] is not None and row["national_id"]}, key=str)
        await audit.record_many(
            session,
            principal,
            entity_type=ENTITY_PERSON,
            action="reveal",
            changes=[(person_id, None, {"fields": ["national_id"]}) for person_id in shown],
        )
        if any(row["person_id"] is None and row["national_id"] for row in rows):
            await audit.record(
                session,
                principal,
                entity_type=ENTITY_RECONCILIATION,
                entity_id=reconciliation_id,
                action="reveal",
                after={"fields": ["national_id"]},
            )
    items = [Difference.model_validate(dict(row) | ({} if reveal else {"national_id": mask(row["national_id"])})) for row in rows]
    return Page[Difference](items=items, next=next_cursor)
