"""The rules of transfers: a task passes from its current lead to another agency of its province,
in force on the effective date, closing the old ownership the day before and opening the new one
in one transaction; a bulk transfer checks every row and writes all of them or none.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, jsonable, snapshot
from haicap_shared.auth import Principal
from haicap_shared.batching import in_batches
from haicap_shared.errors import Conflict
from haicap_shared.models import utcnow
from haicap_shared.paging import Page, page_of
from haicap_shared.row_problems import capped
from haicap_shared.validity import Interval

from ..tasks import service as task_service
from ..tasks.models import Task, TaskOwnership
from ..tasks.repository import AgencyInfo
from . import repository
from .access import check_agency, in_area, visible_transfers
from .models import TaskLevel, TaskTransfer, TransferMode
from .schemas import (
    BulkRowProblem,
    BulkTransferCreate,
    BulkTransferReport,
    TaskTransferCreate,
    TransferBatch,
    TransferFilter,
    TransferRouteCount,
    TransferStats,
)
from .schemas import TaskTransfer as TaskTransferOut

ENTITY_BATCH = "task_transfer_batch"
AUDIT_BATCH = 1000
"""Tasks audited by one statement in a bulk transfer."""


class TransferBeforeStart(Conflict):
    code, title = "transfer_before_start", "A transfer must be dated after the task exists and after its owner's start"


class NoCurrentOwner(Conflict):
    code, title = "no_current_owner", "The task has no owner to transfer it from"


class TransferToSameOwner(Conflict):
    code, title = "transfer_to_same_owner", "The task already belongs to that agency"


class BulkTransferRejected(Conflict):
    code, title = "bulk_transfer_rejected", "Some rows of the bulk transfer are wrong; nothing was transferred"


# --- reading --------------------------------------------------------------------------------


async def list_transfers(
    session: AsyncSession, principal: Principal, filters: TransferFilter, *, limit: int, cursor: str | None
) -> Page[TaskTransferOut]:
    """One page of the transfers from or to the caller's area, by effective date."""
    rows, next_cursor = await repository.transfer_page(session, filters, visible_transfers(principal), limit=limit, cursor=cursor)
    return page_of(TaskTransferOut, rows, next_cursor)


async def transfer_view(session: AsyncSession, transfer_id: uuid.UUID) -> TaskTransferOut:
    [row] = await repository.transfers_by_ids(session, [transfer_id])
    return TaskTransferOut.model_validate(dict(row))


async def transfer_stats(
    session: AsyncSession, principal: Principal, province: str | None, date_from: date | None, date_to: date | None
) -> TransferStats:
    """Transfers effective in the period, in the caller's area, counted in SQL, shaped for the API."""
    filters = TransferFilter(province=province, effective_from=date_from, effective_to=date_to)
    counts = await repository.count_transfers(session, filters, visible_transfers(principal))
    return TransferStats(
        province=province,
        date_from=date_from,
        date_to=date_to,
        total=counts.total,
        by_mode=dict.fromkeys(TransferMode, 0) | {TransferMode(mode): count for mode, count in counts.by_mode},
        by_route=[
            TransferRouteCount(
                from_level=TaskLevel(from_level), to_level=TaskLevel(to_level), mode=TransferMode(mode), count=count
            )
            for from_level, to_level, mode, count in counts.by_route
        ],
    )


# --- one task -------------------------------------------------------------------------------


async def transfer_task(
    session: AsyncSession, audit: AuditTrail, principal: Principal, task: Task, data: TaskTransferCreate, today: date
) -> TaskTransfer:
    """Close the current lead ownership the day before ``effective_date`` and open the new one."""
    current = await task_service.latest_lead(session, task.id)
    if current is None:
        raise NoCurrentOwner(f"{task.code} has never had an owner; record its first owner instead")
    agencies = await task_service.required_agencies(session, [data.to_agency_id])
    from_agency = (await task_service.agencies_by_id(session, [current.agency_id]))[current.agency_id]
    to_agency = agencies[data.to_agency_id]
    check_agency(principal, from_agency)
    check_agency(principal, to_agency)
    await _check_dates(session, task, current, from_agency, data.effective_date)
    if to_agency.id == current.agency_id:
        raise TransferToSameOwner(f"{to_agency.name} already leads {task.code}")
    if to_agency.province_code != task.province_code:
        raise task_service.OwnerInOtherProvince(
            f"{to_agency.name} is of province {to_agency.province_code}, the task of {task.province_code}"
        )
    task_service.check_in_force(to_agency, data.effective_date)
    before = {**await task_service.task_record(session, task.id, today), "owner": task_service.ownership_snapshot(current)}
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
    if Interval.of(current).contains(data.effective_date):
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
        entity_type=task_service.ENTITY_TASK,
        entity_id=task.id,
        action="transfer",
        before=before,
        after={
            **await task_service.task_record(session, task.id, today),
            "transfer": snapshot(transfer),
            "closed": task_service.ownership_snapshot(current),
            "owner": task_service.ownership_snapshot(opened),
        },
    )
    return transfer


async def _check_dates(
    session: AsyncSession, task: Task, current: TaskOwnership, from_agency: AgencyInfo, effective: date
) -> None:
    """409 ``transfer_before_start`` unless the transfer takes effect after the task and its owner began."""
    first = await task_service.first_day(session, task.id)
    if first is not None and effective <= first:
        raise TransferBeforeStart(
            f"{task.code} exists from {first}; a transfer must take effect after that", task_starts=first.isoformat()
        )
    if effective <= current.valid_from:
        raise TransferBeforeStart(
            f"{from_agency.name} holds {task.code} from {current.valid_from}; a transfer must take effect after that",
            owner_since=current.valid_from.isoformat(),
        )


# --- many tasks at once ---------------------------------------------------------------------


@dataclass
class _BulkItem:
    """One task of a bulk transfer as it is checked: its row (None when unlisted), where it goes, what is wrong."""

    row: int | None
    task_id: uuid.UUID | None
    task_code: str | None
    to_agency_id: uuid.UUID | None
    errors: list[str] = field(default_factory=list)
    lead: RowMapping | None = None
    province_code: str | None = None


@dataclass(frozen=True)
class _Bulk:
    """What every row of one bulk transfer shares."""

    data: BulkTransferCreate
    from_agency: AgencyInfo

    @property
    def effective(self) -> date:
        return self.data.effective_date

    @property
    def day_before(self) -> date:
        return self.data.effective_date - timedelta(days=1)


async def bulk_transfer(
    session: AsyncSession, audit: AuditTrail, principal: Principal, data: BulkTransferCreate, today: date
) -> BulkTransferReport:
    """Check every row; write every transfer in this transaction, or refuse all with the report."""
    from_agency = (await task_service.required_agencies(session, [data.from_agency_id]))[data.from_agency_id]
    check_agency(principal, from_agency)
    bulk = _Bulk(data, from_agency)
    items = await _listed_items(session, bulk)
    if data.default_to_agency_id is not None:
        items += await _unlisted_items(session, bulk, {item.task_id for item in items})
    targets = await _check_items(session, principal, bulk, items)
    problems = [
        BulkRowProblem(row=i.row, task_id=i.task_id, task_code=i.task_code, errors=capped(i.errors)) for i in items if i.errors
    ]
    if problems:
        remaining = await repository.count_led_by(session, from_agency.id, bulk.effective)
        report = _bulk_report(data, items, problems, batch_id=None, transfers=[], remaining=remaining)
        raise BulkTransferRejected(
            f"{len(problems)} of {len(items)} rows are wrong; nothing was transferred",
            report=report.model_dump(mode="json"),
        )
    batch_id = uuid.uuid4()
    task_ids = [i.task_id for i in items if i.task_id is not None]
    before = await task_service.task_records(session, task_ids, today)
    transfers = await _write_transfers(session, bulk, items, targets, batch_id)
    after = await task_service.task_records(session, task_ids, today)
    await _audit_transfers(session, audit, principal, bulk, items, transfers, (before, after))
    written = await repository.transfers_by_ids(session, [row["id"] for row in transfers])
    return _bulk_report(
        data,
        items,
        [],
        batch_id=batch_id,
        transfers=[TaskTransferOut.model_validate(dict(row)) for row in written],
        remaining=await repository.count_led_by(session, from_agency.id, bulk.effective),
    )


async def _listed_items(session: AsyncSession, bulk: _Bulk) -> list[_BulkItem]:
    """The rows of the request, each resolved to its task (by id, or by code in the former owner's province)."""
    rows, province = bulk.data.rows, bulk.from_agency.province_code
    found = await repository.tasks_for_bulk(
        session,
        province,
        [row.task_id for row in rows if row.task_id is not None],
        [row.task_code for row in rows if row.task_code is not None],
    )
    by_id = {task["id"]: task for task in found}
    by_code = {task["code"]: task for task in found if task["province_code"] == province}
    items: list[_BulkItem] = []
    for number, row in enumerate(rows, start=1):
        task = by_id.get(row.task_id) if row.task_id is not None else by_code.get(row.task_code or "")
        item = _BulkItem(number, row.task_id, row.task_code, row.to_agency_id or bulk.data.default_to_agency_id)
        if task is None:
            item.errors.append(f"no task {row.task_id or row.task_code} in province {province}")
        else:
            item.task_id, item.task_code, item.province_code = task["id"], task["code"], task["province_code"]
        items.append(item)
    return items


async def _unlisted_items(session: AsyncSession, bulk: _Bulk, listed: set[uuid.UUID | None]) -> list[_BulkItem]:
    """The former owner's other tasks on the day before, all going to the default new owner."""
    return [
        _BulkItem(None, task["id"], task["code"], bulk.data.default_to_agency_id, province_code=task["province_code"])
        for task in await repository.tasks_led_by(session, bulk.from_agency.id, bulk.day_before)
        if task["id"] not in listed
    ]


async def _check_items(
    session: AsyncSession, principal: Principal, bulk: _Bulk, items: Sequence[_BulkItem]
) -> dict[uuid.UUID, AgencyInfo]:
    """Record every row's problems (and its current lead); the new owners found, by id."""
    targets = await task_service.agencies_by_id(session, [i.to_agency_id for i in items if i.to_agency_id is not None])
    leads = await repository.latest_leads(session, [i.task_id for i in items if i.task_id is not None])
    seen: set[uuid.UUID] = set()
    for item in items:
        _check_source(item, bulk, leads, seen)
        _check_target(item, principal, bulk, targets)
    return targets


def _check_source(item: _BulkItem, bulk: _Bulk, leads: Mapping[uuid.UUID, RowMapping], seen: set[uuid.UUID]) -> None:
    """The task is listed once and led by the former owner until the day before."""
    if item.task_id is None or item.province_code is None:
        return
    if item.task_id in seen:
        item.errors.append("the task is listed twice")
    seen.add(item.task_id)
    lead = item.lead = leads.get(item.task_id)
    if lead is None:
        item.errors.append("the task has no owner to transfer it from")
    elif lead["valid_from"] >= bulk.effective:
        item.errors.append(f"transfer_before_start: its owner holds it from {lead['valid_from']}, not before {bulk.effective}")
    elif lead["agency_id"] != bulk.from_agency.id or not _interval(lead).contains(bulk.day_before):
        item.errors.append(f"{bulk.from_agency.name} does not lead this task on {bulk.day_before}")


def _interval(ownership: RowMapping) -> Interval:
    return Interval(ownership["valid_from"], ownership["valid_to"])


def _check_target(item: _BulkItem, principal: Principal, bulk: _Bulk, targets: Mapping[uuid.UUID, AgencyInfo]) -> None:
    """The new owner exists, is in the caller's area and the province, is another agency, and is in force."""
    if item.to_agency_id is None:
        item.errors.append("no to_agency_id and no default_to_agency_id")
        return
    target = targets.get(item.to_agency_id)
    if target is None:
        item.errors.append(f"owner_not_found: no agency has id {item.to_agency_id}")
        return
    if not in_area(principal, target):
        item.errors.append(f"outside_area: {target.name} is outside your area")
    if target.province_code != bulk.from_agency.province_code:
        item.errors.append(f"owner_in_other_province: {target.name} is of province {target.province_code}")
    if target.id == bulk.from_agency.id:
        item.errors.append("transfer_to_same_owner: the task would go to the agency it comes from")
    if (why := target.why_not_in_force(bulk.effective)) is not None:
        item.errors.append(f"owner_not_in_force: {why}")


async def _write_transfers(
    session: AsyncSession, bulk: _Bulk, items: Sequence[_BulkItem], targets: Mapping[uuid.UUID, AgencyInfo], batch_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Insert one transfer per item, close the former leads the day before, open the new ones, touch the tasks."""
    now = utcnow()
    transfers: list[dict[str, Any]] = []
    opened: list[dict[str, Any]] = []
    for item in items:
        assert item.task_id is not None
        assert item.to_agency_id is not None
        target = targets[item.to_agency_id]
        transfer_id = uuid.uuid4()
        transfers.append(
            {
                "id": transfer_id,
                "task_id": item.task_id,
                "mode": bulk.data.mode,
                "from_level": TaskLevel(bulk.from_agency.level.value),
                "from_agency_id": bulk.from_agency.id,
                "from_authority": None,
                "to_level": TaskLevel(target.level.value),
                "to_agency_id": target.id,
                "effective_date": bulk.effective,
                "legal_basis": bulk.data.legal_basis,
                "batch_id": batch_id,
                "province_code": bulk.from_agency.province_code,
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
                "valid_from": bulk.effective,
                "valid_to": None,
                "transfer_id": transfer_id,
            }
        )
    # NOTE: a lead that already ended before the effective date (a gap) keeps its end.
    still_open = [i.lead["id"] for i in items if i.lead is not None and _interval(i.lead).contains(bulk.effective)]
    await repository.insert_transfers(session, transfers)
    await repository.close_ownerships(session, still_open, bulk.day_before)
    await repository.open_ownerships(session, opened)
    await repository.touch_tasks(session, [i.task_id for i in items if i.task_id is not None])
    return transfers


async def _audit_transfers(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    bulk: _Bulk,
    items: Sequence[_BulkItem],
    transfers: Sequence[dict[str, Any]],
    records: tuple[Mapping[uuid.UUID, dict[str, Any]], Mapping[uuid.UUID, dict[str, Any]]],
) -> None:
    """One audit event per task transferred (the task before and after, naming the batch), then the batch's."""
    before, after = records
    changes = [
        (
            transfer["task_id"],
            {
                **before[transfer["task_id"]],
                "owner": {"agency_id": str(bulk.from_agency.id), "valid_from": jsonable(item.lead["valid_from"])}
                if item.lead is not None
                else None,
            },
            {
                **after[transfer["task_id"]],
                "transfer": {k: jsonable(v) for k, v in transfer.items()},
                "batch_id": str(transfer["batch_id"]),
            },
        )
        for item, transfer in zip(items, transfers, strict=True)
    ]
    for chunk in in_batches(changes, AUDIT_BATCH):
        await audit.record_many(session, principal, entity_type=task_service.ENTITY_TASK, action="transfer", changes=chunk)
    batch_id = transfers[0]["batch_id"]
    summary = TransferBatch(
        id=batch_id,
        from_agency_id=bulk.from_agency.id,
        effective_date=bulk.effective,
        mode=bulk.data.mode,
        legal_basis=bulk.data.legal_basis,
        province_code=bulk.from_agency.province_code,
        transfers=len(transfers),
    )
    # NOTE: the batch is published where its former owner is (its commune and agency, for their officers).
    area = {"commune_code": bulk.from_agency.commune_code, "agency_id": str(bulk.from_agency.id)}
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_BATCH,
        entity_id=batch_id,
        action="create",
        after=summary.model_dump(mode="json") | area,
    )


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
