"""The rules of people's records."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import BadRequest, Conflict, NotFound
from haicap_shared.import_runs import ImportRun, finish_import, import_audit_entry
from haicap_shared.imports import Upload, row_chunks
from haicap_shared.models import utcnow
from haicap_shared.paging import Page
from haicap_shared.personal_data import mask, reveal
from haicap_shared.tabular import ImportReport, RowProblem, check_csv_lines, is_csv
from haicap_shared.text import search_key

from ..agency_ref import fetch_agency
from ..common import AreaSpan, row_snapshot
from ..org_client import OrgDirectory
from ..placements import service as placement_service
from . import national_id, repository
from .access import check_person, people_visible
from .importer import (
    COLUMNS,
    ENUMS,
    MAX_PROBLEMS,
    AgencyCheck,
    check_chunk,
    copy_targets,
    csv_header,
    enum_key_map,
    file_chunks,
    staged_record,
)
from .models import Person
from .schemas import Person as PersonOut
from .schemas import PersonCreate, PersonFilter, PersonUpdate

ENTITY_PERSON = "person"
ENTITY_PERSON_IMPORT = "person_import"
PERSONAL_FIELDS = {ENTITY_PERSON: ("national_id",)}
"""What responses mask unless revealed, by audited entity type: the audit log masks the same.

NOTE: the birth date is not here: the people API shows it to every role that may read a
person's record (auditors and service accounts included), so the audit log, read by admins
and auditors only, shows it as well; viewers read neither.
"""


class PersonNotFound(NotFound):
    code, title = "person_not_found", "No such person"


class NationalIdTaken(Conflict):
    code, title = "national_id_taken", "Another person has this national id"


class InvalidNationalId(BadRequest):
    code, title = "invalid_national_id", "The national id does not fit the birth date and sex"


def certificates_text(values: list[str]) -> str | None:
    return "; ".join(v.strip() for v in values if v.strip()) or None


def certificates_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def field_key(value: str | None) -> str | None:
    return search_key(value) if value else None


def person_out(person: Person | Any, *, revealed: bool = False) -> PersonOut:
    """The response body; the national id masked unless ``revealed``."""
    values = {k: getattr(person, k) for k in PersonOut.model_fields if k != "certificates"}
    values["certificates"] = certificates_list(person.certificates)
    if not revealed:
        values["national_id"] = mask(person.national_id)
    return PersonOut.model_validate(values)


async def get_person(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> Person:
    person = await repository.get_person(session, person_id)
    if person is None:
        raise PersonNotFound(f"No person has id {person_id}")
    check_person(principal, person)
    return person


async def list_people(
    session: AsyncSession, principal: Principal, filters: PersonFilter, *, limit: int, cursor: str | None
) -> Page[PersonOut]:
    """One page of the people in the caller's area (national ids masked)."""
    rows, next_cursor = await repository.page_people(session, people_visible(principal), filters, limit=limit, cursor=cursor)
    return Page[PersonOut](items=[person_out(r) for r in rows], next=next_cursor)


async def read_person(
    session: AsyncSession, audit: AuditTrail, principal: Principal, person_id: uuid.UUID, *, revealed: bool
) -> PersonOut:
    person = await get_person(session, principal, person_id)
    if revealed:
        await reveal(
            session, audit, principal, entity_type=ENTITY_PERSON, entity_id=person.id, fields=list(PERSONAL_FIELDS[ENTITY_PERSON])
        )
    return person_out(person, revealed=revealed)


async def create_person(
    session: AsyncSession, audit: AuditTrail, org: OrgDirectory, principal: Principal, data: PersonCreate
) -> Person:
    if await repository.national_id_taken(session, data.national_id):
        raise NationalIdTaken(f"A person with national id {mask(data.national_id)} is already recorded")
    agency = await fetch_agency(org, principal, data.agency_id)
    fields = data.model_dump(exclude={"agency_id", "certificates"})
    person = Person(
        **fields,
        **agency.columns(),
        certificates=certificates_text(data.certificates),
        search_key=search_key(data.full_name),
        field_key=field_key(data.field_of_study),
    )
    session.add(person)
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_PERSON, entity_id=person.id, action="create", after=snapshot(person)
    )
    return person


async def update_person(
    session: AsyncSession, audit: AuditTrail, org: OrgDirectory, principal: Principal, person: Person, changes: PersonUpdate
) -> Person:
    before = snapshot(person)
    fields = changes.model_dump(exclude_unset=True)
    for required in ("full_name", "category", "birth_date", "sex", "national_id", "education_level"):
        if required in fields and fields[required] is None:
            raise BadRequest(f"{required} cannot be emptied", code="field_required")
    if {"national_id", "birth_date", "sex"} & fields.keys():
        number = fields.get("national_id", person.national_id)
        if found := national_id.problems(number, fields.get("birth_date", person.birth_date), fields.get("sex", person.sex)):
            raise InvalidNationalId("; ".join(found))
        if "national_id" in fields and await repository.national_id_taken(session, number, other_than=person.id):
            raise NationalIdTaken(f"A person with national id {mask(number)} is already recorded")
    if (agency_id := fields.pop("agency_id", None)) is not None and agency_id != person.agency_id:
        for name, value in (await fetch_agency(org, principal, agency_id)).columns().items():
            setattr(person, name, value)
    if "certificates" in fields:
        fields["certificates"] = certificates_text(fields["certificates"] or [])
    for name, value in fields.items():
        setattr(person, name, value)
    person.search_key = search_key(person.full_name)
    person.field_key = field_key(person.field_of_study)
    await session.flush()
    if {"education_level", "field_of_study"} & fields.keys():
        # NOTE: suitability is kept on each placement for the statistics; a change of training
        # changes it for the placements in force from now on, and the audit log says so.
        await placement_service.recompute_for_person(session, audit, principal, person)
    await audit.record(
        session, principal, entity_type=ENTITY_PERSON, entity_id=person.id, action="update", before=before, after=snapshot(person)
    )
    return person


# --- people's imports ---------------------------------------------------------------------


# NOTE: people whose events are written at a time after a PostgreSQL import: a bounded batch of
# rows, snapshots and events in memory, however large the file.
EVENT_BATCH = 2000


class _Written:
    """The people an import wrote: one ``create`` event each, a batch at a time, and the area they span."""

    def __init__(self, session: AsyncSession, audit: AuditTrail, principal: Principal) -> None:
        self.session, self.audit, self.principal = session, audit, principal
        self.span = AreaSpan()

    async def record(self, rows: Sequence[Mapping[Any, Any]]) -> None:
        changes: list[tuple[object, dict[str, Any] | None, dict[str, Any] | None]] = []
        for row in rows:
            self.span.add(row)
            changes.append((row["id"], None, row_snapshot(row)))
        await self.audit.record_many(self.session, self.principal, entity_type=ENTITY_PERSON, action="create", changes=changes)


async def _import_python(
    session: AsyncSession, upload: Upload, agencies: AgencyCheck, partial: bool, today: date, written: _Written
) -> tuple[int, int, int, list[RowProblem]]:
    """SQLite: each chunk checked in Python, then batched Core inserts (all or, with ``partial``, the good)."""
    run = ImportRun(upload, partial=partial, max_problems=MAX_PROBLEMS)
    first_row: dict[str, int] = {}
    now = utcnow()
    async for chunk in run.chunks(COLUMNS):
        named = {str(r.values["agency_id"]).strip() for r in chunk if r.values.get("agency_id")}
        await agencies.load(sorted(named - agencies.found.keys() - agencies.problem.keys()))
        ids = sorted({str(r.values["national_id"]).strip() for r in chunk if r.values.get("national_id")} - first_row.keys())
        recorded = await repository.recorded_national_ids(session, ids)
        good = await run.in_thread(check_chunk, chunk, agencies, recorded, first_row, run.problems, today, now)
        if good and run.may_write:
            await repository.insert_people(session, good)
            run.written += len(good)
            await written.record(await repository.people_rows(session, [row["id"] for row in good]))
    return run.rows, run.written, run.problems.count, run.problems.listed


async def _stage_file(raw: Any, upload: Upload) -> None:
    """The file into the staging table: a CSV through COPY as it is when COPY takes it, else row by row."""
    await repository.create_import_staging(raw)
    loaded = False
    if is_csv(upload.filename):
        # NOTE: the limits first (line length, encoding, rows), in a worker thread, without
        # parsing; then the file goes as it is into COPY, the fast path, parsed by the server.
        await anyio.to_thread.run_sync(check_csv_lines, upload.file, upload.limits)
        targets = copy_targets(csv_header(upload.file.readline(upload.limits.max_line_bytes + 1)))
        # NOTE: the serial counts data rows from 1; the file's row 1 is the header.
        loaded = await repository.copy_csv_to_staging(raw, file_chunks(upload.file), targets)
        if not loaded:
            upload.file.seek(0)
    if not loaded:
        # NOTE: row_no is the file's row number less one (the header is row 1), as COPY's serial is.
        async for chunk in row_chunks(upload, COLUMNS, transform=staged_record):
            await repository.copy_rows_to_staging(raw, chunk)
    await repository.analyze_staging(raw)


async def _stage_references(raw: Any, agencies: AgencyCheck) -> None:
    """The labels and agencies the file uses: a handful of distinct values, mapped in Python."""
    labels: list[tuple[str, str, str]] = []
    for name, kind in ENUMS.items():
        keys = enum_key_map(kind)
        for value in await repository.staged_values(raw, name):
            if (found := keys.get(search_key(value))) is not None:
                labels.append((name, value, found))
    await repository.stage_labels(raw, labels)
    await agencies.load(await repository.staged_values(raw, "agency_id"))
    await repository.stage_agencies(raw, agencies.found, agencies.problem)


async def _import_postgres(
    session: AsyncSession, upload: Upload, agencies: AgencyCheck, partial: bool, written_people: _Written
) -> tuple[int, int, int, list[RowProblem]]:
    """PostgreSQL: COPY into a staging table, then one statement checks every row and inserts the good ones."""
    raw = await repository.staging_connection(session)
    await _stage_file(raw, upload)
    await _stage_references(raw, agencies)
    result = await repository.validate_staged_people(session, national_id.province_codes(), partial=partial, now=utcnow())
    listed = result["problems"] if isinstance(result["problems"], list) else json.loads(result["problems"])
    problems = [RowProblem.model_validate(p) for p in listed]
    rejected = int(result["rejected"])
    written = int(result["written"])
    accepted = int(result["accepted"])
    if written < accepted or (rejected and not partial):
        # NOTE: a national id repeated within the file: ON CONFLICT wrote its first row and
        # skipped the others (or the import is refused anyway). Looked for only then, since it
        # sorts the staging table; reported like the Python path does, on the later rows.
        by_row = {p.row: p for p in problems}
        for row, first in await repository.repeated_national_ids(raw):
            message = f"national_id appears earlier in the file (row {first})"
            if row in by_row:
                by_row[row].errors.append(message)
            else:
                by_row[row] = RowProblem(row=row, errors=[message])
                rejected += 1
        problems = sorted(by_row.values(), key=lambda p: p.row)[:MAX_PROBLEMS]
        if not partial:
            # NOTE: the import is refused (import_rejected), and the transaction with it.
            written = 0
    if written:
        after = None
        while batch := await repository.written_people(session, after=after, limit=EVENT_BATCH):
            await written_people.record(batch)
            after = batch[-1]["id"]
    return int(result["rows"]), written, rejected, problems


async def import_people(
    session: AsyncSession,
    audit: AuditTrail,
    org: OrgDirectory,
    principal: Principal,
    upload: Upload,
    *,
    partial: bool,
) -> ImportReport:
    """Check every row; write them all (or, with ``partial``, the good ones), chunk by chunk.

    The file comes through the shared bounded pipeline (``haicap_shared.imports``): received on
    disk within the service's upload limit, read in a worker thread a chunk at a time, refused
    at the first limit reached. A row with problems refuses the whole import (409
    ``import_rejected`` with the report) unless ``partial``. Agencies are fetched from
    org-structure once per distinct id. On PostgreSQL a CSV is streamed into ``COPY`` (an XLSX,
    or a CSV COPY refuses, chunk by chunk) and one statement checks and inserts; on SQLite each
    chunk is checked in Python and inserted as long as the import may still succeed. The report
    lists the first
    :data:`importer.MAX_PROBLEMS` bad rows; ``rejected`` counts them all.

    Each person written has a ``create`` event in the audit log and the change feed (written a
    chunk at a time), and the import its ``import`` event after them, in the same transaction.
    """
    agencies = AgencyCheck(org, principal)
    people = _Written(session, audit, principal)
    if await repository.on_postgresql(session):
        rows, written, rejected, problems = await _import_postgres(session, upload, agencies, partial, people)
    else:
        rows, written, rejected, problems = await _import_python(session, upload, agencies, partial, date.today(), people)
    report = finish_import(
        rows=rows, accepted=rows - rejected, rejected=rejected, written=written, partial=partial, problems=problems
    )
    if report.written:
        await audit.record(
            session,
            principal,
            entity_type=ENTITY_PERSON_IMPORT,
            entity_id=upload.filename[:100],
            action="import",
            after=import_audit_entry(report, filename=upload.filename[:100], **people.span.fields()),
        )
    return report
