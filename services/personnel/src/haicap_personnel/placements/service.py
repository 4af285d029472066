"""The rules of placements: one primary placement at a time, suitability, bulk re-placement, recruitment."""

from __future__ import annotations

import asyncio
import bisect
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, jsonable, snapshot
from haicap_shared.auth import Principal
from haicap_shared.batching import in_batches
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.models import utcnow
from haicap_shared.paging import Page, page_of
from haicap_shared.row_problems import MAX_ERRORS_PER_ROW, row_problem
from haicap_shared.tabular import RowProblem
from haicap_shared.validity import Interval

from ..careers import repository as career_repository
from ..careers import service as career_service
from ..common import AreaSpan, row_snapshot
from ..people import repository as people_repository
from ..people.access import check_person, person_in_area
from ..people.models import Category, Person, Recruitment
from ..positions import repository as position_repository
from ..positions.access import check_position, position_in_area
from ..positions.models import JobPosition, PositionStatus
from ..streamlining import repository as streamlining_repository
from . import repository
from .access import check_placement, placements_visible
from .models import Placement
from .schemas import (
    BulkReplacement,
    BulkReplacementReport,
    PlacementBatch,
    PlacementBatchReport,
    PlacementCreate,
    PlacementFilter,
    PlacementUpdate,
    RecruitmentResult,
    Unaccounted,
)
from .schemas import Placement as PlacementOut
from .schemas import Recruitment as RecruitmentIn
from .suitability import assess

ENTITY_PLACEMENT = "placement"
ENTITY_BULK_REPLACEMENT = "bulk_replacement"
# NOTE: the audit trail's name of a person (people.service imports this module, so not from there).
ENTITY_PERSON = "person"
# NOTE: the records of a bulk change whose events are written at a time: bounded memory.
EVENT_BATCH = 2000
# NOTE: rows checked between two yields to the event loop; a few milliseconds of work.
CHECK_CHUNK = 500
AGENCY_COLUMNS = ("agency_id", "province_code", "commune_code", "agency_level", "unit_id", "agency_valid_to")


class PlacementNotFound(NotFound):
    code, title = "placement_not_found", "No such placement"


class PersonMissing(Conflict):
    code, title = "person_not_found", "No such person"


class PositionMissing(Conflict):
    code, title = "position_not_found", "No such job position"


class PositionNotApproved(Conflict):
    code, title = "position_not_approved", "Only an approved position can be filled"


class PlacementOverlap(Conflict):
    code, title = "placement_overlap", "The person already has a primary placement on some of these days"


class BulkRejected(Conflict):
    code, title = "replacement_rejected", "Some rows have problems or someone is unaccounted for; nothing was written"


class BatchRejected(Conflict):
    code, title = "placement_batch_rejected", "Some rows have problems; nothing was written"


class CareerEventMissing(Conflict):
    code, title = "career_event_not_found", "No such career event"


class CareerEventOfAnother(Conflict):
    code, title = "career_event_of_another_person", "The career event is another person's"


class NotNonSpecialised(Conflict):
    code, title = "not_non_specialised", "Only a former non-specialised commune worker is recruited this way"


class StandardsNotMet(Conflict):
    code, title = "standards_not_met", "The person's training does not meet the position's standard"


def _agency_of(position: JobPosition) -> dict[str, Any]:
    return {name: getattr(position, name) for name in AGENCY_COLUMNS}


async def get_placement(session: AsyncSession, principal: Principal, placement_id: uuid.UUID) -> Placement:
    placement = await repository.get_placement(session, placement_id)
    if placement is None:
        raise PlacementNotFound(f"No placement has id {placement_id}")
    check_placement(principal, placement)
    return placement


async def list_placements(
    session: AsyncSession, principal: Principal, filters: PlacementFilter, *, limit: int, cursor: str | None
) -> Page[PlacementOut]:
    """One page of the placements in the caller's area, by start date."""
    rows, next_cursor = await repository.page_placements(
        session, placements_visible(principal), filters, limit=limit, cursor=cursor
    )
    return page_of(PlacementOut, rows, next_cursor)


async def _person(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> Person:
    person = await people_repository.get_person(session, person_id)
    if person is None:
        raise PersonMissing(f"No person has id {person_id}")
    check_person(principal, person)
    return person


async def _approved_position(session: AsyncSession, principal: Principal, position_id: uuid.UUID) -> JobPosition:
    position = await position_repository.get_position(session, position_id)
    if position is None:
        raise PositionMissing(f"No job position has id {position_id}")
    check_position(principal, position)
    if position.status is not PositionStatus.APPROVED:
        raise PositionNotApproved(f"{position.title} is {position.status.value}")
    return position


def _overlap(existing: Placement) -> PlacementOverlap:
    return PlacementOverlap(
        f"The person's primary placement {existing.id} runs from {existing.valid_from} to {existing.valid_to or 'open'}",
        placement_id=str(existing.id),
    )


def _follow(person: Person, position: JobPosition) -> None:
    """The person's record moves to the agency of their newest primary placement."""
    for name, value in _agency_of(position).items():
        setattr(person, name, value)


async def _place(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    person: Person,
    position: JobPosition,
    valid_from: date,
    valid_to: date | None,
    is_primary: bool,
    *,
    record_person: bool = True,
    career_event_id: uuid.UUID | None = None,
) -> Placement:
    """A new placement; a primary open one moves the person's record to its agency (audited unless
    ``record_person`` is False, for a caller that records the person's change itself)."""
    if is_primary and (existing := await repository.overlapping_primary(session, person.id, valid_from, valid_to)) is not None:
        raise _overlap(existing)
    suitability, reasons = assess(person.education_level, person.field_key, position.required_education, position.required_fields)
    placement = Placement(
        person_id=person.id,
        position_id=position.id,
        is_primary=is_primary,
        valid_from=valid_from,
        valid_to=valid_to,
        suitability=suitability,
        suitability_reasons=reasons,
        career_event_id=career_event_id,
        **_agency_of(position),
    )
    session.add(placement)
    person_before = snapshot(person)
    if is_primary and valid_to is None:
        _follow(person, position)
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_PLACEMENT, entity_id=placement.id, action="create", after=snapshot(placement)
    )
    if record_person and (person_after := snapshot(person)) != person_before:
        await audit.record(
            session,
            principal,
            entity_type=ENTITY_PERSON,
            entity_id=person.id,
            action="update",
            before=person_before,
            after=person_after,
        )
    return placement


async def create_placement(session: AsyncSession, audit: AuditTrail, principal: Principal, data: PlacementCreate) -> Placement:
    person = await _person(session, principal, data.person_id)
    position = await _approved_position(session, principal, data.position_id)
    if data.career_event_id is not None:
        await _check_career_event(session, person, data.career_event_id)
    return await _place(
        session,
        audit,
        principal,
        person,
        position,
        data.valid_from,
        data.valid_to,
        data.is_primary,
        career_event_id=data.career_event_id,
    )


async def _check_career_event(session: AsyncSession, person: Person, event_id: uuid.UUID) -> None:
    """The career event named by a placement exists and is the same person's."""
    owners = await career_repository.event_people(session, [event_id])
    if event_id not in owners:
        raise CareerEventMissing(f"No career event has id {event_id}")
    if owners[event_id] != person.id:
        raise CareerEventOfAnother(f"The career event {event_id} is not this person's")


class _Primaries:
    """A person's primary placements that share no day with each other, by start date.

    Being disjoint, they are ordered by end as well as by start, so the ones sharing a day
    with a new interval are one contiguous run found by bisection: checking a batch costs
    O(n log n), however many of its rows collide.
    """

    def __init__(self) -> None:
        self.starts: list[date] = []
        self.ends: list[date] = []
        self.labels: list[tuple[date | None, str]] = []

    def add(self, valid_from: date, valid_to: date | None, label: str) -> None:
        at = bisect.bisect_left(self.starts, valid_from)
        self.starts.insert(at, valid_from)
        self.ends.insert(at, valid_to or date.max)
        self.labels.insert(at, (valid_to, label))

    def sharing_a_day(
        self, valid_from: date, valid_to: date | None, most: int
    ) -> tuple[list[tuple[date, date | None, str]], int]:
        """The first ``most`` intervals sharing a day with this one, and how many there are in all."""
        first = bisect.bisect_left(self.ends, valid_from)
        last = bisect.bisect_right(self.starts, valid_to or date.max)
        shown = [(self.starts[i], *self.labels[i]) for i in range(first, min(last, first + most))]
        return shown, max(last - first, 0)


def _row_errors(
    principal: Principal,
    person_id: uuid.UUID,
    position_id: uuid.UUID,
    people: dict[uuid.UUID, Person],
    positions: dict[uuid.UUID, JobPosition],
) -> list[str]:
    """What keeps one row of a batch or a bulk re-placement from placing this person in this position.

    The checks of :func:`create_placement` for a single placement, as row messages: the person
    and the position exist and are in the caller's area, and the position is approved.
    """
    errors: list[str] = []
    person = people.get(person_id)
    position = positions.get(position_id)
    if person is None:
        errors.append(f"no person has id {person_id}")
    elif not person_in_area(principal, person):
        errors.append("the person's record is outside your area")
    if position is None:
        errors.append(f"no job position has id {position_id}")
    else:
        if not position_in_area(principal, position):
            errors.append(f"the position {position.title} is outside your area")
        if position.status is not PositionStatus.APPROVED:
            errors.append(f"the position {position.title} is {position.status.value}, not approved")
    return errors


def _new_placement(
    person: Person,
    position: JobPosition,
    valid_from: date,
    valid_to: date | None,
    is_primary: bool,
    now: datetime,
    career_event_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The row of a new placement written in bulk, its suitability assessed."""
    suitability, reasons = assess(person.education_level, person.field_key, position.required_education, position.required_fields)
    return {
        "id": uuid.uuid4(),
        "person_id": person.id,
        "position_id": position.id,
        "is_primary": is_primary,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "suitability": suitability,
        "suitability_reasons": reasons,
        "career_event_id": career_event_id,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        **_agency_of(position),
    }


async def _write_placements(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    new_rows: list[dict[str, Any]],
    followers: dict[uuid.UUID, list[uuid.UUID]],
    people: dict[uuid.UUID, Person],
    positions: dict[uuid.UUID, JobPosition],
    now: datetime,
) -> None:
    """Insert the new placements; each person's record follows their new open primary placement's agency.

    Each placement written has its ``create`` event and each person moved an ``update`` one
    (before: as loaded; after: read back), a batch at a time.
    """
    moved = [person_id for person_ids in followers.values() for person_id in person_ids]
    people_before = {person_id: snapshot(people[person_id]) for person_id in moved}
    await repository.insert_placements(session, new_rows)
    for position_id, person_ids in followers.items():
        await people_repository.move_to_agency(session, person_ids, _agency_of(positions[position_id]), now)
    # NOTE: the ORM objects loaded before are now stale; drop them so later reads see the rows.
    session.expire_all()
    for batch in in_batches(new_rows, EVENT_BATCH):
        await audit.record_many(
            session,
            principal,
            entity_type=ENTITY_PLACEMENT,
            action="create",
            changes=[(r["id"], None, {k: jsonable(v) for k, v in r.items()}) for r in batch],
        )
    for ids in in_batches(moved, EVENT_BATCH):
        rows = await people_repository.people_rows(session, ids)
        await audit.record_many(
            session,
            principal,
            entity_type=ENTITY_PERSON,
            action="update",
            changes=[(row["id"], people_before[row["id"]], row_snapshot(row)) for row in rows],
        )


async def _batch_problems(
    session: AsyncSession,
    principal: Principal,
    data: PlacementBatch,
    people: dict[uuid.UUID, Person],
    positions: dict[uuid.UUID, JobPosition],
) -> list[RowProblem]:
    """The rows that cannot be placed: the single-placement checks, and a primary placement sharing
    a day with one of the person's recorded ones or with an earlier row that passed this check."""
    earliest = min(r.valid_from for r in data.rows)
    primaries: dict[uuid.UUID, _Primaries] = defaultdict(_Primaries)
    named = [r.career_event_id for r in data.rows if r.career_event_id is not None]
    event_owners = await career_repository.event_people(session, list(set(named))) if named else {}
    for placement in await repository.primaries_from(session, list(people), earliest):
        primaries[placement.person_id].add(placement.valid_from, placement.valid_to, f"the primary placement {placement.id}")
    problems: list[RowProblem] = []
    for number, row in enumerate(data.rows, start=1):
        if number % CHECK_CHUNK == 0:
            # NOTE: let other requests (/healthz, other writes) run between chunks of rows.
            await asyncio.sleep(0)
        errors = _row_errors(principal, row.person_id, row.position_id, people, positions)
        if row.career_event_id is not None:
            if row.career_event_id not in event_owners:
                errors.append(f"no career event has id {row.career_event_id}")
            elif event_owners[row.career_event_id] != row.person_id:
                errors.append(f"the career event {row.career_event_id} is another person's")
        more = 0
        if row.is_primary:
            held = primaries[row.person_id]
            overlaps, count = held.sharing_a_day(row.valid_from, row.valid_to, MAX_ERRORS_PER_ROW)
            errors.extend(f"{what} of the person runs from {start} to {end or 'open'}" for start, end, what in overlaps)
            more = count - len(overlaps)
            if count == 0:
                held.add(row.valid_from, row.valid_to, f"row {number}")
        if errors:
            problems.append(row_problem(number, errors, more=more))
    return problems


async def place_batch(
    session: AsyncSession, audit: AuditTrail, principal: Principal, data: PlacementBatch
) -> PlacementBatchReport:
    """Record many placements at once, each checked as :func:`create_placement` would; all or nothing.

    Every row is checked (the person and the approved position in the caller's area; a primary
    placement sharing no day with the person's others, recorded or in an earlier row that passed
    this check). Any problem: nothing is written and the report says what (409
    ``placement_batch_rejected``), each row once, in at most ``MAX_ERRORS_PER_ROW`` messages.
    """
    people = await people_repository.get_people(session, list({r.person_id for r in data.rows}))
    positions = await position_repository.get_positions(session, list({r.position_id for r in data.rows}))
    problems = await _batch_problems(session, principal, data, people, positions)
    report = PlacementBatchReport(rows=len(data.rows), placed=0, problems=problems)
    if problems:
        raise BatchRejected(
            f"{len(problems)} of {len(data.rows)} rows have problems; nothing was written", report=report.model_dump(mode="json")
        )

    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    followers: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for row in data.rows:
        person, position = people[row.person_id], positions[row.position_id]
        new_rows.append(_new_placement(person, position, row.valid_from, row.valid_to, row.is_primary, now, row.career_event_id))
        if row.is_primary and row.valid_to is None:
            followers[position.id].append(person.id)
    await _write_placements(session, audit, principal, new_rows, followers, people, positions, now)
    report.placed = len(new_rows)
    return report


async def update_placement(
    session: AsyncSession, audit: AuditTrail, principal: Principal, placement: Placement, changes: PlacementUpdate
) -> Placement:
    valid_to = changes.valid_to
    if valid_to is not None and not Interval(placement.valid_from).contains(valid_to):
        raise Conflict(f"valid_to would be before valid_from ({placement.valid_from})", code="invalid_interval")
    if placement.is_primary:
        existing = await repository.overlapping_primary(
            session, placement.person_id, placement.valid_from, valid_to, other_than=placement.id
        )
        if existing is not None:
            raise _overlap(existing)
    before = snapshot(placement)
    placement.valid_to = valid_to
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_PLACEMENT,
        entity_id=placement.id,
        action="update",
        before=before,
        after=snapshot(placement),
    )
    return placement


async def recompute_for_person(session: AsyncSession, audit: AuditTrail, principal: Principal, person: Person) -> None:
    """Suitability again for the person's placements in force today or later (their training changed)."""
    for placement in await repository.current_and_later_of(session, person.id, date.today()):
        position = await position_repository.get_position(session, placement.position_id)
        assert position is not None  # NOTE: a foreign key keeps it
        suitability, reasons = assess(
            person.education_level, person.field_key, position.required_education, position.required_fields
        )
        if (suitability, reasons) != (placement.suitability, placement.suitability_reasons):
            before = snapshot(placement)
            placement.suitability, placement.suitability_reasons = suitability, reasons
            await session.flush()
            await audit.record(
                session,
                principal,
                entity_type=ENTITY_PLACEMENT,
                entity_id=placement.id,
                action="reassess",
                before=before,
                after=snapshot(placement),
            )


async def bulk_replace(
    session: AsyncSession, audit: AuditTrail, principal: Principal, data: BulkReplacement
) -> BulkReplacementReport:
    """Re-place people of former agencies into positions of new ones from one date, atomically.

    Every row is checked; nobody may be listed twice; everyone placed in a former agency the
    day before must be re-placed or be in a streamlining case (not withdrawn). Any problem:
    nothing is written and the report says what (409 ``replacement_rejected``).

    Each placement ended and recorded, and each person moved, has its event; the re-placement
    its own after them (with the ids of the placements), all in the one transaction.
    """
    day_before = data.effective_date - timedelta(days=1)
    if data.decision is not None and (wrong := career_service.decision_problems(data.decision, data.effective_date)):
        raise career_service.InvalidCareerEvent("; ".join(wrong), problems=wrong)
    people = await people_repository.get_people(session, list({r.person_id for r in data.rows}))
    positions = await position_repository.get_positions(session, list({r.position_id for r in data.rows}))
    current = await repository.primaries_from(session, list(people), day_before)
    problems = await _replacement_problems(principal, data, people, positions, current)
    unaccounted = await _unaccounted(session, principal, data)
    report = BulkReplacementReport(rows=len(data.rows), placed=0, ended=0, problems=problems, unaccounted=unaccounted)
    if problems or unaccounted:
        raise BulkRejected(
            f"{len(problems)} rows have problems and {len(unaccounted)} people are unaccounted for; nothing was written",
            report=report.model_dump(mode="json"),
        )

    now = utcnow()
    ended = {p.id: snapshot(p) for p in current if p.valid_from < data.effective_date}
    ended_ids = list(ended)
    await repository.end_placements(session, ended_ids, day_before, now)
    for ids in in_batches(ended_ids, EVENT_BATCH):
        rows = await repository.placement_rows(session, ids)
        await audit.record_many(
            session,
            principal,
            entity_type=ENTITY_PLACEMENT,
            action="update",
            changes=[(row["id"], ended[row["id"]], row_snapshot(row)) for row in rows],
        )
    new_rows: list[dict[str, Any]] = []
    moved: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    span = AreaSpan()
    transfers: list[dict[str, Any]] = []
    former_agency = {p.person_id: p.agency_id for p in current if p.valid_from < data.effective_date}
    for row in data.rows:
        person, position = people[row.person_id], positions[row.position_id]
        event_id = None
        if data.decision is not None:
            transfers.append(
                career_service.transfer_row(
                    person, former_agency.get(person.id), _agency_of(position), data.decision, data.effective_date, now
                )
            )
            event_id = transfers[-1]["id"]
        new_rows.append(_new_placement(person, position, data.effective_date, None, True, now, event_id))
        moved[position.id].append(person.id)
        span.add(new_rows[-1])
    # NOTE: the transfers first: each new placement names its own (a foreign key).
    await career_service.write_events(session, audit, principal, transfers)
    await _write_placements(session, audit, principal, new_rows, moved, people, positions, now)
    report.placed, report.ended, report.career_events = len(new_rows), len(ended_ids), len(transfers)
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_BULK_REPLACEMENT,
        entity_id=data.effective_date.isoformat(),
        action="create",
        after=report.model_dump(mode="json", exclude={"problems", "unaccounted"})
        | {
            "effective_date": data.effective_date.isoformat(),
            "from_agency_ids": [str(a) for a in data.from_agency_ids],
            "ended_placement_ids": [str(i) for i in ended_ids],
            "placement_ids": [str(r["id"]) for r in new_rows],
            **span.fields(),
        },
    )
    return report


async def _replacement_problems(
    principal: Principal,
    data: BulkReplacement,
    people: dict[uuid.UUID, Person],
    positions: dict[uuid.UUID, JobPosition],
    current: Sequence[Placement],
) -> list[RowProblem]:
    """The rows that cannot be re-placed: the single-placement checks, a person listed twice, and
    a person whose primary placement the day before is not in a former agency or who is already
    placed from the date."""
    day_before = data.effective_date - timedelta(days=1)
    former = set(data.from_agency_ids)
    by_person: dict[uuid.UUID, list[Placement]] = defaultdict(list)
    for placement in current:
        by_person[placement.person_id].append(placement)
    seen: dict[uuid.UUID, int] = {}
    problems: list[RowProblem] = []
    for number, row in enumerate(data.rows, start=1):
        if number % CHECK_CHUNK == 0:
            await asyncio.sleep(0)
        errors = _row_errors(principal, row.person_id, row.position_id, people, positions)
        if row.person_id in seen:
            errors.append(f"the person is already placed by row {seen[row.person_id]}")
        else:
            seen[row.person_id] = number
        for placement in by_person.get(row.person_id, []):
            if placement.valid_from >= data.effective_date:
                errors.append(f"the person already has a primary placement from {placement.valid_from}")
            elif placement.agency_id not in former:
                errors.append(
                    f"the person's placement in force on {day_before} is in agency {placement.agency_id}, not a former one"
                )
        if errors:
            problems.append(row_problem(number, errors))
    return problems


async def _unaccounted(session: AsyncSession, principal: Principal, data: BulkReplacement) -> list[Unaccounted]:
    """The people placed in a former agency the day before who are neither listed nor in a case that is not withdrawn."""
    day_before = data.effective_date - timedelta(days=1)
    listed = {r.person_id for r in data.rows}
    placed_before = await repository.placed_in_on(session, data.from_agency_ids, day_before)
    missing = [person_id for person_id, _ in placed_before if person_id not in listed]
    in_case = await streamlining_repository.people_with_open_cases(session, missing)
    lost_ids = [p for p in missing if p not in in_case]
    lost_people = await people_repository.get_people(session, lost_ids)
    agency_of = dict(placed_before)
    # NOTE: the former agencies named by the caller may lie outside their area; those people are
    # counted and identified by id, not named.
    return [
        Unaccounted(
            person_id=p,
            full_name=lost_people[p].full_name if person_in_area(principal, lost_people[p]) else None,
            agency_id=agency_of[p],
        )
        for p in lost_ids
        if p in lost_people
    ]


async def recruit(
    session: AsyncSession, audit: AuditTrail, principal: Principal, person: Person, data: RecruitmentIn
) -> RecruitmentResult:
    """A former non-specialised commune worker becomes a civil servant in an approved position."""
    if person.category is not Category.NON_SPECIALISED:
        raise NotNonSpecialised(f"{person.full_name} is {person.category.value}")
    position = await _approved_position(session, principal, data.position_id)
    suitability, reasons = assess(person.education_level, person.field_key, position.required_education, position.required_fields)
    if reasons and suitability.value == "unsuitable":
        raise StandardsNotMet(f"{person.full_name}: {'; '.join(reasons)}", reasons=reasons)
    before = snapshot(person)
    ended: list[tuple[Placement, dict[str, Any]]] = []
    for placement in await repository.primaries_from(session, [person.id], data.effective_date):
        if placement.valid_from >= data.effective_date:
            raise _overlap(placement)
        ended.append((placement, snapshot(placement)))
        placement.valid_to = data.effective_date - timedelta(days=1)
    await session.flush()
    await audit.record_many(
        session,
        principal,
        entity_type=ENTITY_PLACEMENT,
        action="update",
        changes=[(p.id, placement_before, snapshot(p)) for p, placement_before in ended],
    )
    # NOTE: the person's move to the new agency is part of their ``recruit`` event below.
    placement = await _place(session, audit, principal, person, position, data.effective_date, None, True, record_person=False)
    person.category = Category.CIVIL_SERVANT
    recruitment = Recruitment(
        person_id=person.id,
        from_category=Category.NON_SPECIALISED,
        to_category=Category.CIVIL_SERVANT,
        placement_id=placement.id,
        effective_date=data.effective_date,
        decision_number=data.decision_number,
    )
    session.add(recruitment)
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_PERSON,
        entity_id=person.id,
        action="recruit",
        before=before,
        after=snapshot(person),
    )
    return RecruitmentResult(
        id=recruitment.id,
        person_id=person.id,
        from_category=recruitment.from_category,
        to_category=recruitment.to_category,
        placement=PlacementOut.model_validate(placement),
        effective_date=data.effective_date,
        decision_number=data.decision_number,
    )
