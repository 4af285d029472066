"""The rules of tasks: one owner a day (or a named lead), transfers that close and open
ownership together, bulk transfers that are all or nothing, statistics and findings."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import RowMapping, Select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, jsonable, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.models import utcnow
from haicap_shared.row_problems import capped

from ..agencies.access import check_agency, in_area
from ..units.models import UnitLevel
from . import repository
from .auth import check_owner, lead_agency_visible, visible_tasks, visible_transfers
from .models import Task, TaskLevel, TaskOwnership, TaskTransfer, TransferMode, ownership_table, transfer_table
from .repository import AgencyInfo
from .schemas import (
    AgencyCount,
    BulkRowProblem,
    BulkTransferCreate,
    BulkTransferReport,
    Finding,
    FindingAgency,
    FindingKind,
    Findings,
    SectorCount,
    TaskCreate,
    TaskStats,
    TaskTransferCreate,
    TaskUpdate,
    TransferRouteCount,
    TransferStats,
    UnitCount,
)
from .schemas import TaskTransfer as TaskTransferOut

ENTITY_TASK = "task"


class TaskNotFound(NotFound):
    code, title = "task_not_found", "No such task"


class TaskCodeTaken(Conflict):
    code, title = "task_code_taken", "Another task of the province has this code"


class OwnerNotFound(Conflict):
    code, title = "owner_not_found", "The owner agency does not exist"


class OwnerNotInForce(Conflict):
    code, title = "owner_not_in_force", "The owner agency (or its unit) is not in force on that date"


class OwnerInOtherProvince(Conflict):
    code, title = "owner_in_other_province", "A task is owned only by agencies of its own province"


class TransferBeforeStart(Conflict):
    code, title = "transfer_before_start", "A transfer must be dated after the task exists and after its owner's start"


class NoCurrentOwner(Conflict):
    code, title = "no_current_owner", "The task has no owner to transfer it from"


class TransferToSameOwner(Conflict):
    code, title = "transfer_to_same_owner", "The task already belongs to that agency"


class TaskHasCoOwners(Conflict):
    code, title = "task_has_co_owners", "A task with co-owners stays shared until they are ended"


class TaskInUse(Conflict):
    code, title = "task_in_use", "The task has passed between agencies; its history is kept"


class BulkTransferRejected(Conflict):
    code, title = "bulk_transfer_rejected", "Some rows of the bulk transfer are wrong; nothing was transferred"


# --- reading --------------------------------------------------------------------------------


async def get_task(session: AsyncSession, principal: Principal, task_id: uuid.UUID) -> Task:
    """The task, if the caller may read it (404 when it does not exist, 403 outside the area)."""
    task = await repository.get_task(session, task_id)
    if task is None:
        raise TaskNotFound(f"No task has id {task_id}")
    if not await repository.can_read_task(session, task_id, visible_tasks(principal)):
        check_owner(principal, None, task.province_code)
    return task


async def task_view(session: AsyncSession, task_id: uuid.UUID, day: date) -> RowMapping:
    row = await repository.task_row(session, task_id, day)
    if row is None:
        raise TaskNotFound(f"No task has id {task_id}")
    return row


def list_tasks(principal: Principal, filters: repository.TaskFilter, today: date) -> Select[Any]:
    return repository.list_tasks(filters, lead_agency_visible(principal), today)


def list_transfers(principal: Principal, filters: repository.TransferFilter) -> Select[Any]:
    return repository.list_transfers(filters, visible_transfers(principal))


# --- creating and changing ------------------------------------------------------------------


async def _agencies(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, AgencyInfo]:
    found = await repository.load_agencies(session, ids)
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise OwnerNotFound(f"No agency has id {', '.join(missing)}", agency_ids=missing)
    return found


def _check_in_force(agency: AgencyInfo, day: date) -> None:
    if (why := agency.why_not_in_force(day)) is not None:
        raise OwnerNotInForce(why, agency_id=str(agency.id), date=day.isoformat())


def _ownership_snapshot(ownership: TaskOwnership) -> dict[str, Any]:
    return {key: jsonable(value) for key, value in snapshot(ownership).items()}


async def create_task(session: AsyncSession, audit: AuditTrail, principal: Principal, data: TaskCreate) -> Task:
    agencies = await _agencies(session, [data.owner_agency_id, *data.co_owner_agency_ids])
    owner = agencies[data.owner_agency_id]
    for agency in agencies.values():
        check_agency(principal, agency)
    for agency in agencies.values():
        if agency.province_code != owner.province_code:
            raise OwnerInOtherProvince(
                f"{agency.name} is of province {agency.province_code}, the lead's is {owner.province_code}"
            )
        _check_in_force(agency, data.valid_from)
    if await repository.code_taken(session, owner.province_code, data.code):
        raise TaskCodeTaken(f"Province {owner.province_code} already has a task {data.code}", task_code=data.code)
    task = Task(
        code=data.code,
        title=data.title,
        sector=data.sector,
        legal_basis=data.legal_basis,
        legal_article=data.legal_article,
        province_code=owner.province_code,
        shared=data.shared,
        note=data.note,
        search_key=repository.task_search_key(data.sector, data.title),
    )
    session.add(task)
    await session.flush()
    origin: TaskTransfer | None = None
    if data.origin is not None:
        origin = TaskTransfer(
            task_id=task.id,
            mode=data.origin.mode,
            from_level=TaskLevel.CENTRAL,
            from_authority=data.origin.from_authority,
            to_level=TaskLevel(owner.level.value),
            to_agency_id=owner.id,
            effective_date=data.valid_from,
            legal_basis=data.origin.legal_basis,
            province_code=owner.province_code,
        )
        session.add(origin)
        await session.flush()
    owners = [
        TaskOwnership(
            task_id=task.id,
            agency_id=agency.id,
            level=agency.level,
            is_lead=agency.id == owner.id,
            valid_from=data.valid_from,
            transfer_id=origin.id if origin is not None and agency.id == owner.id else None,
        )
        for agency in agencies.values()
    ]
    session.add_all(owners)
    await session.flush()
    after = {**snapshot(task), "owners": [_ownership_snapshot(x) for x in owners]}
    if origin is not None:
        after["origin"] = snapshot(origin)
    await audit.record(session, principal, entity_type=ENTITY_TASK, entity_id=task.id, action="create", after=after)
    return task


async def _current_owner(session: AsyncSession, task: Task, day: date) -> AgencyInfo | None:
    lead = await repository.lead_on(session, task.id, day)
    if lead is None:
        return None
    return (await repository.load_agencies(session, [lead.agency_id]))[lead.agency_id]


async def update_task(
    session: AsyncSession, audit: AuditTrail, principal: Principal, task: Task, changes: TaskUpdate, today: date
) -> Task:
    check_owner(principal, await _current_owner(session, task, today), task.province_code)
    fields = changes.model_dump(exclude_unset=True)
    for required in ("title", "sector", "shared"):
        if required in fields and fields[required] is None:
            raise Conflict(f"{required} cannot be emptied", code="required_field")
    if fields.get("shared") is False and task.shared and await repository.co_owners_from(session, task.id, today):
        raise TaskHasCoOwners(f"{task.code} has co-owners from {today} on; end their part first")
    before = snapshot(task)
    for name, value in fields.items():
        setattr(task, name, value)
    task.search_key = repository.task_search_key(task.sector, task.title)
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_TASK, entity_id=task.id, action="update", before=before, after=snapshot(task)
    )
    return task


async def delete_task(session: AsyncSession, audit: AuditTrail, principal: Principal, task: Task, today: date) -> None:
    """Remove a task recorded by mistake; one that has passed between agencies stays."""
    lead = await repository.latest_lead(session, task.id)
    owner = None if lead is None else (await repository.load_agencies(session, [lead.agency_id]))[lead.agency_id]
    check_owner(principal, owner, task.province_code)
    if await repository.has_moved(session, task.id):
        raise TaskInUse(f"{task.code} has been transferred; its history stays in the records")
    before = snapshot(task)
    await repository.delete_task(session, task.id)
    await audit.record(session, principal, entity_type=ENTITY_TASK, entity_id=task.id, action="delete", before=before)


# --- transfers ------------------------------------------------------------------------------


async def transfer_task(
    session: AsyncSession, audit: AuditTrail, principal: Principal, task: Task, data: TaskTransferCreate
) -> TaskTransfer:
    """Close the current lead ownership the day before ``effective_date`` and open the new one."""
    current = await repository.latest_lead(session, task.id)
    if current is None:
        raise NoCurrentOwner(f"{task.code} has never had an owner; record its first owner instead")
    agencies = await _agencies(session, [data.to_agency_id])
    from_agency = (await repository.load_agencies(session, [current.agency_id]))[current.agency_id]
    to_agency = agencies[data.to_agency_id]
    check_agency(principal, from_agency)
    check_agency(principal, to_agency)
    first = await repository.first_day(session, task.id)
    if first is not None and data.effective_date <= first:
        raise TransferBeforeStart(
            f"{task.code} exists from {first}; a transfer must take effect after that", task_starts=first.isoformat()
        )
    if data.effective_date <= current.valid_from:
        raise TransferBeforeStart(
            f"{from_agency.name} holds {task.code} from {current.valid_from}; a transfer must take effect after that",
            owner_since=current.valid_from.isoformat(),
        )
    if to_agency.id == current.agency_id:
        raise TransferToSameOwner(f"{to_agency.name} already leads {task.code}")
    if to_agency.province_code != task.province_code:
        raise OwnerInOtherProvince(f"{to_agency.name} is of province {to_agency.province_code}, the task of {task.province_code}")
    _check_in_force(to_agency, data.effective_date)
    before = {"version": task.version, "owner": _ownership_snapshot(current)}
    transfer = TaskTransfer(
        task_id=task.id,
        mode=data.mode,
        from_level=TaskLevel(current.level.value),
        from_agency_id=current.agency_id,
        to_level=TaskLevel(to_agency.level.value),
        to_agency_id=to_agency.id,
        effective_date=data.effective_date,
        legal_basis=data.legal_basis,
        province_code=task.province_code,
    )
    session.add(transfer)
    await session.flush()
    # NOTE: a lead that already ended earlier (a gap) keeps its end; the new owner fills the gap.
    if current.valid_to is None or current.valid_to >= data.effective_date:
        current.valid_to = data.effective_date - timedelta(days=1)
    opened = TaskOwnership(
        task_id=task.id,
        agency_id=to_agency.id,
        level=to_agency.level,
        is_lead=True,
        valid_from=data.effective_date,
        transfer_id=transfer.id,
    )
    session.add(opened)
    task.updated_at = utcnow()  # NOTE: touching the task gives it a new version (ETag)
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_TASK,
        entity_id=task.id,
        action="transfer",
        before=before,
        after={
            "version": task.version,
            "transfer": snapshot(transfer),
            "closed": _ownership_snapshot(current),
            "owner": _ownership_snapshot(opened),
        },
    )
    return transfer


async def transfer_view(session: AsyncSession, transfer_id: uuid.UUID) -> TaskTransferOut:
    [row] = await repository.transfers_by_ids(session, [transfer_id])
    return TaskTransferOut.model_validate(dict(row))


@dataclass
class _BulkItem:
    row: int | None
    task_id: uuid.UUID | None
    task_code: str | None
    to_agency_id: uuid.UUID | None
    errors: list[str]
    lead: RowMapping | None = None
    province_code: str | None = None


async def bulk_transfer(
    session: AsyncSession, audit: AuditTrail, principal: Principal, data: BulkTransferCreate
) -> BulkTransferReport:
    """Check every row; write every transfer in this transaction, or refuse all with the report."""
    from_agency = (await _agencies(session, [data.from_agency_id]))[data.from_agency_id]
    check_agency(principal, from_agency)
    province = from_agency.province_code
    eff = data.effective_date
    day_before = eff - timedelta(days=1)

    found = await repository.tasks_for_bulk(
        session,
        province,
        [r.task_id for r in data.rows if r.task_id is not None],
        [r.task_code for r in data.rows if r.task_code is not None],
    )
    by_id = {row["id"]: row for row in found}
    by_code = {row["code"]: row for row in found if row["province_code"] == province}
    items: list[_BulkItem] = []
    for number, row in enumerate(data.rows, start=1):
        task = by_id.get(row.task_id) if row.task_id is not None else by_code.get(row.task_code or "")
        item = _BulkItem(number, row.task_id, row.task_code, row.to_agency_id or data.default_to_agency_id, [])
        if task is None:
            item.errors.append(f"no task {row.task_id or row.task_code} in province {province}")
        else:
            item.task_id, item.task_code, item.province_code = task["id"], task["code"], task["province_code"]
        items.append(item)
    if data.default_to_agency_id is not None:
        listed = {item.task_id for item in items}
        items += [
            _BulkItem(None, task["id"], task["code"], data.default_to_agency_id, [], province_code=task["province_code"])
            for task in await repository.tasks_led_by(session, from_agency.id, day_before)
            if task["id"] not in listed
        ]

    targets = await repository.load_agencies(session, [i.to_agency_id for i in items if i.to_agency_id is not None])
    leads = await repository.latest_leads(session, [i.task_id for i in items if i.task_id is not None])
    seen: set[uuid.UUID] = set()
    for item in items:
        _check_bulk_item(item, principal, from_agency, targets, leads, seen, eff)

    problems = [
        BulkRowProblem(row=i.row, task_id=i.task_id, task_code=i.task_code, errors=capped(i.errors)) for i in items if i.errors
    ]
    if problems:
        report = _bulk_report(data, items, problems, batch_id=None, transfers=[], remaining=0)
        report.remaining_with_from_agency = await repository.count_led_by(session, from_agency.id, eff)
        raise BulkTransferRejected(
            f"{len(problems)} of {len(items)} rows are wrong; nothing was transferred",
            report=report.model_dump(mode="json"),
        )

    batch_id = uuid.uuid4()
    now = utcnow()
    transfers: list[dict[str, Any]] = []
    opened: list[dict[str, Any]] = []
    for item in items:
        assert item.lead is not None
        assert item.task_id is not None
        assert item.to_agency_id is not None
        target = targets[item.to_agency_id]
        transfer_id = uuid.uuid4()
        transfers.append(
            {
                "id": transfer_id,
                "task_id": item.task_id,
                "mode": data.mode,
                "from_level": TaskLevel(from_agency.level.value),
                "from_agency_id": from_agency.id,
                "from_authority": None,
                "to_level": TaskLevel(target.level.value),
                "to_agency_id": target.id,
                "effective_date": eff,
                "legal_basis": data.legal_basis,
                "batch_id": batch_id,
                "province_code": province,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        opened.append(
            {
                "id": uuid.uuid4(),
                "task_id": item.task_id,
                "agency_id": target.id,
                "level": target.level,
                "is_lead": True,
                "valid_from": eff,
                "valid_to": None,
                "transfer_id": transfer_id,
            }
        )
    await repository.insert_rows(session, transfer_table, transfers)
    await repository.close_ownerships(
        session,
        [i.lead["id"] for i in items if i.lead is not None and (i.lead["valid_to"] is None or i.lead["valid_to"] >= eff)],
        day_before,
    )
    await repository.insert_rows(session, ownership_table, opened)
    await repository.touch_tasks(session, [i.task_id for i in items if i.task_id is not None])
    await audit.record_many(
        session,
        principal,
        entity_type=ENTITY_TASK,
        action="transfer",
        changes=[
            (
                transfer["task_id"],
                {"owner": {"agency_id": str(from_agency.id), "valid_from": jsonable(item.lead["valid_from"])}}
                if item.lead is not None
                else None,
                {"transfer": {k: jsonable(v) for k, v in transfer.items()}, "batch_id": str(batch_id)},
            )
            for item, transfer in zip(items, transfers, strict=True)
        ],
    )
    written = await repository.transfers_by_ids(session, [row["id"] for row in transfers])
    return _bulk_report(
        data,
        items,
        [],
        batch_id=batch_id,
        transfers=[TaskTransferOut.model_validate(dict(row)) for row in written],
        remaining=await repository.count_led_by(session, from_agency.id, eff),
    )


def _check_bulk_item(
    item: _BulkItem,
    principal: Principal,
    from_agency: AgencyInfo,
    targets: Mapping[uuid.UUID, AgencyInfo],
    leads: Mapping[uuid.UUID, RowMapping],
    seen: set[uuid.UUID],
    eff: date,
) -> None:
    if item.task_id is not None and item.province_code is not None:
        if item.task_id in seen:
            item.errors.append("the task is listed twice")
        seen.add(item.task_id)
        lead = leads.get(item.task_id)
        item.lead = lead
        day_before = eff - timedelta(days=1)
        if lead is None:
            item.errors.append("the task has no owner to transfer it from")
        elif lead["valid_from"] >= eff:
            item.errors.append(f"transfer_before_start: its owner holds it from {lead['valid_from']}, not before {eff}")
        elif lead["agency_id"] != from_agency.id or (lead["valid_to"] is not None and lead["valid_to"] < day_before):
            item.errors.append(f"{from_agency.name} does not lead this task on {day_before}")
    if item.to_agency_id is None:
        item.errors.append("no to_agency_id and no default_to_agency_id")
        return
    target = targets.get(item.to_agency_id)
    if target is None:
        item.errors.append(f"owner_not_found: no agency has id {item.to_agency_id}")
        return
    if not in_area(principal, target):
        item.errors.append(f"outside_area: {target.name} is outside your area")
    if target.province_code != from_agency.province_code:
        item.errors.append(f"owner_in_other_province: {target.name} is of province {target.province_code}")
    if target.id == from_agency.id:
        item.errors.append("transfer_to_same_owner: the task would go to the agency it comes from")
    if (why := target.why_not_in_force(eff)) is not None:
        item.errors.append(f"owner_not_in_force: {why}")


def _bulk_report(
    data: BulkTransferCreate,
    items: Sequence[_BulkItem],
    problems: list[BulkRowProblem],
    *,
    batch_id: uuid.UUID | None,
    transfers: list[TaskTransferOut],
    remaining: int,
) -> BulkTransferReport:
    return BulkTransferReport(
        batch_id=batch_id,
        from_agency_id=data.from_agency_id,
        effective_date=data.effective_date,
        mode=data.mode,
        rows=len(items),
        accepted=len(items) - len(problems),
        rejected=len(problems),
        written=len(transfers),
        remaining_with_from_agency=remaining,
        problems=problems,
        transfers=transfers,
    )


# --- statistics and findings ----------------------------------------------------------------


async def task_stats(session: AsyncSession, principal: Principal, as_of: date, province: str | None) -> TaskStats:
    counts = await repository.count_tasks(session, as_of, province, lead_agency_visible(principal))
    by_level = dict.fromkeys(UnitLevel, 0)
    for level, count in counts.by_level:
        by_level[UnitLevel(level)] = count
    return TaskStats(
        as_of=as_of,
        province=province,
        total=sum(by_level.values()),
        by_level=by_level,
        by_sector=[SectorCount(sector=s, count=n) for s, n in counts.by_sector],
        by_unit=[
            UnitCount(unit_id=r["id"], unit_code=r["code"], unit_name=r["name"], level=r["level"], count=r["count"])
            for r in counts.by_unit
        ],
        by_agency=[
            AgencyCount(agency_id=r["id"], agency_name=r["name"], level=r["level"], count=r["count"]) for r in counts.by_agency
        ],
    )


async def transfer_stats(
    session: AsyncSession, principal: Principal, province: str | None, date_from: date | None, date_to: date | None
) -> TransferStats:
    filters = repository.TransferFilter(province=province, effective_from=date_from, effective_to=date_to)
    routes = await repository.transfer_counts(session, filters, visible_transfers(principal))
    by_mode = dict.fromkeys(TransferMode, 0)
    for _from, _to, mode, count in routes:
        by_mode[TransferMode(mode)] += count
    return TransferStats(
        province=province,
        date_from=date_from,
        date_to=date_to,
        total=sum(by_mode.values()),
        by_mode=by_mode,
        by_route=[
            TransferRouteCount(from_level=TaskLevel(f), to_level=TaskLevel(to), mode=TransferMode(m), count=n)
            for f, to, m, n in sorted(routes)
        ],
    )


_FINDING_QUERIES = {
    FindingKind.OVERLAP: repository.overlap_findings,
    FindingKind.NO_OWNER: repository.no_owner_findings,
    FindingKind.NO_LEGAL_BASIS: repository.no_legal_basis_findings,
    FindingKind.ENDED_OWNER: repository.ended_owner_findings,
    FindingKind.DUPLICATE: repository.duplicate_findings,
}


async def findings(
    session: AsyncSession,
    principal: Principal,
    *,
    as_of: date,
    province: str | None,
    sector: str | None,
    kind: FindingKind | None,
    limit: int,
) -> Findings:
    """Complete counts of every kind (SQL), and the first ``limit`` findings of the kinds asked."""
    scope = repository.FindingScope(day=as_of, province=province, sector=sector, visible=visible_tasks(principal))
    queries = {k: make(scope) for k, make in _FINDING_QUERIES.items()}
    counts = {k: await repository.count_findings(session, q) for k, q in queries.items()}
    rows: list[tuple[FindingKind, RowMapping]] = []
    for k in [kind] if kind is not None else list(FindingKind):
        rows += [(k, row) for row in await repository.first_findings(session, queries[k], limit - len(rows))]
    agency_ids = [row[key] for _k, row in rows for key in ("agency_id", "other_agency_id") if row.get(key) is not None]
    agencies = await repository.load_agencies(session, agency_ids)
    duplicates = await repository.duplicate_members(
        session, scope, [(row["province_code"], row["search_key"]) for k, row in rows if k is FindingKind.DUPLICATE]
    )
    items = [_finding(k, row, agencies, duplicates, as_of) for k, row in rows]
    shown = sum(counts[k] for k in ([kind] if kind is not None else list(FindingKind)))
    return Findings(
        as_of=as_of,
        province=province,
        counts=counts,
        total=sum(counts.values()),
        items=items,
        truncated=len(items) < shown,
    )


def _finding(
    kind: FindingKind,
    row: RowMapping,
    agencies: Mapping[uuid.UUID, AgencyInfo],
    duplicates: Mapping[tuple[str, str], list[uuid.UUID]],
    day: date,
) -> Finding:
    named = [agencies[row[key]] for key in ("agency_id", "other_agency_id") if row.get(key) is not None and row[key] in agencies]
    related: list[uuid.UUID] = []
    if kind is FindingKind.OVERLAP:
        both = " and ".join(x.name for x in named)
        shared = "a shared task with two leads" if row["shared"] else "not a shared task"
        reason = f"Held by {both} on {day} ({shared})"
    elif kind is FindingKind.NO_OWNER:
        reason = (
            f"No lead owner on {day}; the last was {named[0].name}" if named else f"No lead owner on {day}, and none recorded"
        )
    elif kind is FindingKind.NO_LEGAL_BASIS:
        reason = "No legal basis recorded (rõ thẩm quyền)"
    elif kind is FindingKind.ENDED_OWNER:
        reason = (named[0].why_not_in_force(day) if named else None) or f"Its owner is not in force on {day}"
    else:
        related = [i for i in duplicates.get((row["province_code"], row["search_key"]), []) if i != row["task_id"]]
        reason = f"Same title and sector as {len(related)} other task(s) of province {row['province_code']}"
    return Finding(
        kind=kind,
        task_id=row["task_id"],
        task_code=row["task_code"],
        task_title=row["task_title"],
        sector=row["sector"],
        province_code=row["province_code"],
        agencies=[
            FindingAgency(id=x.id, name=x.name, level=x.level, valid_from=x.valid_from, valid_to=x.valid_to) for x in named
        ],
        related_task_ids=related,
        reason=reason,
    )
