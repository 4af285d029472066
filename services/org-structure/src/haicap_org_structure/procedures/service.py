"""The rules of the procedure catalogue: a code once, versions of one procedure never sharing a
day, a level change closing the version in force the day before it; the import of the catalogue
(its row rules in ``importer``); the links of tasks to procedures; what each commune handles.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import Principal
from haicap_shared.codes import UnitLevel
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.import_runs import ImportRun, import_audit_entry
from haicap_shared.imports import Upload
from haicap_shared.models import utcnow
from haicap_shared.paging import Page, page_of
from haicap_shared.tabular import ImportReport, SourceRow
from haicap_shared.validity import Interval

from ..tasks import service as tasks
from ..tasks.models import Task
from ..units.service import UnitNotFound
from . import importer, repository, schemas
from .access import check_owner, check_province, handling_agencies
from .models import Procedure, ProcedureLevel
from .schemas import LevelChange, ProcedureCreate, ProcedureFilter, ProcedureUpdate

ENTITY_PROCEDURE = "procedure"
ENTITY_IMPORT = "procedure_import"


class ProcedureNotFound(NotFound):
    code, title = "procedure_not_found", "No such procedure in the catalogue (or none in force on that date)"


class ProcedureCodeTaken(Conflict):
    code, title = "procedure_code_taken", "The catalogue already has a procedure with this code"


class LevelChangeNotLatest(Conflict):
    code, title = "level_change_not_latest", "A version of the procedure starts on or after that date"


class UnknownProcedures(Conflict):
    code, title = "unknown_procedures", "Some procedure codes are not in the catalogue"


# --- reading --------------------------------------------------------------------------------


def _choose(levels: Sequence[schemas.ProcedureLevel], as_of: date | None, today: date) -> schemas.ProcedureLevel | None:
    """The version on ``as_of``; without a date, today's, else the latest."""
    day = as_of or today
    in_force = [level for level in levels if Interval(level.valid_from, level.valid_to).contains(day)]
    if in_force:
        return in_force[-1]
    return None if as_of is not None or not levels else levels[-1]


async def procedure_views(
    session: AsyncSession, procedure_ids: Sequence[uuid.UUID], as_of: date | None, today: date
) -> dict[uuid.UUID, schemas.Procedure]:
    """The procedures as ``GET /procedures/{code}`` shows them, by id (those without a version on ``as_of`` left out)."""
    levels: dict[uuid.UUID, list[schemas.ProcedureLevel]] = defaultdict(list)
    for row in await repository.levels_of(session, procedure_ids):
        levels[row["procedure_id"]].append(schemas.ProcedureLevel.model_validate(dict(row)))
    task_ids: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for row in await repository.task_ids_of(session, procedure_ids):
        task_ids[row["procedure_id"]].append(row["task_id"])
    views: dict[uuid.UUID, schemas.Procedure] = {}
    for row in await repository.procedures_by_id(session, procedure_ids):
        chosen = _choose(levels[row["id"]], as_of, today)
        if chosen is not None:
            views[row["id"]] = schemas.Procedure.model_validate(
                {**row, **chosen.model_dump(), "levels": levels[row["id"]], "task_ids": task_ids[row["id"]]}
            )
    return views


async def get_procedure(session: AsyncSession, code: str) -> Procedure:
    procedure = await repository.get_by_code(session, code)
    if procedure is None:
        raise ProcedureNotFound(f"No procedure {code} in the catalogue", procedure_code=code)
    return procedure


async def procedure_view(session: AsyncSession, procedure: Procedure, as_of: date | None, today: date) -> schemas.Procedure:
    view = (await procedure_views(session, [procedure.id], as_of, today)).get(procedure.id)
    if view is None:
        raise ProcedureNotFound(
            f"Procedure {procedure.code} has no version in force on {as_of}", procedure_code=procedure.code, as_of=str(as_of)
        )
    return view


async def list_procedures(
    session: AsyncSession, filters: ProcedureFilter, today: date, *, limit: int, cursor: str | None
) -> Page[schemas.ProcedureSummary]:
    rows, next_cursor = await repository.procedure_page(session, filters, today, limit=limit, cursor=cursor)
    return page_of(schemas.ProcedureSummary, rows, next_cursor)


async def procedure_records(
    session: AsyncSession, procedure_ids: Sequence[uuid.UUID], today: date
) -> dict[uuid.UUID, dict[str, Any]]:
    """The procedures as the audit trail records them: as ``GET /procedures/{code}`` shows them today."""
    views = await procedure_views(session, procedure_ids, None, today)
    return {key: view.model_dump(mode="json") for key, view in views.items()}


# --- creating and changing ------------------------------------------------------------------


def _level_row(procedure_id: uuid.UUID, level: schemas.LevelInput | LevelChange, valid_to: date | None) -> ProcedureLevel:
    return ProcedureLevel(
        procedure_id=procedure_id,
        level=level.level,
        agency_in_charge=level.agency_in_charge,
        processing_days=level.processing_days,
        basis=level.basis,
        valid_from=level.valid_from,
        valid_to=valid_to,
    )


async def create_procedure(
    session: AsyncSession, audit: AuditTrail, principal: Principal, data: ProcedureCreate, today: date
) -> Procedure:
    """Record a procedure with its versions (their no-overlap rule checked on the request)."""
    if await repository.get_by_code(session, data.code) is not None:
        raise ProcedureCodeTaken(f"The catalogue already has {data.code}", procedure_code=data.code)
    procedure = Procedure(
        code=data.code, name=data.name, sector=data.sector, search_key=repository.procedure_search_key(data.name)
    )
    session.add(procedure)
    await session.flush()
    session.add_all(_level_row(procedure.id, level, level.valid_to) for level in data.levels)
    await session.flush()
    after = (await procedure_records(session, [procedure.id], today))[procedure.id]
    await audit.record(session, principal, entity_type=ENTITY_PROCEDURE, entity_id=procedure.id, action="create", after=after)
    return procedure


async def _audited_change(
    session: AsyncSession, audit: AuditTrail, principal: Principal, procedure: Procedure, today: date, before: dict[str, Any]
) -> None:
    # NOTE: a new updated_at makes the UPDATE that bumps the version (the ETag), also when only the levels changed.
    procedure.updated_at = utcnow()
    await session.flush()
    after = (await procedure_records(session, [procedure.id], today))[procedure.id]
    await audit.record(
        session, principal, entity_type=ENTITY_PROCEDURE, entity_id=procedure.id, action="update", before=before, after=after
    )


async def update_procedure(
    session: AsyncSession, audit: AuditTrail, principal: Principal, procedure: Procedure, changes: ProcedureUpdate, today: date
) -> None:
    fields = changes.model_dump(exclude_unset=True)
    for required in ("name", "sector"):
        if required in fields and fields[required] is None:
            raise Conflict(f"{required} cannot be emptied", code="required_field")
    before = (await procedure_records(session, [procedure.id], today))[procedure.id]
    for name, value in fields.items():
        setattr(procedure, name, value)
    procedure.search_key = repository.procedure_search_key(procedure.name)
    await _audited_change(session, audit, principal, procedure, today, before)


async def change_level(
    session: AsyncSession, audit: AuditTrail, principal: Principal, procedure: Procedure, change: LevelChange, today: date
) -> None:
    """A new version from ``change.valid_from``; the one in force the day before ends that day."""
    levels = await repository.level_rows(session, procedure.id)
    if later := [level for level in levels if level.valid_from >= change.valid_from]:
        raise LevelChangeNotLatest(
            f"{procedure.code} has a version from {later[0].valid_from}; a level change only starts after every version",
            procedure_code=procedure.code,
            valid_from=later[0].valid_from.isoformat(),
        )
    before = (await procedure_records(session, [procedure.id], today))[procedure.id]
    eve = change.valid_from - timedelta(days=1)
    for level in levels:
        if Interval(level.valid_from, level.valid_to).contains(change.valid_from):
            level.valid_to = eve
    await session.flush()
    session.add(_level_row(procedure.id, change, None))
    await _audited_change(session, audit, principal, procedure, today, before)


# --- links to tasks -------------------------------------------------------------------------


async def task_for_links(session: AsyncSession, principal: Principal, task_id: uuid.UUID) -> Task:
    """The task, if the caller may change it (404, 403 as for the task's own writes)."""
    task = await tasks.get_task(session, principal, task_id)
    lead = await tasks.latest_lead(session, task_id)
    owner = (await tasks.agencies_by_id(session, [lead.agency_id]))[lead.agency_id] if lead is not None else None
    check_owner(principal, owner, task.province_code)
    return task


async def replace_links(
    session: AsyncSession, audit: AuditTrail, principal: Principal, task: Task, codes: Sequence[str], today: date
) -> schemas.TaskProcedureLinks:
    """Link the task to exactly ``codes``; the task's and each procedure's change audited (their GET shows the links)."""
    wanted = await repository.ids_by_code(session, codes)
    if missing := sorted(set(codes) - set(wanted)):
        raise UnknownProcedures(f"Not in the catalogue: {', '.join(missing)}", procedure_codes=missing)
    current = await repository.procedures_of_task(session, task.id)
    added = [wanted[code] for code in sorted(set(wanted) - set(current))]
    removed = [current[code] for code in sorted(set(current) - set(wanted))]
    if added or removed:
        touched = [*added, *removed]
        procedures_before = await procedure_records(session, touched, today)
        task_before = {**await tasks.task_record(session, task.id, today), "procedure_codes": sorted(current)}
        await repository.unlink(session, task.id, removed)
        await repository.link(session, task.id, added)
        # NOTE: the task's version is its ETag: a new one tells a concurrent writer its links moved.
        task.updated_at = utcnow()
        await session.flush()
        task_after = {**await tasks.task_record(session, task.id, today), "procedure_codes": sorted(wanted)}
        await audit.record(
            session,
            principal,
            entity_type=tasks.ENTITY_TASK,
            entity_id=task.id,
            action="update",
            before=task_before,
            after=task_after,
        )
        procedures_after = await procedure_records(session, touched, today)
        await audit.record_many(
            session,
            principal,
            entity_type=ENTITY_PROCEDURE,
            action="update",
            changes=[(key, procedures_before[key], procedures_after[key]) for key in touched],
        )
    return schemas.TaskProcedureLinks(task_id=task.id, procedure_codes=sorted(wanted), version=task.version)


# --- imports --------------------------------------------------------------------------------


async def import_procedures(
    session: AsyncSession, audit: AuditTrail, principal: Principal, *, upload: Upload, today: date
) -> ImportReport:
    """Check every row of the file and write it all, or nothing (``ImportRejected`` with the report).

    The file comes through the shared bounded pipeline (``haicap_shared.imports``); a code's
    versions may lie anywhere in the file, so the rows are written once all are checked (the
    upload's row limit bounds what is held).
    """
    taken = await repository.all_codes(session)
    drafts: dict[str, importer.Draft] = {}
    procedures: list[dict[str, Any]] = []
    levels: list[dict[str, Any]] = []
    # NOTE: all or nothing by rule: a catalogue half imported would date some procedures and not others.
    run = ImportRun(upload, partial=False, partial_offered=False)

    def check_row(source: SourceRow) -> list[str]:
        return importer.check_row(source, taken, drafts, procedures, levels)

    async for chunk in run.chunks(importer.COLUMNS):
        await run.check_rows(chunk, check_row)
        if not run.may_write:
            procedures.clear()
            levels.clear()
    if run.may_write:
        await repository.insert_catalogue(session, procedures, levels)
        written = await procedure_records(session, [procedure["id"] for procedure in procedures], today)
        await audit.record_many(
            session,
            principal,
            entity_type=ENTITY_PROCEDURE,
            action="create",
            changes=[(procedure["id"], None, written[procedure["id"]]) for procedure in procedures],
        )
        run.written = len(levels)
    report = run.finish()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_IMPORT,
        entity_id=uuid.uuid4(),
        action="import",
        after=import_audit_entry(report, filename=upload.filename),
    )
    return report


# --- what communes handle -------------------------------------------------------------------


async def handled(session: AsyncSession, principal: Principal, commune_code: str, as_of: date) -> schemas.HandledByCommune:
    """The procedures of the tasks the commune's agencies (in the caller's area) hold on ``as_of``."""
    province = await repository.commune_province(session, commune_code, as_of)
    if province is None:
        raise UnitNotFound(f"No commune has code {commune_code} on {as_of}", unit_code=commune_code, as_of=as_of.isoformat())
    check_province(principal, province)
    found: dict[str, schemas.HandledProcedure] = {}
    for row in await repository.handled_by_commune(session, commune_code, as_of, handling_agencies(principal)):
        item = found.get(row["code"])
        if item is None:
            item = found[row["code"]] = schemas.HandledProcedure(
                code=row["code"],
                name=row["name"],
                sector=row["sector"],
                level=row["level"],
                processing_days=row["processing_days"],
                moved_from_district=bool(row["moved"]),
                task_ids=[],
            )
        item.task_ids.append(row["task_id"])
    procedures = list(found.values())
    return schemas.HandledByCommune(
        commune_code=commune_code,
        as_of=as_of,
        total=len(procedures),
        moved_from_district=sum(p.moved_from_district for p in procedures),
        procedures=procedures,
    )


async def handled_by_communes(
    session: AsyncSession, principal: Principal, province: str, as_of: date
) -> schemas.HandledByCommunes:
    """Every commune of the province on ``as_of`` with the procedures its agencies handle (counted in SQL)."""
    check_province(principal, province)
    counts = await repository.handled_counts(session, province, as_of, handling_agencies(principal))
    rows = []
    for commune in await repository.communes_of(session, province, as_of):
        count = counts.get(commune["code"])
        rows.append(
            schemas.CommuneProcedureCount(
                commune_code=commune["code"],
                commune_name=commune["name"],
                procedures=int(count["procedures"]) if count else 0,
                moved_from_district=int(count["moved"]) if count else 0,
            )
        )
    return schemas.HandledByCommunes(province=province, as_of=as_of, rows=rows)


async def moved(session: AsyncSession, from_level: UnitLevel, to_level: UnitLevel, on: date) -> schemas.MovedProcedures:
    """The procedures whose level passed from ``from_level`` to ``to_level`` on ``on``."""
    names = ("level", "processing_days", "agency_in_charge", "basis", "valid_from", "valid_to")
    moves = [
        schemas.LevelMove(
            code=row["code"],
            name=row["name"],
            sector=row["sector"],
            before=schemas.ProcedureLevel.model_validate({name: row[f"before_{name}"] for name in names}),
            after=schemas.ProcedureLevel.model_validate({name: row[f"after_{name}"] for name in names}),
            basis=row["after_basis"],
        )
        for row in await repository.moved_on(session, from_level, to_level, on)
    ]
    return schemas.MovedProcedures(from_level=from_level, to_level=to_level, on=on, total=len(moves), procedures=moves)
