"""The rules of people's records."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import anyio
from sqlalchemy import RowMapping
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
from ..codelists import reference
from ..codelists import service as codelist_service
from ..codelists.models import CodeListName
from ..common import AreaSpan, row_snapshot
from ..org_client import OrgDirectory
from ..placements import service as placement_service
from . import national_id, repository
from .access import check_person, people_visible
from .importer import (
    CODED,
    COLUMNS,
    ENUMS,
    MAX_PROBLEMS,
    AgencyCheck,
    CodeCheck,
    Seen,
    check_chunk,
    copy_targets,
    csv_header,
    enum_key_map,
    file_chunks,
    staged_record,
)
from .models import FamilyMember, Person, person_table
from .schemas import FamilyMember as FamilyMemberOut
from .schemas import FamilyMemberCreate, FamilyMemberUpdate, PersonCreate, PersonFilter, PersonUpdate
from .schemas import Person as PersonOut

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


@functools.cache
def _shipped_names(list_name: CodeListName) -> dict[str, str]:
    """Each code's name in the list as shipped, the latest version of the code winning."""
    entries = sorted(reference.read_list(list_name), key=lambda e: e.valid_from or date.min)
    return {entry.code: entry.name for entry in entries}


def code_name(list_name: CodeListName, code: str | None) -> str | None:
    """A code's name in the list as shipped (``codelists.reference``): the same in responses and events.

    NOTE: read from the shipped files, not the database, so that an event's record (built from
    the audited row, without a query) shows the name the API shows.
    """
    return None if code is None else _shipped_names(list_name).get(code)


def person_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """A person's columns as the response shows them: places as dated units, codes with their names."""
    values = dict(row)
    values["certificates"] = certificates_list(values.get("certificates"))
    for place in ("birth_place", "home_town"):
        code, as_of = values.pop(f"{place}_code", None), values.pop(f"{place}_as_of", None)
        values[place] = None if code is None else {"unit_code": code, "as_of": as_of}
    address, unit_code = values.pop("residence_address", None), values.pop("residence_code", None)
    values["residence"] = None if address is None else {"address": address, "unit_code": unit_code}
    values["ethnicity_name"] = code_name(CodeListName.ETHNICITY, values.get("ethnicity_code"))
    values["religion_name"] = code_name(CodeListName.RELIGION, values.get("religion_code"))
    return values


def dossier_columns(fields: dict[str, Any]) -> dict[str, Any]:
    """A request's fields with the places and residence spread over their columns (those given only)."""
    columns = dict(fields)
    for place in ("birth_place", "home_town"):
        if place in columns:
            value = columns.pop(place)
            columns[f"{place}_code"] = None if value is None else value["unit_code"]
            columns[f"{place}_as_of"] = None if value is None else value["as_of"]
    if "residence" in columns:
        value = columns.pop("residence")
        columns["residence_address"] = None if value is None else value["address"]
        columns["residence_code"] = None if value is None else value.get("unit_code")
    return columns


def _columns_of(person: Person | RowMapping | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(person, Person):
        return {column.key: getattr(person, column.key) for column in person_table.columns}
    return {str(k): v for k, v in person.items()}


def person_out(person: Person | RowMapping | Mapping[str, Any], *, revealed: bool = False) -> PersonOut:
    """The response body; the national id masked unless ``revealed``."""
    values = person_values(_columns_of(person))
    if not revealed:
        values["national_id"] = mask(values["national_id"])
    return PersonOut.model_validate(values)


class RecordNumberTaken(Conflict):
    code, title = "record_number_taken", "Another person's dossier has this record number"


class UnitNotFound(Conflict):
    code, title = "unit_not_found", "org-structure has no unit with this code on that date"


async def _check_dossier(
    session: AsyncSession, org: OrgDirectory, columns: Mapping[str, Any], *, other_than: uuid.UUID | None
) -> None:
    """The codes of the fields being written: in their lists today, units known on their dates, the record number free."""
    today = date.today()
    for list_name, name in ((CodeListName.ETHNICITY, "ethnicity_code"), (CodeListName.RELIGION, "religion_code")):
        if (code := columns.get(name)) is not None:
            await codelist_service.check_code(session, list_name, code, today)
    places = [
        (label, columns.get(f"{place}_code"), columns.get(f"{place}_as_of"))
        for label, place in (("birth_place", "birth_place"), ("home_town", "home_town"))
    ]
    places.append(("residence", columns.get("residence_code"), today))
    for label, code, as_of in places:
        if code is not None and as_of is not None and await org.unit_by_code(code, as_of) is None:
            raise UnitNotFound(f"{label}: org-structure has no unit {code} on {as_of.isoformat()}")
    number = columns.get("record_number")
    if number is not None and await repository.record_number_taken(session, number, other_than=other_than):
        raise RecordNumberTaken(f"Another person's dossier has the record number {number}")


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
    fields = dossier_columns(data.model_dump(exclude={"agency_id", "certificates"}))
    await _check_dossier(session, org, fields, other_than=None)
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
    fields = dossier_columns(changes.model_dump(exclude_unset=True))
    for required in ("full_name", "category", "birth_date", "sex", "national_id", "education_level"):
        if required in fields and fields[required] is None:
            raise BadRequest(f"{required} cannot be emptied", code="field_required")
    if {"national_id", "birth_date", "sex"} & fields.keys():
        number = fields.get("national_id", person.national_id)
        if found := national_id.problems(number, fields.get("birth_date", person.birth_date), fields.get("sex", person.sex)):
            raise InvalidNationalId("; ".join(found))
        if "national_id" in fields and await repository.national_id_taken(session, number, other_than=person.id):
            raise NationalIdTaken(f"A person with national id {mask(number)} is already recorded")
    await _check_dossier(session, org, fields, other_than=person.id)
    if (agency_id := fields.pop("agency_id", None)) is not None and agency_id != person.agency_id:
        agency_columns = (await fetch_agency(org, principal, agency_id)).columns()
        for name, value in agency_columns.items():
            setattr(person, name, value)
        await repository.move_family_members(session, [person.id], agency_columns, utcnow())
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


# --- family members ------------------------------------------------------------------------

ENTITY_FAMILY_MEMBER = "family_member"
MAX_FAMILY_MEMBERS = 50
"""The family members one person's dossier holds at most."""


class FamilyMemberNotFound(NotFound):
    code, title = "family_member_not_found", "No such family member"


class TooManyFamilyMembers(Conflict):
    code, title = "too_many_family_members", "The person's dossier holds the most family members it may"


def family_member_out(member: FamilyMember | RowMapping) -> FamilyMemberOut:
    if isinstance(member, FamilyMember):
        return FamilyMemberOut.model_validate(member)
    return FamilyMemberOut.model_validate(dict(member))


def _check_birth_year(year: int | None) -> None:
    if year is not None and year > date.today().year:
        raise BadRequest(f"birth_year {year} is in the future", code="birth_year_in_future")


async def list_family_members(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[FamilyMemberOut]:
    """One page of the family members of a person in the caller's area."""
    await get_person(session, principal, person_id)
    rows, next_cursor = await repository.page_family_members(session, person_id, limit=limit, cursor=cursor)
    return Page[FamilyMemberOut](items=[family_member_out(r) for r in rows], next=next_cursor)


async def get_family_member(session: AsyncSession, principal: Principal, member_id: uuid.UUID) -> FamilyMember:
    """The family member, if the person's record is in the caller's area (else 403 ``outside_area``)."""
    member = await repository.get_family_member(session, member_id)
    if member is None:
        raise FamilyMemberNotFound(f"No family member has id {member_id}")
    await get_person(session, principal, member.person_id)
    return member


async def create_family_member(
    session: AsyncSession, audit: AuditTrail, principal: Principal, person_id: uuid.UUID, data: FamilyMemberCreate
) -> FamilyMember:
    person = await get_person(session, principal, person_id)
    _check_birth_year(data.birth_year)
    if await repository.count_family_members(session, person.id) >= MAX_FAMILY_MEMBERS:
        raise TooManyFamilyMembers(f"A dossier holds at most {MAX_FAMILY_MEMBERS} family members")
    member = FamilyMember(
        **data.model_dump(),
        person_id=person.id,
        agency_id=person.agency_id,
        province_code=person.province_code,
        commune_code=person.commune_code,
        agency_level=person.agency_level,
        unit_id=person.unit_id,
        agency_valid_to=person.agency_valid_to,
    )
    session.add(member)
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_FAMILY_MEMBER, entity_id=member.id, action="create", after=snapshot(member)
    )
    return member


async def update_family_member(
    session: AsyncSession, audit: AuditTrail, principal: Principal, member: FamilyMember, changes: FamilyMemberUpdate
) -> FamilyMember:
    before = snapshot(member)
    fields = changes.model_dump(exclude_unset=True)
    for required in ("relation", "full_name"):
        if required in fields and fields[required] is None:
            raise BadRequest(f"{required} cannot be emptied", code="field_required")
    _check_birth_year(fields.get("birth_year"))
    for name, value in fields.items():
        setattr(member, name, value)
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_FAMILY_MEMBER,
        entity_id=member.id,
        action="update",
        before=before,
        after=snapshot(member),
    )
    return member


async def delete_family_member(session: AsyncSession, audit: AuditTrail, principal: Principal, member: FamilyMember) -> None:
    before = snapshot(member)
    await repository.delete_family_member(session, member)
    await audit.record(
        session, principal, entity_type=ENTITY_FAMILY_MEMBER, entity_id=before["id"], action="delete", before=before
    )


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
    seen = Seen()
    codes = CodeCheck(session, today)
    now = utcnow()
    async for chunk in run.chunks(COLUMNS):
        named = {str(r.values["agency_id"]).strip() for r in chunk if r.values.get("agency_id")}
        await agencies.load(sorted(named - agencies.found.keys() - agencies.problem.keys()))
        for name in CODED:
            given = {str(r.values[name]).strip() for r in chunk if r.values.get(name) and str(r.values[name]).strip()}
            await codes.load(name, sorted(given - codes.known(name)))
        ids = sorted({str(r.values["national_id"]).strip() for r in chunk if r.values.get("national_id")} - seen.first_row.keys())
        seen.recorded |= await repository.recorded_national_ids(session, ids)
        numbers = {str(r.values["record_number"]).strip() for r in chunk if r.values.get("record_number")}
        seen.recorded_numbers |= await repository.recorded_record_numbers(session, sorted(numbers - seen.first_number_row.keys()))
        good = await run.in_thread(check_chunk, chunk, agencies, codes, seen, run.problems, today, now)
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


async def _stage_references(raw: Any, agencies: AgencyCheck, codes: CodeCheck) -> None:
    """The labels, codes and agencies the file uses: a handful of distinct values, mapped in Python."""
    labels: list[tuple[str, str, str]] = []
    for name, kind in ENUMS.items():
        keys = enum_key_map(kind)
        for value in await repository.staged_values(raw, name):
            if (found := keys.get(search_key(value))) is not None:
                labels.append((name, value, found))
    for name in CODED:
        await codes.load(name, await repository.staged_values(raw, name))
        labels += [(name, value, code) for value, code in codes.found[name].items()]
    await repository.stage_labels(raw, labels)
    await agencies.load(await repository.staged_values(raw, "agency_id"))
    await repository.stage_agencies(raw, agencies.found, agencies.problem)


async def _import_postgres(
    session: AsyncSession, upload: Upload, agencies: AgencyCheck, partial: bool, written_people: _Written
) -> tuple[int, int, int, list[RowProblem]]:
    """PostgreSQL: COPY into a staging table, then one statement checks every row and inserts the good ones."""
    raw = await repository.staging_connection(session)
    await _stage_file(raw, upload)
    await _stage_references(raw, agencies, CodeCheck(session, date.today()))
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
