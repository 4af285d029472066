"""The rules of allocations: one holder at a time, history kept, hand-overs all or nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.codes import UnitLevel
from haicap_shared.errors import Conflict, NotFound

from .. import holders
from ..holders import Holder, day_before
from ..norms import service as norm_service
from ..org_client import OrgDirectory
from ..register import repository as register_repository
from ..register.access import check_current_holder, check_holder
from ..register.models import HOLDER_COLUMNS, Asset, AssetKind, AssetStatus, EventKind, HolderKind, audited
from . import access, repository
from .models import Allocation, Purpose
from .schemas import AllocationCreate, HandoverCreate, HandoverReport, HandoverRow

ENTITY_ALLOCATION = "allocation"
ENTITY_HANDOVER = "handover"
ENTITY_ASSET = "asset"


class AllocationNotFound(NotFound):
    code, title = "allocation_not_found", "No such allocation"


class AllocationDateInvalid(Conflict):
    code, title = "allocation_date_invalid", "A new allocation must start after the current one"


class CarNormExceeded(Conflict):
    code, title = "car_norm_exceeded", "The commune already has as many general-work cars as the norm allows"


class CarPriceOverNorm(Conflict):
    code, title = "car_price_over_norm", "The car's price is above the norm's cap for its kind of car"


class AssetNotHeld(Conflict):
    code, title = "asset_disposed", "The asset has been disposed of; it has no holder to move"


class HandoverRejected(Conflict):
    code, title = "handover_rejected", "Some assets cannot be handed over; nothing was written"


class NothingToHandOver(Conflict):
    code, title = "nothing_to_hand_over", "The former holders hold no assets"


async def get_allocation(session: AsyncSession, principal: Principal, allocation_id: uuid.UUID) -> Allocation:
    allocation = await repository.get_allocation(session, allocation_id)
    if allocation is None:
        raise AllocationNotFound(f"No allocation has id {allocation_id}")
    asset = await register_repository.get_asset(session, allocation.asset_id)
    access.check_allocation(principal, allocation, asset)
    return allocation


async def check_car_norm(session: AsyncSession, asset: Asset, holder: Holder, purpose: Purpose, on: date) -> None:
    """A commune's car: within the price cap of its kind, and a general-work car within the norm's count, on ``on``."""
    specialised = purpose is Purpose.SPECIALISED_CAR
    if asset.kind is not AssetKind.CAR or holder.level is not UnitLevel.COMMUNE:
        return
    if purpose is not Purpose.GENERAL_WORK_CAR and not specialised:
        return
    found = await norm_service.cap_on(session, on, asset.seats, specialised)
    if found is None:
        return
    norm, cap = found
    if asset.original_value is not None and cap.max_price_vnd is not None and asset.original_value > cap.max_price_vnd:
        raise CarPriceOverNorm(
            f"{asset.original_value:,} VND is above the cap of {cap.max_price_vnd:,} VND for a car of kind {cap.kind}"
            f" ({cap.source})",
            max_price_vnd=cap.max_price_vnd,
            car_kind=cap.kind.value,
        )
    if specialised:
        return
    assert holder.commune_code is not None
    held = await repository.general_cars_of_commune(session, holder.commune_code, on, excluding=asset.id)
    if held >= norm.max_general_cars_per_commune:
        raise CarNormExceeded(
            f"{holder.name} already has {held} general-work car(s); the norm allows {norm.max_general_cars_per_commune}"
            f" ({norm.legal_basis})",
            held=held,
            norm=norm.max_general_cars_per_commune,
        )


def new_allocation(
    asset: Asset,
    holder: Holder,
    purpose: Purpose,
    on: date,
    *,
    decision_number: str | None = None,
    handover_id: uuid.UUID | None = None,
    disposition_id: uuid.UUID | None = None,
    note: str | None = None,
) -> Allocation:
    """An allocation starting on ``on`` (not yet added to the session), its holder copied onto the asset."""
    allocation = Allocation(
        id=uuid.uuid4(),
        asset_id=asset.id,
        purpose=purpose,
        valid_from=on,
        decision_number=decision_number,
        handover_id=handover_id,
        disposition_id=disposition_id,
        note=note,
        **holder.columns(),
    )
    for name, value in holder.columns().items():
        setattr(asset, name, value)
    return allocation


async def open_allocation(
    session: AsyncSession,
    asset: Asset,
    holder: Holder,
    purpose: Purpose,
    on: date,
    *,
    decision_number: str | None = None,
    handover_id: uuid.UUID | None = None,
    disposition_id: uuid.UUID | None = None,
    note: str | None = None,
) -> Allocation:
    """Start an allocation and copy its holder onto the asset (the caller audits it: :func:`record_opened`)."""
    allocation = new_allocation(
        asset,
        holder,
        purpose,
        on,
        decision_number=decision_number,
        handover_id=handover_id,
        disposition_id=disposition_id,
        note=note,
    )
    session.add(allocation)
    await session.flush()
    return allocation


async def record_opened(
    session: AsyncSession, audit: AuditTrail, principal: Principal, allocations: Sequence[Allocation]
) -> None:
    """The created audit record (and event) of each new allocation, in one statement."""
    changes = [(a.id, None, snapshot(a)) for a in allocations]
    await audit.record_many(session, principal, entity_type=ENTITY_ALLOCATION, action="create", changes=changes)


async def close_current(
    session: AsyncSession, audit: AuditTrail, principal: Principal, asset: Asset, on: date
) -> Allocation | None:
    """End the open allocation on the day before ``on`` (refused if it starts on or after ``on``), audited."""
    current = await register_repository.open_allocation(session, asset.id)
    if current is None:
        return None
    if current.valid_from >= on:
        raise AllocationDateInvalid(f"The current allocation of {asset.code} starts on {current.valid_from}; choose a later date")
    before = snapshot(current)
    current.valid_to = day_before(on)
    await session.flush()
    after = snapshot(current)
    await audit.record_many(
        session, principal, entity_type=ENTITY_ALLOCATION, action="update", changes=[(current.id, before, after)]
    )
    return current


def release(asset: Asset) -> None:
    """The asset leaves the public-use register (sold, liquidated, ...): it has no holder any more."""
    for name in HOLDER_COLUMNS:
        setattr(asset, name, None)


async def allocate(
    session: AsyncSession, audit: AuditTrail, principal: Principal, org: OrgDirectory, asset: Asset, data: AllocationCreate
) -> Allocation:
    holder = await holders.resolve(org, data.holder, data.valid_from)
    if asset.status is AssetStatus.DISPOSED:
        raise AssetNotHeld(f"Asset {asset.code} was disposed of")
    holders.require_in_force(holder, data.valid_from)
    # NOTE: where the asset stands lets an officer see it, not take it from its holder.
    check_current_holder(principal, asset)
    check_holder(principal, holder)
    await check_car_norm(session, asset, holder, data.purpose, data.valid_from)
    before = audited(asset)
    previous = await close_current(session, audit, principal, asset, data.valid_from)
    allocation = await open_allocation(
        session, asset, holder, data.purpose, data.valid_from, decision_number=data.decision_number, note=data.note
    )
    await register_repository.record_event(
        session,
        principal,
        asset.id,
        EventKind.ALLOCATED,
        data.valid_from,
        allocation_id=allocation.id,
        detail={"from": previous.holder_name if previous else None, "to": holder.name, "purpose": data.purpose.value},
    )
    await record_opened(session, audit, principal, [allocation])
    await audit.record(
        session, principal, entity_type=ENTITY_ASSET, entity_id=asset.id, action="update", before=before, after=audited(asset)
    )
    return allocation


async def _former_holders(org: OrgDirectory, data: HandoverCreate, target: Holder) -> list[Holder]:
    on = day_before(data.effective_date)
    found = [await holders.resolve(org, ref, on) for ref in data.from_holders]
    if data.from_predecessors:
        for unit in await org.predecessors(target.unit_id):
            found.append(
                holders.unit_holder(
                    unit.id,
                    unit.code,
                    unit.name,
                    unit.level,
                    unit.province_code or target.province_code,
                    unit.valid_from,
                    unit.valid_to,
                )
            )
    unique: dict[uuid.UUID, Holder] = {h.id: h for h in found}
    return list(unique.values())


async def hand_over(
    session: AsyncSession, audit: AuditTrail, principal: Principal, org: OrgDirectory, data: HandoverCreate
) -> HandoverReport:
    """Move every asset of the former holders to the new one; all or nothing, ids and history kept."""
    target = await holders.resolve(org, data.to_holder, data.effective_date)
    holders.require_in_force(target, data.effective_date)
    check_holder(principal, target)
    former = await _former_holders(org, data, target)
    for holder in former:
        check_holder(principal, holder)
    unit_ids = [h.id for h in former if h.kind is HolderKind.UNIT]
    agency_ids = [h.id for h in former if h.kind is HolderKind.AGENCY]
    held = await repository.held_by(session, unit_ids, agency_ids)
    names = [h.name for h in former]
    if not held:
        raise NothingToHandOver(f"{', '.join(names)} hold no assets")
    handover_id = uuid.uuid4()
    rows = [
        HandoverRow(
            asset_id=asset.id,
            code=asset.code,
            name=asset.name,
            from_holder=allocation.holder_name,
            errors=[f"its allocation starts on {allocation.valid_from}, not before {data.effective_date}"]
            if allocation.valid_from >= data.effective_date
            else [],
        )
        for asset, allocation in held
    ]
    rejected = sum(1 for r in rows if r.errors)
    report = HandoverReport(
        handover_id=handover_id,
        effective_date=data.effective_date,
        to_holder=target.name,
        from_holders=names,
        assets=len(rows),
        handed_over=0,
        rejected=rejected,
        rows=rows,
    )
    if rejected:
        raise HandoverRejected(
            f"{rejected} of {len(rows)} assets cannot be handed over; nothing was written", report=report.model_dump(mode="json")
        )
    former_communes = {h.commune_code for h in former if h.commune_code}
    assets_before = [audited(asset) for asset, _ in held]
    closed_before = [snapshot(current) for _, current in held]
    for _, current in held:
        current.valid_to = day_before(data.effective_date)
    # NOTE: the old allocations end before the new ones start (one open allocation per asset).
    await session.flush()
    opened = []
    for (asset, current), row in zip(held, rows, strict=True):
        if target.commune_code is not None and asset.commune_code in former_communes:
            # NOTE: the former commune no longer exists; the asset now stands in the commune it became part of.
            asset.commune_code = target.commune_code
        allocation = new_allocation(
            asset,
            target,
            data.purpose or current.purpose,
            data.effective_date,
            decision_number=data.decision_number,
            handover_id=handover_id,
            note=data.note,
        )
        opened.append(allocation)
        row.allocation_id = allocation.id
    session.add_all(opened)
    await session.flush()
    await register_repository.record_events(
        session,
        principal,
        EventKind.HANDED_OVER,
        data.effective_date,
        [
            {
                "asset_id": asset.id,
                "allocation_id": allocation.id,
                "detail": {
                    "from": current.holder_name,
                    "to": target.name,
                    "decision": data.decision_number,
                    "handover_id": str(handover_id),
                },
            }
            for (asset, current), allocation in zip(held, opened, strict=True)
        ],
    )
    # NOTE: one audit record (and change event) per allocation ended, allocation opened and asset moved.
    closed = [(current.id, before, snapshot(current)) for (_, current), before in zip(held, closed_before, strict=True)]
    await audit.record_many(session, principal, entity_type=ENTITY_ALLOCATION, action="update", changes=closed)
    await record_opened(session, audit, principal, opened)
    moved = [(asset.id, before, audited(asset)) for (asset, _), before in zip(held, assets_before, strict=True)]
    await audit.record_many(session, principal, entity_type=ENTITY_ASSET, action="update", changes=moved)
    report.handed_over = len(rows)
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_HANDOVER,
        entity_id=handover_id,
        action="create",
        after=report.model_dump(mode="json", exclude={"rows"})
        | {"asset_ids": [str(r.asset_id) for r in rows], "decision": data.decision_number}
        | {"province_code": target.province_code, "commune_code": target.commune_code},
    )
    return report
