"""The rules of career events: each rests on a decision, fits its type and the person's dates; documents; history."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from pydantic import ValidationError
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.areas import record_in_area
from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.batching import in_batches
from haicap_shared.errors import AppError, BadRequest, Conflict, NotFound
from haicap_shared.import_runs import ImportRun, finish_import, import_audit_entry
from haicap_shared.imports import Upload
from haicap_shared.models import utcnow
from haicap_shared.paging import Page
from haicap_shared.tabular import ImportReport

from ..agency_ref import AgencyNotFound
from ..codelists import service as codelist_service
from ..codelists.models import CodeListName
from ..common import AreaSpan
from ..conduct import service as conduct_service
from ..decisions import Decision, HistoryEntry
from ..org_client import OrgDirectory
from ..people import repository as people_repository
from ..people.access import check_person
from ..people.models import Person
from . import repository
from .access import career_events_visible, check_career_event
from .documents import PDF, PDF_MAGIC, DocumentStore, sha256_of
from .importer import COLUMNS, MAX_PROBLEMS, Lookups, ParsedRow, check_row, codes_wanted, parse_row
from .models import CareerEvent, CareerEventType, Document
from .rules import date_problems, grade_list_for
from .schemas import NEEDS_TO_AGENCY, CareerEventCreate, CareerEventFilter, CareerEventUpdate, PersonHistory
from .schemas import CareerEvent as CareerEventOut

ENTITY_CAREER_EVENT = "career_event"
ENTITY_CAREER_EVENT_IMPORT = "career_event_import"
# NOTE: the records of a bulk write whose events are written at a time: bounded memory.
EVENT_BATCH = 2000

TITLES: dict[CareerEventType, str] = {
    CareerEventType.RECRUITMENT: "Tuyển dụng",
    CareerEventType.ELECTION: "Bầu cử",
    CareerEventType.APPOINTMENT: "Bổ nhiệm",
    CareerEventType.REAPPOINTMENT: "Bổ nhiệm lại",
    CareerEventType.TRANSFER: "Điều động",
    CareerEventType.ROTATION: "Luân chuyển",
    CareerEventType.SECONDMENT: "Biệt phái",
    CareerEventType.GRADE_CHANGE: "Chuyển ngạch / thay đổi chức danh nghề nghiệp",
    CareerEventType.SALARY_STEP_CHANGE: "Nâng bậc lương",
    CareerEventType.RESIGNATION: "Thôi việc",
    CareerEventType.RETIREMENT: "Nghỉ hưu",
    CareerEventType.DISMISSAL: "Buộc thôi việc / bãi nhiệm",
}


class CareerEventNotFound(NotFound):
    code, title = "career_event_not_found", "No such career event"


class PersonMissing(Conflict):
    code, title = "person_not_found", "No such person"


class PersonNotFound(NotFound):
    code, title = "person_not_found", "No such person"


class InvalidCareerEvent(Conflict):
    code, title = "invalid_career_event", "The event's dates do not fit the person or its decision"


class InvalidCareerEventFields(BadRequest):
    code, title = "invalid_career_event_fields", "After the changes, the event no longer fits its type"


class CareerEventInUse(Conflict):
    code, title = "career_event_in_use", "A placement or a streamlining case names this event as the one that made it"


class DocumentNotFound(NotFound):
    code, title = "document_not_found", "The career event has no document"


class NotAPdf(AppError):
    status, code, title = 415, "not_a_pdf", "A document must be a PDF (application/pdf, starting with %PDF-)"


class DocumentTooLarge(AppError):
    status, code, title = 413, "document_too_large", "The document is larger than the service accepts"

    def __init__(self, limit: int) -> None:
        super().__init__(f"A document may have at most {limit} bytes", limit=limit)


class DocumentMissingFromStore(AppError):
    status, code, title = 503, "document_unavailable", "The document's file is not in the document store"


# --- reading ------------------------------------------------------------------------------


def event_out(event: CareerEvent, document: Document | None) -> CareerEventOut:
    """The response body of one event, with its document's checksum, size and type."""
    values = snapshot(event) | _document_fields(document)
    return CareerEventOut.model_validate(values)


def _document_fields(document: Document | None) -> dict[str, Any]:
    if document is None:
        return {"document_size": None, "document_content_type": None}
    return {"document_size": document.size, "document_content_type": document.content_type}


async def _snapshot(session: AsyncSession, event: CareerEvent) -> dict[str, Any]:
    """What the audit log and the change feed keep of an event: its row and its document's size and type."""
    document = await repository.get_document(session, event.document_sha256) if event.document_sha256 else None
    return snapshot(event) | _document_fields(document)


async def get_event(session: AsyncSession, principal: Principal, event_id: uuid.UUID) -> CareerEvent:
    event = await repository.get_event(session, event_id)
    if event is None:
        raise CareerEventNotFound(f"No career event has id {event_id}")
    check_career_event(principal, event)
    return event


async def read_event(session: AsyncSession, event: CareerEvent) -> CareerEventOut:
    document = await repository.get_document(session, event.document_sha256) if event.document_sha256 else None
    return event_out(event, document)


async def list_events(
    session: AsyncSession, principal: Principal, filters: CareerEventFilter, *, limit: int, cursor: str | None
) -> Page[CareerEventOut]:
    """One page of the career events in the caller's area, by effective date."""
    rows, next_cursor = await repository.page_events(
        session, career_events_visible(principal), filters, limit=limit, cursor=cursor
    )
    return Page[CareerEventOut](items=[CareerEventOut.model_validate(dict(r)) for r in rows], next=next_cursor)


# --- writing ------------------------------------------------------------------------------


async def _person(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> Person:
    person = await people_repository.get_person(session, person_id)
    if person is None:
        raise PersonMissing(f"No person has id {person_id}")
    check_person(principal, person)
    return person


async def _check(session: AsyncSession, org: OrgDirectory, person: Person, data: CareerEventCreate) -> None:
    """The rules that need the person, the code lists and org-structure (the type's own are the schema's)."""
    if problems := date_problems(person.birth_date, data.effective_date, data.decision.date, date.today()):
        raise InvalidCareerEvent("; ".join(problems), problems=problems)
    if data.position_code is not None:
        await codelist_service.check_code(session, CodeListName.LEADERSHIP_POSITION, data.position_code, data.effective_date)
    if data.grade_code is not None:
        await codelist_service.check_code(session, grade_list_for(person.category.value), data.grade_code, data.effective_date)
    for agency_id in {data.from_agency_id, data.to_agency_id} - {None}:
        assert agency_id is not None
        if await org.agency(agency_id) is None:
            raise AgencyNotFound(f"org-structure has no agency {agency_id}")


def _columns(data: CareerEventCreate) -> dict[str, Any]:
    fields = data.model_dump(exclude={"decision", "person_id", "type"})
    return fields | data.decision.columns()


async def create_event(
    session: AsyncSession, audit: AuditTrail, org: OrgDirectory, principal: Principal, data: CareerEventCreate
) -> CareerEvent:
    """A career event of a person of the caller's area, in the area of the person's agency."""
    person = await _person(session, principal, data.person_id)
    if data.type in NEEDS_TO_AGENCY and data.from_agency_id is None:
        data = data.model_copy(update={"from_agency_id": person.agency_id})
    await _check(session, org, person, data)
    event = CareerEvent(
        person_id=person.id,
        type=data.type,
        **_columns(data),
        agency_id=person.agency_id,
        province_code=person.province_code,
        commune_code=person.commune_code,
        agency_level=person.agency_level,
        unit_id=person.unit_id,
        agency_valid_to=person.agency_valid_to,
    )
    session.add(event)
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_CAREER_EVENT,
        entity_id=event.id,
        action="create",
        after=await _snapshot(session, event),
    )
    return event


def _merged(event: CareerEvent, changes: CareerEventUpdate) -> CareerEventCreate:
    """The event as it would be after ``changes``, checked as a new one would be (422 when it no longer fits its type)."""
    current = CareerEventOut.model_validate(snapshot(event) | {"document_size": None, "document_content_type": None})
    values = current.model_dump(
        include={
            "person_id",
            "type",
            "effective_date",
            "end_date",
            "decision",
            "from_agency_id",
            "to_agency_id",
            "position_code",
            "grade_code",
            "salary_step",
            "salary_coefficient",
            "note",
        }
    )
    values |= changes.model_dump(exclude_unset=True)
    try:
        return CareerEventCreate.model_validate(values)
    except ValidationError as exc:
        messages = "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in exc.errors())
        raise InvalidCareerEventFields(messages) from exc


async def update_event(
    session: AsyncSession,
    audit: AuditTrail,
    org: OrgDirectory,
    principal: Principal,
    event: CareerEvent,
    changes: CareerEventUpdate,
) -> CareerEvent:
    data = _merged(event, changes)
    person = await _person(session, principal, event.person_id)
    await _check(session, org, person, data)
    before = await _snapshot(session, event)
    for name, value in _columns(data).items():
        setattr(event, name, value)
    await _record_update(session, audit, principal, event, before)
    return event


async def _record_update(
    session: AsyncSession, audit: AuditTrail, principal: Principal, event: CareerEvent, before: dict[str, Any]
) -> None:
    """Write the event's change, then its audit record (and change-feed event) from ``before`` to now."""
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_CAREER_EVENT,
        entity_id=event.id,
        action="update",
        before=before,
        after=await _snapshot(session, event),
    )


async def delete_event(session: AsyncSession, audit: AuditTrail, principal: Principal, event: CareerEvent) -> None:
    """Delete a wrongly recorded event (not one a placement or a streamlining case names); its document stays stored."""
    if await repository.records_made_by(session, event.id):
        raise CareerEventInUse("A placement or a streamlining case names this event; correct it first")
    before = await _snapshot(session, event)
    event_id = event.id
    await repository.delete_event(session, event)
    await audit.record(session, principal, entity_type=ENTITY_CAREER_EVENT, entity_id=event_id, action="delete", before=before)


# --- documents ----------------------------------------------------------------------------


def check_document(content: bytes, limit: int) -> None:
    """A PDF (it starts with ``%PDF-``) of at most ``limit`` bytes."""
    if len(content) > limit:
        raise DocumentTooLarge(limit)
    if not content.startswith(PDF_MAGIC):
        raise NotAPdf("The body does not start with %PDF-: send the decision as a PDF file")


async def attach_document(
    session: AsyncSession, audit: AuditTrail, store: DocumentStore, principal: Principal, event: CareerEvent, content: bytes
) -> CareerEvent:
    """Store the PDF under its SHA-256 (once, however many events attach it) and attach it to the event."""
    # NOTE: in a worker thread: hashing a 20 MB file would hold the event loop for tens of milliseconds.
    sha256 = await asyncio.to_thread(sha256_of, content)
    before = await _snapshot(session, event)
    if await repository.get_document(session, sha256) is None:
        await store.put(sha256, content, PDF)
        await repository.add_document(session, sha256, len(content), PDF)
    event.document_sha256 = sha256
    # NOTE: attaching the same file again changes nothing, and records nothing.
    if before.get("document_sha256") != sha256:
        event.updated_at = utcnow()
        await _record_update(session, audit, principal, event, before)
    return event


async def document_of(session: AsyncSession, store: DocumentStore, event: CareerEvent) -> tuple[Document, bytes]:
    """The event's document and its content."""
    if event.document_sha256 is None:
        raise DocumentNotFound("This career event has no document attached")
    document = await repository.get_document(session, event.document_sha256)
    content = await store.get(event.document_sha256)
    if document is None or content is None:
        raise DocumentMissingFromStore(f"The file {event.document_sha256} is not in the document store")
    return document, content


async def detach_document(session: AsyncSession, audit: AuditTrail, principal: Principal, event: CareerEvent) -> CareerEvent:
    """The event no longer has a document (the stored file stays: another event may have it)."""
    if event.document_sha256 is None:
        raise DocumentNotFound("This career event has no document attached")
    before = await _snapshot(session, event)
    event.document_sha256 = None
    await _record_update(session, audit, principal, event, before)
    return event


# --- history ------------------------------------------------------------------------------


def history_title(event: CareerEvent) -> str:
    """A line an officer reads: the type in Vietnamese and what it changed."""
    parts = [TITLES[event.type]]
    if event.position_code:
        parts.append(f"chức vụ {event.position_code}")
    if event.grade_code:
        parts.append(f"ngạch/chức danh {event.grade_code}")
    if event.salary_step is not None:
        step = f"bậc {event.salary_step}"
        if event.salary_coefficient is not None:
            step += f" (hệ số {str(event.salary_coefficient).replace('.', ',')})"
        parts.append(step)
    if event.end_date is not None:
        parts.append(f"đến {event.end_date.strftime('%d/%m/%Y')}")
    return ", ".join(parts)


async def person_history(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> PersonHistory:
    """The person's career events, evaluations, commendations and disciplines, ordered by the day they took effect."""
    person = await people_repository.get_person(session, person_id)
    if person is None:
        raise PersonNotFound(f"No person has id {person_id}")
    check_person(principal, person)
    entries = [
        HistoryEntry(
            on=event.effective_date,
            kind=ENTITY_CAREER_EVENT,
            type=event.type.value,
            title=history_title(event),
            decision=Decision.of(event),
            record_id=event.id,
            path=f"/api/v1/personnel/career-events/{event.id}",
        )
        for event in await repository.person_events(session, person.id)
    ]
    entries += await conduct_service.history_entries(session, person.id)
    # NOTE: stable: on one day, career events first (in their own order), then conduct's.
    entries.sort(key=lambda e: e.on)
    return PersonHistory(person_id=person.id, entries=entries)


# --- bulk writes: a bulk re-placement's transfers ------------------------------------------


def transfer_row(
    person: Person, from_agency_id: uuid.UUID | None, to_agency: dict[str, Any], decision: Decision, on: date, now: datetime
) -> dict[str, Any]:
    """The row of a ``transfer`` event written in bulk: in the area of the agency the person goes to."""
    return {
        "id": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "person_id": person.id,
        "type": CareerEventType.TRANSFER,
        "effective_date": on,
        "end_date": None,
        "from_agency_id": from_agency_id,
        "to_agency_id": to_agency["agency_id"],
        "position_code": None,
        "grade_code": None,
        "salary_step": None,
        "salary_coefficient": None,
        "note": None,
        "document_sha256": None,
        **decision.columns(),
        **{name: to_agency[name] for name in ("agency_id", "province_code", "commune_code", "agency_level", "unit_id")},
        "agency_valid_to": to_agency["agency_valid_to"],
    }


def decision_problems(decision: Decision, effective_date: date) -> list[str]:
    """What is wrong with a decision for events taking effect on ``effective_date`` (its dates only)."""
    problems = date_problems(date.min, effective_date, decision.date, date.today())
    return problems


_AS_TEXT = ("id", "person_id", "agency_id", "unit_id", "from_agency_id", "to_agency_id", "salary_coefficient", "type")
_AS_ISO = ("effective_date", "end_date", "decision_date", "agency_valid_to", "created_at", "updated_at")


def _bulk_snapshot(row: dict[str, Any]) -> dict[str, Any]:
    """What ``snapshot`` gives of an event written in bulk (its row as built), without a document.

    NOTE: ``jsonable`` value by value, with each column's conversion known in advance: a large
    import makes millions of them.
    """
    values = dict(row)
    for name in _AS_TEXT:
        if (value := values[name]) is not None:
            values[name] = str(value)
    for name in _AS_ISO:
        if (value := values[name]) is not None:
            values[name] = value.isoformat()
    values["document_size"] = values["document_content_type"] = None
    return values


async def write_events(session: AsyncSession, audit: AuditTrail, principal: Principal, rows: Sequence[dict[str, Any]]) -> None:
    """Career events written in bulk (COPY or batched inserts), each with its ``create`` event, a batch at a time."""
    await repository.insert_events(session, rows)
    for batch in in_batches(list(rows), EVENT_BATCH):
        await audit.record_many(
            session,
            principal,
            entity_type=ENTITY_CAREER_EVENT,
            action="create",
            changes=[(r["id"], None, _bulk_snapshot(r)) for r in batch],
        )


# --- imports ------------------------------------------------------------------------------


class _Agencies:
    """The agencies a file names, asked of org-structure once each: what is wrong with those that are not there."""

    def __init__(self, org: OrgDirectory) -> None:
        self.org = org
        self.checked: set[uuid.UUID] = set()
        self.problems: dict[uuid.UUID, str] = {}

    async def load(self, ids: set[uuid.UUID]) -> None:
        for agency_id in sorted(ids - self.checked):
            self.checked.add(agency_id)
            if await self.org.agency(agency_id) is None:
                self.problems[agency_id] = f"org-structure has no agency {agency_id}"


class _Codes:
    """Codes asked of the code lists once per (list, code, day), a chunk's at once."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.known: dict[tuple[CodeListName, str, date], bool] = {}

    async def load(self, wanted: set[tuple[CodeListName, str, date]]) -> None:
        by_list: dict[CodeListName, set[tuple[str, date]]] = {}
        for list_name, code, on in wanted - self.known.keys():
            by_list.setdefault(list_name, set()).add((code, on))
        # NOTE: one query per list for the whole chunk, the days checked in memory (a list has at most
        # a few hundred versions; a query per list and day made a national import wait on thousands).
        for list_name, pairs in by_list.items():
            valid = await codelist_service.in_force(self.session, list_name, pairs)
            for code, on in pairs:
                self.known[(list_name, code, on)] = (code, on) in valid


def _in_area(principal: Principal, person: RowMapping) -> bool:
    return record_in_area(
        principal,
        SimpleNamespace(
            province_code=person["province_code"], commune_code=person["commune_code"], agency_id=person["agency_id"]
        ),
    )


async def import_events(
    session: AsyncSession, audit: AuditTrail, org: OrgDirectory, principal: Principal, upload: Upload
) -> ImportReport:
    """Check every row; write them all or none (409 ``import_rejected`` with the report).

    The file comes through the shared bounded pipeline a chunk at a time; each chunk's rows are
    parsed in a worker thread, the people (by national id, in the caller's area), agencies and
    codes they name looked up once per chunk, and the good rows written in bulk (COPY on
    PostgreSQL, batched inserts on SQLite) while the import may still succeed, each with its
    ``create`` event; the import has its ``import`` event after them, in the same transaction.
    """
    run = ImportRun(upload, partial=False, max_problems=MAX_PROBLEMS)
    agencies = _Agencies(org)
    codes = _Codes(session)
    span = AreaSpan()
    seen_people: dict[str, RowMapping] = {}
    today, now = date.today(), utcnow()
    async for chunk in run.chunks(COLUMNS):
        parsed: list[ParsedRow] = await run.in_thread(lambda rows: [parse_row(r.number, r.values) for r in rows], chunk)
        numbers = sorted({r.national_id for r in parsed if r.national_id} - seen_people.keys())
        for number, person in (await repository.people_by_national_id(session, numbers)).items():
            seen_people[number] = person
        people = {r.national_id: seen_people[r.national_id] for r in parsed if r.national_id in seen_people}
        people = {number: person for number, person in people.items() if _in_area(principal, person)}
        await agencies.load({r.values[n] for r in parsed for n in ("from_agency_id", "to_agency_id") if r.values.get(n)})
        await codes.load({w for r in parsed for w in codes_wanted(r, people.get(r.national_id or ""))})
        lookups = Lookups(people=people, agency_problems=agencies.problems, codes=codes.known)

        def check(rows: list[ParsedRow], found: Lookups = lookups) -> list[dict[str, Any]]:
            good: list[dict[str, Any]] = []
            for row in rows:
                ready = check_row(row, found, today, now)
                if ready is None:
                    run.problems.add(row.number, row.errors)
                else:
                    good.append(ready)
            return good

        good = await run.in_thread(check, parsed)
        run.accepted += len(good)
        if good and run.may_write:
            await write_events(session, audit, principal, good)
            run.written += len(good)
            for row in good:
                span.add(row)
        if len(seen_people) > 200_000:
            # NOTE: a bounded cache: the import holds a chunk's people, not the whole file's.
            seen_people.clear()
    report = finish_import(
        rows=run.rows,
        accepted=run.accepted,
        rejected=run.problems.count,
        written=run.written,
        partial=False,
        problems=run.problems.listed,
    )
    if report.written:
        await audit.record(
            session,
            principal,
            entity_type=ENTITY_CAREER_EVENT_IMPORT,
            entity_id=upload.filename[:100],
            action="import",
            after=import_audit_entry(report, filename=upload.filename[:100], **span.fields()),
        )
    return report
