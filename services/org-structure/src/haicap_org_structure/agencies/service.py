"""The rules of agencies and their function decisions, and the import of the agencies' form (its row rules in ``importer``)."""

from __future__ import annotations

import dataclasses
import functools
import re
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, jsonable, snapshot
from haicap_shared.auth import Principal, check_province
from haicap_shared.batching import in_batches
from haicap_shared.codes import UnitLevel
from haicap_shared.errors import BadRequest, Conflict, NotFound
from haicap_shared.import_runs import ImportRun, import_audit_entry
from haicap_shared.imports import Upload
from haicap_shared.models import utcnow
from haicap_shared.paging import Page, page_of
from haicap_shared.tabular import ImportReport
from haicap_shared.text import search_key
from haicap_shared.validity import Interval

from ..units import repository as unit_repository
from ..units import service as unit_service
from ..units.models import AdministrativeUnit, UnitKind
from . import importer, repository
from .access import check_agency, visible_agencies
from .models import KIND_LABELS, LEVEL_OF_KIND, Agency, AgencyKind, DecisionStatus, FunctionDecision
from .schemas import Agency as AgencyOut
from .schemas import (
    AgencyCreate,
    AgencyRef,
    AgencyUpdate,
    DecisionCreate,
    DecisionIssue,
    DecisionProgress,
    DecisionProgressByProvince,
    DecisionUpdate,
    LevelProgress,
    ProgressRow,
    StandardSetupResult,
)
from .schemas import FunctionDecision as DecisionOut

ENTITY_AGENCY = "agency"
ENTITY_DECISION = "function_decision"
ENTITY_SETUP = "standard_setup"
ENTITY_IMPORT = "agency_import"

AUDIT_BATCH = 1000
"""Records audited by one statement in bulk writes (7 values a row in the audit log, 10 in the outbox)."""

INTERNAL_COLUMNS = frozenset({"search_key"})
"""Columns the API does not show: left out of audited snapshots, so an event's ``changed_fields`` names API fields."""


class AgencyNotFound(NotFound):
    code, title = "agency_not_found", "No such agency"


class AgencyUnitNotFound(Conflict):
    code, title = "unit_not_found", "The administrative unit does not exist"


class KindNotAtLevel(Conflict):
    code, title = "kind_not_at_level", "This kind of agency does not exist at the unit's level"


class EconomicOfficeVariant(Conflict):
    code, title = "economic_office_variant", "A xã has a Phòng Kinh tế, a phường a Phòng Kinh tế - Hạ tầng - Đô thị"


class OutsideUnitValidity(Conflict):
    code, title = "outside_unit_validity", "An agency cannot exist before or outlive its unit"


class ParentAgencyInvalid(Conflict):
    code, title = "parent_agency_invalid", "The parent agency does not exist or is of another province"


class DecisionNotFound(NotFound):
    code, title = "decision_not_found", "No such function decision"


class DecisionNotDraft(Conflict):
    code, title = "decision_not_draft", "Only a decision being drafted can be changed or issued"


class InvalidElectronicIdCode(BadRequest):
    code, title = "invalid_electronic_id_code", "The electronic identifier code is not in the form of Decision 20/2020/QĐ-TTg"


class ElectronicIdCodeTaken(Conflict):
    code, title = "electronic_id_code_taken", "Another agency holds this electronic identifier code on some of these dates"


ELECTRONIC_ID_CODE = re.compile(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}")
"""Decision 20/2020/QĐ-TTg: ``level4.level3.level2.level1``, levels 4 to 2 digits (3, 2, 2), level 1 a letter and 2 digits."""


def parse_electronic_id_code(value: str | None) -> str | None:
    """The code as stored (trimmed, the level-1 letter upper-cased); ``None`` or empty for none.

    Raises ``InvalidElectronicIdCode`` when it is not four dot-separated levels of the decision's form.
    """
    if value is None or not value.strip():
        return None
    code = value.strip().upper()
    if not ELECTRONIC_ID_CODE.fullmatch(code):
        raise InvalidElectronicIdCode(
            f"{value[:40]!r} is not an electronic identifier code: four dot-separated levels, "
            "3, 2 and 2 digits then a letter and 2 digits (e.g. 000.00.00.H14)",
            electronic_id_code=value[:40],
        )
    return code


async def _check_electronic_id_code_free(
    session: AsyncSession, code: str | None, valid_from: date | None, valid_to: date | None, excluding: uuid.UUID | None = None
) -> None:
    if code is None:
        return
    clashes = await repository.agencies_with_electronic_id_code_overlapping(
        session, code, valid_from, valid_to, excluding=excluding
    )
    if clashes:
        other = clashes[0]
        raise ElectronicIdCodeTaken(
            f"{other.name} ({other.id}) holds {code} from {other.valid_from or 'the beginning'} "
            f"to {other.valid_to or 'now'}, which overlaps",
            conflicting_agency_id=str(other.id),
        )


def economic_office_kind(unit_kind: UnitKind) -> AgencyKind:
    """Phường have the urban variant of the economic office; xã and đặc khu the plain one."""
    return AgencyKind.COMMUNE_ECONOMIC_URBAN_OFFICE if unit_kind is UnitKind.PHUONG else AgencyKind.COMMUNE_ECONOMIC_OFFICE


STANDARD_COMMUNE_KINDS = (
    AgencyKind.COMMUNE_OFFICE,
    None,  # the economic office: its variant depends on the commune's kind
    AgencyKind.COMMUNE_CULTURE_SOCIAL_OFFICE,
    AgencyKind.COMMUNE_SERVICE_CENTRE,
)


def standard_name(kind: AgencyKind, unit: AdministrativeUnit) -> str:
    """ "Phòng Kinh tế xã Quảng Lâm": the organisation's label and the commune's name."""
    return f"{KIND_LABELS[kind]} {unit.name[:1].lower()}{unit.name[1:]}"


@dataclass(frozen=True)
class Placement:
    """Where an agency would sit, for the area check before it exists."""

    id: uuid.UUID
    name: str
    province_code: str
    commune_code: str | None
    parent_id: uuid.UUID | None


def agency_snapshot(agency: Agency | Mapping[Any, Any]) -> dict[str, Any]:
    """An agency as the audit trail records it (and its events show it): its columns but the internal ones."""
    values = snapshot(agency) if isinstance(agency, Agency) else agency
    return {key: jsonable(value) for key, value in values.items() if key not in INTERNAL_COLUMNS}


def decision_snapshot(decision: FunctionDecision, agency: Agency) -> dict[str, Any]:
    """A decision as the audit trail records it, with its agency's area (where its events are published)."""
    return {**snapshot(decision), "province_code": agency.province_code, "commune_code": agency.commune_code}


def check_kind(kind: AgencyKind, unit: AdministrativeUnit) -> None:
    if unit.level not in LEVEL_OF_KIND[kind]:
        raise KindNotAtLevel(f"A {KIND_LABELS[kind]} does not belong to a {unit.level.value} ({unit.name})")
    economic = {AgencyKind.COMMUNE_ECONOMIC_OFFICE, AgencyKind.COMMUNE_ECONOMIC_URBAN_OFFICE}
    if kind in economic and kind is not economic_office_kind(unit.kind):
        raise EconomicOfficeVariant(f"{unit.name} has a {KIND_LABELS[economic_office_kind(unit.kind)]}")


def check_validity(unit: AdministrativeUnit, valid_from: date | None, valid_to: date | None) -> None:
    if not Interval(valid_from, valid_to).within(Interval.of(unit)):
        raise OutsideUnitValidity(
            f"{unit.name} is in force from {unit.valid_from or 'the beginning'} to {unit.valid_to or 'now'}; "
            "the agency's interval must lie within it"
        )


async def list_agencies(
    session: AsyncSession, principal: Principal, filters: repository.AgencyFilter, *, limit: int, cursor: str | None
) -> Page[AgencyOut]:
    """One page of the agencies in the caller's area that match ``filters``, by name."""
    if filters.electronic_id_code is not None:
        filters = dataclasses.replace(filters, electronic_id_code=parse_electronic_id_code(filters.electronic_id_code))
    rows, next_cursor = await repository.page_of_agencies(
        session, filters, visible_agencies(principal), limit=limit, cursor=cursor
    )
    return page_of(AgencyOut, rows, next_cursor)


async def get_agency(session: AsyncSession, principal: Principal, agency_id: uuid.UUID) -> Agency:
    agency = await repository.get_agency(session, agency_id)
    if agency is None:
        raise AgencyNotFound(f"No agency has id {agency_id}")
    check_agency(principal, agency)
    return agency


async def _parent(session: AsyncSession, principal: Principal, parent_id: uuid.UUID | None, province_code: str) -> None:
    if parent_id is None:
        return
    parent = await repository.get_agency(session, parent_id)
    if parent is None or parent.province_code != province_code:
        raise ParentAgencyInvalid(f"No agency {parent_id} in province {province_code}")
    check_agency(principal, parent)


async def create_agency(session: AsyncSession, audit: AuditTrail, principal: Principal, data: AgencyCreate) -> Agency:
    unit = await unit_repository.get_unit(session, data.unit_id)
    if unit is None:
        raise AgencyUnitNotFound(f"No administrative unit has id {data.unit_id}")
    check_kind(data.kind, unit)
    valid_from = data.valid_from or unit.valid_from
    valid_to = data.valid_to if data.valid_to is not None else unit.valid_to
    check_validity(unit, valid_from, valid_to)
    code = parse_electronic_id_code(data.electronic_id_code)
    agency_id = uuid.uuid4()
    commune_code = unit.code if unit.level is UnitLevel.COMMUNE else None
    check_agency(principal, Placement(agency_id, data.name, unit.province_code, commune_code, data.parent_id))
    await _parent(session, principal, data.parent_id, unit.province_code)
    await _check_electronic_id_code_free(session, code, valid_from, valid_to)
    agency = Agency(
        id=agency_id,
        name=data.name,
        kind=data.kind,
        unit_id=unit.id,
        level=unit.level,
        province_code=unit.province_code,
        commune_code=commune_code,
        parent_id=data.parent_id,
        valid_from=valid_from,
        valid_to=valid_to,
        search_key=search_key(data.name),
        electronic_id_code=code,
    )
    session.add(agency)
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_AGENCY, entity_id=agency.id, action="create", after=agency_snapshot(agency)
    )
    return agency


async def update_agency(
    session: AsyncSession, audit: AuditTrail, principal: Principal, agency: Agency, changes: AgencyUpdate
) -> Agency:
    before = agency_snapshot(agency)
    fields = changes.model_dump(exclude_unset=True)
    unit = await unit_repository.get_unit(session, agency.unit_id)
    assert unit is not None  # NOTE: a foreign key keeps it
    valid_from = fields.get("valid_from", agency.valid_from)
    valid_to = fields.get("valid_to", agency.valid_to)
    if not Interval(valid_from, valid_to).in_order:
        raise Conflict("valid_to would be before valid_from", code="invalid_interval")
    check_validity(unit, valid_from, valid_to)
    if "parent_id" in fields:
        if fields["parent_id"] == agency.id:
            raise ParentAgencyInvalid("An agency cannot sit under itself")
        await _parent(session, principal, fields["parent_id"], agency.province_code)
    if "electronic_id_code" in fields:
        fields["electronic_id_code"] = parse_electronic_id_code(fields["electronic_id_code"])
    code = fields.get("electronic_id_code", agency.electronic_id_code)
    if {"electronic_id_code", "valid_from", "valid_to"} & fields.keys():
        await _check_electronic_id_code_free(session, code, valid_from, valid_to, excluding=agency.id)
    for name, value in fields.items():
        setattr(agency, name, value)
    if "name" in fields:
        agency.search_key = search_key(agency.name)
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_AGENCY,
        entity_id=agency.id,
        action="update",
        before=before,
        after=agency_snapshot(agency),
    )
    return agency


async def set_up_standard_organisations(
    session: AsyncSession, audit: AuditTrail, principal: Principal, province: str, as_of: date
) -> StandardSetupResult:
    """The four standard organisations of each commune in force on ``as_of``; idempotent."""
    check_province(principal, province)
    # NOTE: a province code held by no unit on the date is a 404 naming it, not "0 communes set up".
    await unit_service.unit_by_code(session, province, as_of)
    filters = unit_repository.UnitFilter(level=UnitLevel.COMMUNE, province=province, as_of=as_of)
    communes = await unit_repository.units_matching(session, filters)
    present = await repository.existing_kinds(session, [u.id for u in communes], as_of)
    now = utcnow()
    rows = []
    for unit in communes:
        for standard in STANDARD_COMMUNE_KINDS:
            kind = standard or economic_office_kind(unit.kind)
            if (unit.id, kind) in present:
                continue
            name = standard_name(kind, unit)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "name": name,
                    "kind": kind,
                    "unit_id": unit.id,
                    "level": UnitLevel.COMMUNE,
                    "province_code": unit.province_code,
                    "commune_code": unit.code,
                    "parent_id": None,
                    "valid_from": max(as_of, unit.valid_from) if unit.valid_from else as_of,
                    "valid_to": unit.valid_to,
                    "search_key": search_key(name),
                    "electronic_id_code": None,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
    created = await repository.add_agencies(session, rows)
    result = StandardSetupResult(communes=len(communes), created=created, already_present=len(present))
    if created:
        await _audit_created(session, audit, principal, rows)
        await audit.record(
            session,
            principal,
            entity_type=ENTITY_SETUP,
            entity_id=f"{province}:{as_of.isoformat()}",
            action="create",
            after=result.model_dump()
            | {"province_code": province, "as_of": as_of.isoformat(), "agency_ids": [str(r["id"]) for r in rows]},
        )
    return result


async def _audit_created(
    session: AsyncSession, audit: AuditTrail, principal: Principal, rows: Sequence[Mapping[str, Any]]
) -> None:
    """A ``create`` event for each agency written in bulk (as column values), one statement per batch."""
    for batch in in_batches(rows, AUDIT_BATCH):
        await audit.record_many(
            session,
            principal,
            entity_type=ENTITY_AGENCY,
            action="create",
            changes=[(row["id"], None, agency_snapshot(row)) for row in batch],
        )


def _normalised_code(value: Any) -> str:
    """An import cell's code as the database would hold it (checked later, by the row's rules)."""
    return str(value or "").strip().upper()


async def import_agencies(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    upload: Upload,
    *,
    partial: bool,
    today: date,
) -> ImportReport:
    """Check every row; write them all (or, with ``partial``, the good ones), chunk by chunk.

    Each chunk's units are looked up once per code, its rows checked (``importer.check_row``)
    and its good rows written with one batched insert while the import may still succeed. An
    import with a wrong row and without ``partial`` is refused (``ImportRejected``, with the
    report) and the request's transaction rolled back.
    """
    units: dict[str, list[AdministrativeUnit]] = defaultdict(list)
    looked_up: set[str] = set()
    seen: set[tuple[str, uuid.UUID]] = set()
    taken: importer.TakenCodes = {}
    codes_looked_up: set[str] = set()
    written_ids: list[uuid.UUID] = []
    provinces: set[str] = set()
    now = utcnow()
    run = ImportRun(upload, partial=partial)
    async for chunk in run.chunks(importer.COLUMNS):
        codes = sorted({str(r.values["unit_code"]) for r in chunk if r.values.get("unit_code")} - looked_up)
        looked_up.update(codes)
        for candidate in await unit_repository.units_with_codes(session, codes):
            units[candidate.code].append(candidate)
        eid_codes = sorted({_normalised_code(r.values.get("electronic_id_code")) for r in chunk} - codes_looked_up - {""})
        codes_looked_up.update(eid_codes)
        for holder in await repository.agencies_with_electronic_id_codes(session, eid_codes):
            span = Interval(holder["valid_from"], holder["valid_to"])
            taken.setdefault(holder["electronic_id_code"], []).append((span, holder["name"]))
        accepted: list[dict[str, Any]] = []
        check = functools.partial(
            importer.check_row,
            units=units,
            principal=principal,
            seen=seen,
            today=today,
            now=now,
            accepted=accepted,
            taken=taken,
        )
        await run.check_rows(chunk, check)
        if run.may_write:
            run.written += await repository.add_agencies(session, accepted)
            await _audit_created(session, audit, principal, accepted)
            written_ids += [r["id"] for r in accepted]
            provinces.update(r["province_code"] for r in accepted)
    report = run.finish()
    if report.written:
        # NOTE: an import within one province is published there; one spanning several, nationally.
        area = {"province_code": provinces.pop()} if len(provinces) == 1 else {}
        await audit.record(
            session,
            principal,
            entity_type=ENTITY_IMPORT,
            entity_id=upload.filename[:100],
            action="import",
            after=import_audit_entry(report, filename=upload.filename, agency_ids=[str(i) for i in written_ids], **area),
        )
    return report


async def list_decisions(
    session: AsyncSession, principal: Principal, filters: repository.DecisionFilter, *, limit: int, cursor: str | None
) -> Page[DecisionOut]:
    """One page of the decisions on agencies in the caller's area that match ``filters``, oldest first."""
    rows, next_cursor = await repository.page_of_decisions(
        session, filters, visible_agencies(principal), limit=limit, cursor=cursor
    )
    return page_of(DecisionOut, rows, next_cursor)


async def get_decision(session: AsyncSession, principal: Principal, decision_id: uuid.UUID) -> FunctionDecision:
    decision = await repository.get_decision(session, decision_id)
    if decision is None:
        raise DecisionNotFound(f"No function decision has id {decision_id}")
    await get_agency(session, principal, decision.agency_id)
    return decision


async def create_decision(
    session: AsyncSession, audit: AuditTrail, principal: Principal, data: DecisionCreate
) -> FunctionDecision:
    agency = await get_agency(session, principal, data.agency_id)
    decision = FunctionDecision(**data.model_dump(), status=DecisionStatus.DRAFTING)
    session.add(decision)
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_DECISION,
        entity_id=decision.id,
        action="create",
        after=decision_snapshot(decision, agency),
    )
    return decision


async def _agency_of(session: AsyncSession, decision: FunctionDecision) -> Agency:
    agency = await repository.get_agency(session, decision.agency_id)
    assert agency is not None  # NOTE: a foreign key keeps it
    return agency


def _draft(decision: FunctionDecision) -> None:
    if decision.status is not DecisionStatus.DRAFTING:
        raise DecisionNotDraft(f"Decision {decision.number} is {decision.status.value}")


async def update_decision(
    session: AsyncSession, audit: AuditTrail, principal: Principal, decision: FunctionDecision, changes: DecisionUpdate
) -> FunctionDecision:
    _draft(decision)
    agency = await _agency_of(session, decision)
    before = decision_snapshot(decision, agency)
    for name, value in changes.model_dump(exclude_unset=True).items():
        setattr(decision, name, value)
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_DECISION,
        entity_id=decision.id,
        action="update",
        before=before,
        after=decision_snapshot(decision, agency),
    )
    return decision


async def issue_decision(
    session: AsyncSession, audit: AuditTrail, principal: Principal, decision: FunctionDecision, data: DecisionIssue
) -> FunctionDecision:
    """Issue a draft; the agency's decision in force until then is superseded the same day."""
    _draft(decision)
    agency = await _agency_of(session, decision)
    previous = list(await repository.issued_decisions_of(session, decision.agency_id))
    before_superseded = [decision_snapshot(p, agency) for p in previous]
    for superseded in previous:
        superseded.status = DecisionStatus.SUPERSEDED
        superseded.superseded_on = data.issued_on
    await session.flush()
    await audit.record_many(
        session,
        principal,
        entity_type=ENTITY_DECISION,
        action="supersede",
        changes=[(p.id, before, decision_snapshot(p, agency)) for p, before in zip(previous, before_superseded, strict=True)],
    )
    before = decision_snapshot(decision, agency)
    decision.status = DecisionStatus.ISSUED
    decision.issued_on = data.issued_on
    decision.signed_on = data.signed_on or decision.signed_on or data.issued_on
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_DECISION,
        entity_id=decision.id,
        action="issue",
        before=before,
        after=decision_snapshot(decision, agency),
    )
    return decision


async def decision_progress(session: AsyncSession, principal: Principal, as_of: date, province: str | None) -> DecisionProgress:
    """Agencies in the caller's area with their decision in force, out of those that need one (counted in SQL)."""
    visible = visible_agencies(principal)
    counts = await repository.decision_progress(session, as_of=as_of, province=province, visible=visible)
    missing = await repository.agencies_without_decision(session, as_of=as_of, province=province, visible=visible)
    return _progress(as_of, province, counts.get(None), missing.get(None, []))


async def decision_progress_by_province(session: AsyncSession, principal: Principal, as_of: date) -> DecisionProgressByProvince:
    """:func:`decision_progress` for every province of the caller's area, each figure in one statement for all."""
    visible = visible_agencies(principal)
    counts = await repository.decision_progress(session, as_of=as_of, province=None, visible=visible, per_province=True)
    missing = await repository.agencies_without_decision(session, as_of=as_of, province=None, visible=visible, per_province=True)
    provinces = sorted(code for code in counts if code is not None)
    return DecisionProgressByProvince(
        as_of=as_of, rows=[_progress(as_of, code, counts[code], missing.get(code, [])) for code in provinces]
    )


def _progress(
    as_of: date, province: str | None, counts: repository.DecisionCounts | None, missing: Sequence[RowMapping]
) -> DecisionProgress:
    counts = counts or repository.DecisionCounts()
    by_level = {level: LevelProgress(required=0, issued=0) for level in UnitLevel}
    for level, required, issued in counts.by_level:
        by_level[level] = LevelProgress(required=required, issued=issued)
    return DecisionProgress(
        as_of=as_of,
        province=province,
        by_level=by_level,
        by_kind=[ProgressRow(level=lv, kind=k, required=r, issued=i) for lv, k, r, i in sorted(counts.by_kind)],
        missing=[AgencyRef.model_validate(dict(row)) for row in missing],
    )
