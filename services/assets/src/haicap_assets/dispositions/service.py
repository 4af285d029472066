"""The rules of dispositions: the order of priority, one open plan per asset, the workflow."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.codes import UnitLevel
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.paging import Page
from haicap_shared.procedures.service import ProcedureCatalogue
from haicap_shared.procedures.status import ProcedureStatus

from .. import holders
from ..allocations import service as allocation_service
from ..allocations.models import Purpose
from ..holders import Holder
from ..org_client import OrgDirectory
from ..register import repository as register_repository
from ..register import service as register_service
from ..register.access import check_asset, check_current_holder, check_holder
from ..register.models import Asset, AssetStatus, EventKind, HolderKind, audited
from ..workflow_dossiers import DISPOSITION, DOSSIERS, summary_field
from . import access, forms, repository
from .models import Disposition, DispositionStatus, Form, RepurposeTo
from .schemas import Disposition as DispositionOut
from .schemas import DispositionCreate, DispositionDecide, DispositionExecute, DispositionSubmit, FormInfo

ENTITY_DISPOSITION = "disposition"
ENTITY_ASSET = "asset"


class DispositionNotFound(NotFound):
    code, title = "disposition_not_found", "No such disposition"


class DispositionOpen(Conflict):
    code, title = "disposition_open", "The asset already has an open disposition"


class ReasonRequired(Conflict):
    code, title = "reason_required", "A lower-priority form needs the reason why the higher ones do not fit"


class ReceiverRequired(Conflict):
    code, title = "receiving_holder_invalid", "This form needs (or excludes) a receiving holder"


class WrongStatus(Conflict):
    code, title = "disposition_wrong_status", "The disposition is not at the step this action needs"


class NotApproved(Conflict):
    code, title = "disposition_not_approved", "Only an approved disposition can be executed"


class DatesOutOfOrder(Conflict):
    code, title = "dates_out_of_order", "Each step's date must not precede the previous step's"


def list_forms() -> list[FormInfo]:
    """Every form (repurposing once per new use) in the order of priority, recovery last."""
    rows = [
        FormInfo(
            form=form,
            repurpose_to=to,
            rank=forms.rank(form, to),
            label=forms.LABELS[form] + (f" ({to.value})" if to else ""),
            reason_required=forms.needs_reason(form, to),
        )
        for form in Form
        for to in (list(RepurposeTo) if form is Form.REPURPOSE else [None])
    ]
    return sorted(rows, key=lambda r: (r.rank == 0, r.rank))


def present(disposition: Any, today: date, decision_days: int) -> DispositionOut:
    """The disposition (a record or a row) with its decision due date and overdue flag on ``today``."""
    body = DispositionOut.model_validate(dict(disposition) if isinstance(disposition, Mapping) else disposition)
    if body.status is DispositionStatus.SUBMITTED and body.submitted_on is not None:
        body.decision_due_on = body.submitted_on + timedelta(days=decision_days)
        body.decision_overdue = today > body.decision_due_on
    return body


async def list_dispositions(
    session: AsyncSession,
    principal: Principal,
    filters: repository.DispositionFilter,
    *,
    overdue: bool,
    today: date,
    decision_days: int,
    limit: int,
    cursor: str | None,
) -> Page[DispositionOut]:
    """One page of the plans of the assets in the caller's area; ``overdue``: only those whose decision is late on ``today``."""
    rows, next_cursor = await repository.page_of_dispositions(
        session,
        filters,
        access.visible(principal),
        submitted_before=today - timedelta(days=decision_days) if overdue else None,
        limit=limit,
        cursor=cursor,
    )
    items = await DOSSIERS.with_summaries(session, DISPOSITION, [present(r, today, decision_days) for r in rows])
    return Page[DispositionOut](items=items, next=next_cursor)


async def disposition_out(session: AsyncSession, disposition: Disposition, today: date, decision_days: int) -> DispositionOut:
    """The disposition as its responses show it (``present``), with the summary of its dossier."""
    return await DOSSIERS.with_summary(session, DISPOSITION, disposition.id, present(disposition, today, decision_days))


async def get_disposition(session: AsyncSession, principal: Principal, disposition_id: uuid.UUID) -> tuple[Disposition, Asset]:
    disposition = await repository.get_disposition(session, disposition_id)
    if disposition is None:
        raise DispositionNotFound(f"No disposition has id {disposition_id}")
    asset = await register_repository.get_asset(session, disposition.asset_id)
    assert asset is not None  # NOTE: a foreign key keeps it
    check_asset(principal, asset)
    return disposition, asset


async def _audit(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    disposition: Disposition,
    asset: Asset,
    action: str,
    before: dict[str, Any] | None,
) -> None:
    # NOTE: a plan lies where its asset does (``access.visible``): the asset's commune and agency
    # go with the snapshot (the same before and after), for the change feed's area.
    area = {"asset_commune_code": asset.holder_commune_code or asset.commune_code}
    area["asset_agency_id"] = str(asset.holder_id) if asset.holder_kind is HolderKind.AGENCY else None
    # NOTE: its dossier's summary too, so the event's record is what its GET answers.
    dossier = summary_field(await DOSSIERS.summary(session, DISPOSITION, disposition.id))
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_DISPOSITION,
        entity_id=disposition.id,
        action=action,
        before=None if before is None else before | area,
        after=snapshot(disposition) | area | dossier,
    )


async def _audit_asset(
    session: AsyncSession, audit: AuditTrail, principal: Principal, asset: Asset, before: dict[str, Any]
) -> None:
    await audit.record(
        session, principal, entity_type=ENTITY_ASSET, entity_id=asset.id, action="update", before=before, after=audited(asset)
    )


async def propose(
    session: AsyncSession, audit: AuditTrail, principal: Principal, org: OrgDirectory, data: DispositionCreate
) -> Disposition:
    asset = await register_service.get_asset(session, principal, data.asset_id)
    receiver: Holder | None = None
    if data.receiving_holder is not None:
        receiver = await holders.resolve(org, data.receiving_holder, data.proposed_on)
    if asset.status is AssetStatus.DISPOSED:
        raise register_service.AssetDisposed(f"Asset {asset.code} was disposed of")
    check_current_holder(principal, asset)
    if (existing := await repository.open_disposition(session, asset.id)) is not None:
        raise DispositionOpen(
            f"Asset {asset.code} has a {existing.status.value} disposition ({existing.form.value}); finish or reject it first",
            disposition_id=str(existing.id),
        )
    if forms.needs_reason(data.form, data.repurpose_to) and not (data.reason_higher_forms_unfit or "").strip():
        raise ReasonRequired(
            f"{forms.LABELS[data.form]} comes after keeping, transferring and repurposing; "
            "say in reason_higher_forms_unfit why none of those fits"
        )
    if data.form in forms.NEEDS_RECEIVER and receiver is None:
        raise ReceiverRequired(f"A {data.form.value} needs receiving_holder")
    if data.form in forms.NO_RECEIVER and receiver is not None:
        raise ReceiverRequired(f"A {data.form.value} has no receiving holder in the public sector")
    if receiver is not None:
        check_holder(principal, receiver)
    before_status = asset.status
    asset_before = audited(asset)
    disposition = Disposition(
        id=uuid.uuid4(),
        asset_id=asset.id,
        asset_kind=asset.kind,
        province_code=asset.province_code,
        form=data.form,
        repurpose_to=data.repurpose_to,
        priority_rank=forms.rank(data.form, data.repurpose_to),
        reason_higher_forms_unfit=data.reason_higher_forms_unfit,
        status=DispositionStatus.PROPOSED,
        asset_status_before=before_status,
        proposed_on=data.proposed_on,
        receiving_purpose=Purpose(data.repurpose_to.value) if data.repurpose_to else data.receiving_purpose,
        note=data.note,
        **(receiver.receiving_columns() if receiver else {}),
    )
    session.add(disposition)
    asset.status = AssetStatus.IN_DISPOSITION
    await session.flush()
    await register_repository.record_event(
        session,
        principal,
        asset.id,
        EventKind.DISPOSITION_PROPOSED,
        data.proposed_on,
        status=AssetStatus.IN_DISPOSITION,
        disposition_id=disposition.id,
        detail={"form": data.form.value, "repurpose_to": data.repurpose_to.value if data.repurpose_to else None},
    )
    await _audit(session, audit, principal, disposition, asset, "create", None)
    await _audit_asset(session, audit, principal, asset, asset_before)
    return disposition


def _expect(disposition: Disposition, status: DispositionStatus, action: str) -> None:
    if disposition.status is not status:
        raise WrongStatus(f"Only a {status.value} disposition can be {action}; this one is {disposition.status.value}")


def _not_before(later: date, earlier: date | None, what: str) -> None:
    if earlier is not None and later < earlier:
        raise DatesOutOfOrder(f"{what} ({later}) is before the previous step ({earlier})")


async def submit(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    disposition: Disposition,
    asset: Asset,
    data: DispositionSubmit,
    catalogue: ProcedureCatalogue,
) -> Disposition:
    """Submit the plan to the authority; with ``procedure``, the dossier it was received under opens (``received``)."""
    _expect(disposition, DispositionStatus.PROPOSED, "submitted")
    _not_before(data.submitted_on, disposition.proposed_on, "submitted_on")
    before = await DOSSIERS.audited(session, DISPOSITION, disposition)
    disposition.status = DispositionStatus.SUBMITTED
    disposition.submitted_on = data.submitted_on
    disposition.dossier_ref = data.dossier_ref
    await session.flush()
    await register_repository.record_event(
        session,
        principal,
        disposition.asset_id,
        EventKind.DISPOSITION_SUBMITTED,
        data.submitted_on,
        disposition_id=disposition.id,
    )
    if data.procedure is not None:
        await DOSSIERS.open(session, audit, principal, catalogue, data.procedure, DISPOSITION, _DossierArea(disposition, asset))
    await _audit(session, audit, principal, disposition, asset, "update", before)
    return disposition


async def decide(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    disposition: Disposition,
    asset: Asset,
    data: DispositionDecide,
    *,
    approve: bool,
) -> Disposition:
    access.check_decider(principal, disposition)
    _expect(disposition, DispositionStatus.SUBMITTED, "approved" if approve else "rejected")
    _not_before(data.decided_on, disposition.submitted_on, "decided_on")
    before = await DOSSIERS.audited(session, DISPOSITION, disposition)
    asset_before = audited(asset)
    disposition.status = DispositionStatus.APPROVED if approve else DispositionStatus.REJECTED
    disposition.decision_number = data.decision_number
    disposition.decided_on = data.decided_on
    disposition.authority = data.authority
    if not approve:
        disposition.rejection_reason = data.rejection_reason
        # NOTE: a rejected plan gives the asset back the status it had before the plan.
        asset.status = disposition.asset_status_before
    await session.flush()
    await register_repository.record_event(
        session,
        principal,
        asset.id,
        EventKind.DISPOSITION_APPROVED if approve else EventKind.DISPOSITION_REJECTED,
        data.decided_on,
        status=None if approve else asset.status,
        disposition_id=disposition.id,
        detail={"decision": data.decision_number, "authority": data.authority},
    )
    # NOTE: the authority's decision finishes the dossier: approved, done; rejected, refused with its reason.
    note = data.rejection_reason if not approve and data.rejection_reason else f"{data.decision_number} ({data.authority})"
    status = ProcedureStatus.DONE if approve else ProcedureStatus.REFUSED
    await DOSSIERS.follow(session, audit, principal, DISPOSITION, disposition.id, status, note)
    await _audit(session, audit, principal, disposition, asset, "update", before)
    if not approve:
        await _audit_asset(session, audit, principal, asset, asset_before)
    return disposition


def _receiver(disposition: Disposition) -> Holder | None:
    if disposition.receiving_holder_id is None:
        return None
    assert disposition.receiving_holder_kind is not None
    assert disposition.receiving_level is not None
    assert disposition.receiving_holder_name is not None
    assert disposition.receiving_province_code is not None
    assert disposition.receiving_unit_id is not None
    return Holder(
        HolderKind(disposition.receiving_holder_kind),
        disposition.receiving_holder_id,
        disposition.receiving_holder_name,
        disposition.receiving_province_code,
        disposition.receiving_commune_code,
        UnitLevel(disposition.receiving_level),
        disposition.receiving_unit_id,
        None,
        disposition.receiving_valid_to,
    )


async def execute(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    disposition: Disposition,
    asset: Asset,
    data: DispositionExecute,
) -> Disposition:
    """Carry out an approved plan; a move of holder happens in this same transaction."""
    check_current_holder(principal, asset)
    if disposition.status is not DispositionStatus.APPROVED:
        raise NotApproved(f"This disposition is {disposition.status.value}; it must be approved by the competent authority first")
    _not_before(data.executed_on, disposition.decided_on, "executed_on")
    before = await DOSSIERS.audited(session, DISPOSITION, disposition)
    asset_before = audited(asset)
    receiver = _receiver(disposition)
    allocation_id: uuid.UUID | None = None
    current = await register_repository.open_allocation(session, asset.id)
    if disposition.form in forms.KEEPS_IN_PUBLIC_USE:
        asset.status = AssetStatus.IN_USE
        purpose = disposition.receiving_purpose or (current.purpose if current else Purpose.OTHER)
        holder = receiver if disposition.form is not Form.SHARE_USE else None
        changes_use = current is None or purpose is not current.purpose
        if holder is not None or (disposition.form is not Form.SHARE_USE and changes_use):
            target = holder or _current_holder(asset)
            if target is None:
                raise ReceiverRequired("The asset has no holder; the plan needs a receiving holder")
            await allocation_service.close_current(session, audit, principal, asset, data.executed_on)
            allocation = await allocation_service.open_allocation(
                session,
                asset,
                target,
                purpose,
                data.executed_on,
                decision_number=disposition.decision_number,
                disposition_id=disposition.id,
            )
            await allocation_service.record_opened(session, audit, principal, [allocation])
            allocation_id = allocation.id
    else:
        asset.status = AssetStatus.DISPOSED
        if current is not None:
            await allocation_service.close_current(session, audit, principal, asset, data.executed_on)
        allocation_service.release(asset)
    disposition.status = DispositionStatus.EXECUTED
    disposition.executed_on = data.executed_on
    disposition.handover_record = data.handover_record
    await session.flush()
    await register_repository.record_event(
        session,
        principal,
        asset.id,
        EventKind.DISPOSITION_EXECUTED,
        data.executed_on,
        status=asset.status,
        allocation_id=allocation_id,
        disposition_id=disposition.id,
        detail={"form": disposition.form.value, "record": data.handover_record, "to": disposition.receiving_holder_name},
    )
    await _audit(session, audit, principal, disposition, asset, "update", before)
    await _audit_asset(session, audit, principal, asset, asset_before)
    return disposition


def _current_holder(asset: Asset) -> Holder | None:
    if asset.holder_id is None:
        return None
    assert asset.holder_kind is not None
    assert asset.holder_level is not None
    assert asset.holder_unit_id is not None
    return Holder(
        asset.holder_kind,
        asset.holder_id,
        asset.holder_name or "",
        asset.holder_province_code or asset.province_code,
        asset.holder_commune_code,
        asset.holder_level,
        asset.holder_unit_id,
        None,
        asset.holder_valid_to,
    )


class _DossierArea:
    """Where a disposition's dossier lies: the plan's province, its asset's commune and holding agency (as ``access``)."""

    def __init__(self, disposition: Disposition, asset: Asset) -> None:
        self.id = disposition.id
        self.province_code = disposition.province_code
        self.commune_code = asset.holder_commune_code or asset.commune_code
        self.agency_id = asset.holder_id if asset.holder_kind is HolderKind.AGENCY else None
