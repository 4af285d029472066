"""The rules of plans and their items: a plan is its province's (its owner agency's), a code once per
province and an item code once per plan; assignees are agencies of the plan's province (a person
through a placement in force in the assignee agency); dependencies stay within the plan and never
form a cycle; links name records that exist (here, or in personnel and assets through the gateway);
a closed plan changes no more.

Every change is audited and published (``plan`` and ``plan_item`` events); an item's event is
published where the item lies (its province and commune) and to its assignee agency.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.models import utcnow
from haicap_shared.paging import Page, page_of
from haicap_shared.text import search_key

from ..tasks import service as task_service
from ..tasks.repository import AgencyInfo
from . import repository, schemas
from .access import (
    check_item_read,
    check_plan_read,
    check_plan_write,
    items_visible,
    plans_visible,
    sees_all_items,
)
from .models import ItemStatus, LinkKind, Plan, PlanItem, PlanStatus
from .records import REMOTE_PATHS, RecordsDirectory
from .schemas import ItemCreate, ItemFilter, ItemLink, ItemUpdate, PlanClose, PlanCreate, PlanUpdate

ENTITY_PLAN = "plan"
ENTITY_ITEM = "plan_item"


class PlanNotFound(NotFound):
    code, title = "plan_not_found", "No such plan"


class ItemNotFound(NotFound):
    code, title = "plan_item_not_found", "No such plan item"


class PlanCodeTaken(Conflict):
    code, title = "plan_code_taken", "Another plan of the province has this code"


class ItemCodeTaken(Conflict):
    code, title = "plan_item_code_taken", "Another item of the plan has this code"


class AgencyNotFound(Conflict):
    code, title = "agency_not_found", "The agency does not exist"


class AgencyInOtherProvince(Conflict):
    code, title = "agency_in_other_province", "A plan's agencies are of its own province"


class DependencyNotFound(Conflict):
    code, title = "dependency_not_found", "An item depends only on items of the same plan"


class DependencyCycle(Conflict):
    code, title = "dependency_cycle", "The dependencies would form a cycle"


class LinkTargetNotFound(Conflict):
    code, title = "link_target_not_found", "A linked record does not exist"


class PlacementNotFound(Conflict):
    code, title = "placement_not_found", "The assignee's placement does not exist"


class PlacementNotInForce(Conflict):
    code, title = "placement_not_in_force", "The assignee's placement is not in force"


class PlacementOfOtherAgency(Conflict):
    code, title = "placement_of_other_agency", "The assignee's placement is in another agency than the item's"


class PlanClosed(Conflict):
    code, title = "plan_closed", "The plan is closed; it changes no more"


class StatusNotSettable(Conflict):
    code, title = "status_not_settable", "An item is done only through a progress report"


ITEM_PROBLEMS = (
    AgencyNotFound,
    AgencyInOtherProvince,
    ItemCodeTaken,
    DependencyNotFound,
    DependencyCycle,
    LinkTargetNotFound,
    PlacementNotFound,
    PlacementNotInForce,
    PlacementOfOtherAgency,
)
"""What a write of items may be refused with (besides 503 ``upstream_unavailable``)."""


# --- views and snapshots --------------------------------------------------------------------


def plan_summary(plan: Plan) -> schemas.PlanSummary:
    return schemas.PlanSummary.model_validate(snapshot(plan))


def plan_record(plan: Plan) -> dict[str, Any]:
    """A plan as the audit trail records it: as ``GET /plans`` lists it."""
    return plan_summary(plan).model_dump(mode="json")


async def item_views(session: AsyncSession, item_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, schemas.PlanItem]:
    rows = await repository.item_rows(session, item_ids=item_ids)
    return {row["id"]: schemas.PlanItem.model_validate(row) for row in rows}


async def item_view(session: AsyncSession, item_id: uuid.UUID) -> schemas.PlanItem:
    views = await item_views(session, [item_id])
    if item_id not in views:
        raise ItemNotFound(f"No plan item has id {item_id}")
    return views[item_id]


async def item_records(session: AsyncSession, item_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Items as the audit trail records them: as ``GET /plan-items/{id}`` shows them."""
    return {item_id: view.model_dump(mode="json") for item_id, view in (await item_views(session, item_ids)).items()}


async def audit_items(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    action: str,
    changes: Iterable[tuple[uuid.UUID, dict[str, Any] | None, dict[str, Any] | None]],
) -> None:
    await audit.record_many(session, principal, entity_type=ENTITY_ITEM, action=action, changes=list(changes))


# --- reading --------------------------------------------------------------------------------


async def get_plan(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> Plan:
    """The plan, if the caller may read it (404 when it does not exist, 403 outside the area)."""
    plan = await repository.get_plan(session, plan_id)
    if plan is None:
        raise PlanNotFound(f"No plan has id {plan_id}")
    seen = await repository.count_visible_items(session, plan_id, items_visible(principal, repository.SUPERIOR_ID))
    check_plan_read(principal, plan, seen)
    return plan


async def plan_view(session: AsyncSession, principal: Principal, plan: Plan) -> schemas.Plan:
    """The plan with the items the caller sees: all to province roles, their commune's (or agencies') to others."""
    visible = None if sees_all_items(principal, plan.province_code) else items_visible(principal, repository.SUPERIOR_ID)
    rows = await repository.item_rows(session, plan_id=plan.id, visible=visible)
    return schemas.Plan(**plan_summary(plan).model_dump(), items=[schemas.PlanItem.model_validate(r) for r in rows])


async def list_plans(
    session: AsyncSession,
    principal: Principal,
    *,
    province: str | None,
    status: PlanStatus | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> Page[schemas.PlanSummary]:
    rows, next_cursor = await repository.plan_page(
        session,
        plans_visible(principal, repository.superior_of_item()),
        province=province,
        status=status,
        q=q,
        limit=limit,
        cursor=cursor,
    )
    return page_of(schemas.PlanSummary, rows, next_cursor)


async def list_items(session: AsyncSession, principal: Principal, plan: Plan, filters: ItemFilter) -> list[schemas.PlanItem]:
    """The plan's items the caller sees, filtered; a commune officer's are their commune's."""
    visible = None if sees_all_items(principal, plan.province_code) else items_visible(principal, repository.SUPERIOR_ID)
    rows = await repository.item_rows(session, plan_id=plan.id, visible=visible, filters=filters)
    return [schemas.PlanItem.model_validate(r) for r in rows]


async def get_item(session: AsyncSession, principal: Principal, item_id: uuid.UUID) -> PlanItem:
    """The item, if the caller sees it (404 when it does not exist, 403 outside the area)."""
    item = await repository.get_item(session, item_id)
    if item is None:
        raise ItemNotFound(f"No plan item has id {item_id}")
    check_item_read(principal, item, await repository.superior_of(session, item_id))
    return item


async def plan_of(session: AsyncSession, item: PlanItem) -> Plan:
    plan = await repository.get_plan(session, item.plan_id)
    assert plan is not None  # NOTE: an item's plan is a foreign key (ON DELETE CASCADE)
    return plan


# --- checks shared by plans and items -------------------------------------------------------


async def _agencies(session: AsyncSession, ids: Iterable[uuid.UUID], province: str | None) -> dict[uuid.UUID, AgencyInfo]:
    """The agencies named, all of ``province`` (when given): 409 naming those that do not exist or are elsewhere."""
    wanted = list(dict.fromkeys(ids))
    found = await task_service.agencies_by_id(session, wanted)
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise AgencyNotFound(f"No agency has id {', '.join(missing)}", agency_ids=missing)
    if province is not None:
        for agency in found.values():
            if agency.province_code != province:
                raise AgencyInOtherProvince(
                    f"{agency.name} is of province {agency.province_code}, the plan's is {province}", agency_id=str(agency.id)
                )
    return found


async def _check_links(session: AsyncSession, records: RecordsDirectory, links: Sequence[ItemLink]) -> None:
    """Every link names a record that exists: tasks and agencies here, the others where they live."""
    by_kind: dict[LinkKind, list[uuid.UUID]] = {}
    for link in links:
        by_kind.setdefault(link.kind, []).append(link.target_id)
    for kind in (LinkKind.TASK, LinkKind.AGENCY):
        ids = by_kind.get(kind, [])
        if ids:
            found = await repository.existing_local(session, kind, ids)
            for target in ids:
                if target not in found:
                    raise LinkTargetNotFound(f"No {kind.value} has id {target}", kind=kind.value, target_id=str(target))
    for kind in REMOTE_PATHS:
        for target in by_kind.get(kind, []):
            if not await records.exists(kind, target):
                raise LinkTargetNotFound(f"No {kind.value} has id {target}", kind=kind.value, target_id=str(target))


async def _placement_person(records: RecordsDirectory, placement_id: uuid.UUID, agency_id: uuid.UUID, today: date) -> uuid.UUID:
    """The person of a placement in force today in the assignee agency (409 otherwise)."""
    placement = await records.placement(placement_id)
    if placement is None:
        raise PlacementNotFound(f"No placement has id {placement_id}", placement_id=str(placement_id))
    if not placement.in_force_on(today):
        raise PlacementNotInForce(
            f"The placement runs from {placement.valid_from} to {placement.valid_to or 'now'}, not on {today}",
            placement_id=str(placement_id),
        )
    if placement.agency_id != agency_id:
        raise PlacementOfOtherAgency(
            f"The placement is in agency {placement.agency_id}, the item's assignee is {agency_id}",
            placement_id=str(placement_id),
        )
    return placement.person_id


def _reaches(edges: Mapping[uuid.UUID, set[uuid.UUID]], start: uuid.UUID, target: uuid.UUID) -> bool:
    seen: set[uuid.UUID] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if node == target:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges.get(node, ()))
    return False


def check_acyclic(edges: Mapping[uuid.UUID, set[uuid.UUID]], codes: Mapping[uuid.UUID, str]) -> None:
    """409 ``dependency_cycle`` when an item depends, directly or not, on itself."""
    for item, needs in edges.items():
        for other in needs:
            if _reaches(edges, other, item):
                raise DependencyCycle(
                    f"Item {codes.get(item, item)} would depend on itself through {codes.get(other, other)}",
                    item_code=codes.get(item),
                )


def _resolve(codes: Sequence[str], by_code: Mapping[str, uuid.UUID]) -> set[uuid.UUID]:
    missing = [c for c in codes if c not in by_code]
    if missing:
        raise DependencyNotFound(f"The plan has no item {', '.join(missing)}", item_codes=missing)
    return {by_code[c] for c in codes}


def _ensure_open(plan: Plan) -> None:
    if plan.status is PlanStatus.CLOSED:
        raise PlanClosed(f"Plan {plan.code} was closed on {plan.closed_on}")


# --- plans ----------------------------------------------------------------------------------


async def create_plan(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    records: RecordsDirectory,
    data: PlanCreate,
    today: date,
) -> Plan:
    owner = (await _agencies(session, [data.owner_agency_id], None))[data.owner_agency_id]
    province = owner.province_code
    check_plan_write(principal, province)
    if await repository.plan_code_taken(session, province, data.code):
        raise PlanCodeTaken(f"Province {province} already has a plan {data.code}", plan_code=data.code)
    agencies = await _agencies(session, [i.assignee_agency_id for i in data.items], province)
    item_ids = {item.code: uuid.uuid4() for item in data.items}
    edges = {item_ids[i.code]: _resolve(i.depends_on, item_ids) for i in data.items}
    check_acyclic(edges, {v: k for k, v in item_ids.items()})
    persons: dict[str, uuid.UUID | None] = {}
    for item in data.items:
        await _check_links(session, records, item.links)
        persons[item.code] = (
            await _placement_person(records, item.assignee_placement_id, item.assignee_agency_id, today)
            if item.assignee_placement_id is not None
            else None
        )
    plan = Plan(
        province_code=province,
        code=data.code,
        title=data.title,
        owner_agency_id=owner.id,
        decision_number=data.decision_number,
        decision_signed_on=data.decision_signed_on,
        decision_issuer=data.decision_issuer,
        document_url=data.document_url,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        status=PlanStatus.OPEN,
        search_key=search_key(f"{data.code} {data.title}"),
    )
    session.add(plan)
    await session.flush()
    items = [_new_item(plan, item_ids[i.code], i, agencies[i.assignee_agency_id], persons[i.code]) for i in data.items]
    session.add_all(items)
    await session.flush()
    for item in data.items:
        await repository.replace_dependencies(session, item_ids[item.code], edges[item_ids[item.code]])
        await repository.replace_links(session, item_ids[item.code], [(link.kind, link.target_id) for link in item.links])
    await audit.record(session, principal, entity_type=ENTITY_PLAN, entity_id=plan.id, action="create", after=plan_record(plan))
    written = await item_records(session, [i.id for i in items])
    await audit_items(session, audit, principal, "create", [(i.id, None, written[i.id]) for i in items])
    return plan


def _new_item(plan: Plan, item_id: uuid.UUID, data: ItemCreate, agency: AgencyInfo, person: uuid.UUID | None) -> PlanItem:
    return PlanItem(
        id=item_id,
        plan_id=plan.id,
        code=data.code,
        title=data.title,
        expected_output=data.expected_output,
        assignee_agency_id=agency.id,
        assignee_placement_id=data.assignee_placement_id,
        assignee_person_id=person,
        province_code=plan.province_code,
        commune_code=agency.commune_code,
        starts_on=data.starts_on,
        deadline=data.deadline,
        status=ItemStatus.NOT_STARTED,
        progress_percent=0,
        measure=data.measure,
    )


async def update_plan(session: AsyncSession, audit: AuditTrail, principal: Principal, plan: Plan, changes: PlanUpdate) -> Plan:
    check_plan_write(principal, plan.province_code)
    _ensure_open(plan)
    fields = changes.model_dump(exclude_unset=True)
    for required in ("code", "title", "owner_agency_id", "starts_on"):
        if required in fields and fields[required] is None:
            raise Conflict(f"{required} cannot be emptied", code="required_field")
    if "owner_agency_id" in fields:
        await _agencies(session, [fields["owner_agency_id"]], plan.province_code)
    if "code" in fields and await repository.plan_code_taken(session, plan.province_code, fields["code"], other_than=plan.id):
        raise PlanCodeTaken(f"Province {plan.province_code} already has a plan {fields['code']}", plan_code=fields["code"])
    starts, ends = fields.get("starts_on", plan.starts_on), fields.get("ends_on", plan.ends_on)
    if ends is not None and ends < starts:
        raise Conflict(f"The plan would end ({ends}) before it starts ({starts})", code="plan_dates_reversed")
    before = plan_record(plan)
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.search_key = search_key(f"{plan.code} {plan.title}")
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_PLAN, entity_id=plan.id, action="update", before=before, after=plan_record(plan)
    )
    return plan


async def close_plan(session: AsyncSession, audit: AuditTrail, principal: Principal, plan: Plan, data: PlanClose) -> Plan:
    """Close the plan with its assessment and rating; each item may get its own assessment."""
    check_plan_write(principal, plan.province_code)
    _ensure_open(plan)
    if data.closed_on < plan.starts_on:
        raise Conflict(f"The plan starts on {plan.starts_on}; it cannot close before", code="plan_dates_reversed")
    items = {item.id: item for item in await repository.plan_items(session, plan.id)}
    unknown = [str(a.item_id) for a in data.item_assessments if a.item_id not in items]
    if unknown:
        raise ItemNotFound(f"The plan has no item {', '.join(unknown)}", item_ids=unknown)
    before_plan = plan_record(plan)
    assessed = [a.item_id for a in data.item_assessments]
    before_items = await item_records(session, assessed)
    plan.status = PlanStatus.CLOSED
    plan.closed_on = data.closed_on
    plan.assessment = data.assessment
    plan.rating = data.rating
    for assessment in data.item_assessments:
        items[assessment.item_id].assessment = assessment.assessment
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_PLAN,
        entity_id=plan.id,
        action="close",
        before=before_plan,
        after=plan_record(plan),
    )
    after_items = await item_records(session, assessed)
    await audit_items(session, audit, principal, "update", [(i, before_items[i], after_items[i]) for i in assessed])
    return plan


# --- items ----------------------------------------------------------------------------------


async def add_item(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    records: RecordsDirectory,
    plan: Plan,
    data: ItemCreate,
    today: date,
) -> PlanItem:
    check_plan_write(principal, plan.province_code)
    _ensure_open(plan)
    agency = (await _agencies(session, [data.assignee_agency_id], plan.province_code))[data.assignee_agency_id]
    if await repository.item_code_taken(session, plan.id, data.code):
        raise ItemCodeTaken(f"Plan {plan.code} already has an item {data.code}", item_code=data.code)
    existing = await repository.plan_items(session, plan.id)
    depends_on = _resolve(data.depends_on, {item.code: item.id for item in existing})
    await _check_links(session, records, data.links)
    person = (
        await _placement_person(records, data.assignee_placement_id, agency.id, today)
        if data.assignee_placement_id is not None
        else None
    )
    item = _new_item(plan, uuid.uuid4(), data, agency, person)
    session.add(item)
    await session.flush()
    await repository.replace_dependencies(session, item.id, depends_on)
    await repository.replace_links(session, item.id, [(link.kind, link.target_id) for link in data.links])
    written = await item_records(session, [item.id])
    await audit_items(session, audit, principal, "create", [(item.id, None, written[item.id])])
    return item


async def update_item(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    records: RecordsDirectory,
    item: PlanItem,
    changes: ItemUpdate,
    today: date,
) -> PlanItem:
    plan = await plan_of(session, item)
    check_plan_write(principal, plan.province_code)
    _ensure_open(plan)
    fields = changes.model_dump(exclude_unset=True)
    for required in ("code", "title", "assignee_agency_id", "deadline", "status", "depends_on", "links"):
        if required in fields and fields[required] is None:
            raise Conflict(f"{required} cannot be emptied", code="required_field")
    depends_on_codes = fields.pop("depends_on", None)
    links = changes.links if "links" in fields else None
    fields.pop("links", None)
    if "code" in fields and await repository.item_code_taken(session, plan.id, fields["code"], other_than=item.id):
        raise ItemCodeTaken(f"Plan {plan.code} already has an item {fields['code']}", item_code=fields["code"])
    if fields.get("status") is ItemStatus.DONE or (
        "status" in fields and item.status is ItemStatus.DONE and fields["status"] is not ItemStatus.DONE
    ):
        raise StatusNotSettable("An item is done, or undone, only through a progress report (a correction)")
    agency_id = fields.get("assignee_agency_id", item.assignee_agency_id)
    agency = (await _agencies(session, [agency_id], plan.province_code))[agency_id]
    starts, deadline = fields.get("starts_on", item.starts_on), fields.get("deadline", item.deadline)
    if starts is not None and deadline < starts:
        raise Conflict(f"The deadline ({deadline}) would be before the start ({starts})", code="item_dates_reversed")
    placement_id = fields.get("assignee_placement_id", item.assignee_placement_id)
    person = item.assignee_person_id
    if placement_id is None:
        person = None
    elif "assignee_placement_id" in fields or "assignee_agency_id" in fields:
        person = await _placement_person(records, placement_id, agency.id, today)
    edges: dict[uuid.UUID, set[uuid.UUID]] | None = None
    if depends_on_codes is not None:
        existing = await repository.plan_items(session, plan.id)
        by_code = {other.code: other.id for other in existing if other.id != item.id}
        edges = {}
        for a, b in await repository.plan_dependencies(session, plan.id):
            edges.setdefault(a, set()).add(b)
        edges[item.id] = _resolve(depends_on_codes, by_code) if item.code not in depends_on_codes else {item.id}
        check_acyclic(edges, {other.id: other.code for other in existing})
    if links is not None:
        await _check_links(session, records, links)
    before = (await item_records(session, [item.id]))[item.id]
    for name, value in fields.items():
        setattr(item, name, value)
    item.assignee_person_id = person
    item.commune_code = agency.commune_code
    if item.status is ItemStatus.DONE and item.completed_on is not None:
        item.on_time = item.completed_on <= item.deadline
    if edges is not None:
        await repository.replace_dependencies(session, item.id, edges[item.id])
    if links is not None:
        await repository.replace_links(session, item.id, [(link.kind, link.target_id) for link in links])
    item.updated_at = utcnow()  # NOTE: a change of links or dependencies alone is a new version of the item too
    await session.flush()
    after = (await item_records(session, [item.id]))[item.id]
    await audit_items(session, audit, principal, "update", [(item.id, before, after)])
    return item
