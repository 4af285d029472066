"""The rules of the asset register, and the import of its inventory form (the form's row rules in ``importer``)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

import anyio
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared import bulk_audit
from haicap_shared.areas import area_agency_id
from haicap_shared.audit import AuditTrail, jsonable
from haicap_shared.auth import Principal
from haicap_shared.errors import BadRequest, Conflict, NotFound
from haicap_shared.import_runs import ImportRun, finish_import, import_audit_entry
from haicap_shared.imports import ProblemLog, Upload
from haicap_shared.models import utcnow
from haicap_shared.paging import Page, page_of
from haicap_shared.tabular import ImportReport, RowProblem, check_csv_lines, is_csv
from haicap_shared.text import search_key

from .. import holders
from ..allocations import service as allocation_service
from ..holders import Holder
from ..org_client import HolderNotFound, OrgDirectory
from ..plates import PLATE_PREFIXES
from . import importer, repository, schemas
from .access import check_asset, check_holder, check_location, visible
from .models import HOLDER_COLUMNS, Asset, AssetStatus, EventKind, audited
from .schemas import AssetCreate, AssetUpdate, check_details

ENTITY_ASSET = "asset"
ENTITY_IMPORT = "asset_import"
EVENTS_BATCH = 3000
"""Assets per statement after an import, to write their audit and change events (SQLite: read back).

PostgreSQL sorts a batch's records (about 1 kB each) within the default ``work_mem`` (4 MB);
3,000 leave room for wider rows. Fewer, larger statements than the 1,000 they were saved
about a fifth of the audit's time.
"""


class AssetNotFound(NotFound):
    code, title = "asset_not_found", "No such asset"


class AssetCodeTaken(Conflict):
    code, title = "asset_code_taken", "Another asset of the province has this code"


class AssetDisposed(Conflict):
    code, title = "asset_disposed", "The asset has been disposed of; its record is history"


class StatusLockedByDisposition(Conflict):
    code, title = "status_locked", "The asset's status follows its disposition while one is open"


class InvalidAsset(BadRequest):
    code, title = "invalid_asset", "The asset's fields do not fit together"


class LocationNotFound(BadRequest):
    code, title = "location_not_found", "org-structure has no such commune in force in the asset's province"


async def validate_location(
    org: OrgDirectory, principal: Principal, province_code: str, commune_code: str | None, on: date
) -> None:
    """The asset's location: a commune org-structure has in force on ``on``, in its province and the caller's area."""
    if commune_code is not None:
        try:
            unit = await org.unit_by_code(commune_code, on)
        except HolderNotFound as exc:
            raise LocationNotFound(f"org-structure has no commune {commune_code} on {on}", commune_code=commune_code) from exc
        if unit.level != "commune" or unit.province_code != province_code:
            raise LocationNotFound(f"{unit.code} on {on} is not a commune of province {province_code}", commune_code=commune_code)
    check_location(principal, province_code, commune_code)


async def get_asset(session: AsyncSession, principal: Principal, asset_id: uuid.UUID) -> Asset:
    asset = await repository.get_asset(session, asset_id)
    if asset is None:
        raise AssetNotFound(f"No asset has id {asset_id}")
    check_asset(principal, asset)
    return asset


async def list_assets(
    session: AsyncSession, principal: Principal, filters: repository.AssetFilter, *, limit: int, cursor: str | None
) -> Page[schemas.Asset]:
    """One page of the assets in the caller's area that match ``filters``, by code."""
    rows, next_cursor = await repository.page_of_assets(session, filters, visible(principal), limit=limit, cursor=cursor)
    return page_of(schemas.Asset, rows, next_cursor)


async def history(session: AsyncSession, principal: Principal, asset_id: uuid.UUID) -> schemas.History:
    """Everything that happened to an asset in the caller's area, oldest first, and its holders over time."""
    asset = await get_asset(session, principal, asset_id)
    events, allocations = await repository.history(session, asset.id)
    return schemas.History(
        asset_id=asset.id,
        events=[schemas.AssetEvent.model_validate(e) for e in events],
        allocations=[schemas.AllocationOut.model_validate(a) for a in allocations],
    )


async def import_assets(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    org: OrgDirectory,
    upload: Upload,
    *,
    partial: bool,
    today: date,
) -> ImportReport:
    """Import the file's assets: all or nothing (409 ``import_rejected`` with the report), or with ``partial`` the good rows.

    Rows are parsed in the read's worker thread, their holders and locations resolved with
    org-structure once each, checked (``importer``) in a worker thread, and the good ones staged
    chunk by chunk; SQL then finds codes repeated in the file or already recorded, and one
    ``INSERT ... SELECT`` per table writes the staged rows (see the register's ``repository``).
    """
    limits = upload.limits
    staging = await repository.create_staging(session)
    staged = await _check_in_sql(session, principal, org, upload, staging, today)
    if staged is None:
        run = ImportRun(upload, partial=partial)
        resolved: dict[tuple[str, str, date | None], Holder | str] = {}
        async for chunk in run.chunks(importer.COLUMNS, transform=importer.parsed(today)):
            await importer.resolve_all(org, importer.chunk_refs(chunk), resolved)
            records = await run.in_thread(importer.checked_records, chunk, resolved, principal, run.problems)
            await repository.stage(session, staging, records)
        staged = (run.rows, run.problems)
    rows, checked = staged
    await repository.staged(session, staging)
    refused = await repository.staged_refusals(session, staging, limits.max_problems)
    rejected = checked.count + refused.count
    written = 0
    if partial or not rejected:
        if refused.count:
            await repository.drop_refused(session, staging)
        written_at = utcnow()
        written = await repository.write_staged(session, staging, principal.username, written_at)
        await _record_written(session, audit, principal, staging, written_at)
    await repository.drop_staging(session, staging)
    report = finish_import(
        rows=rows,
        accepted=rows - rejected,
        rejected=rejected,
        written=written,
        partial=partial,
        problems=importer.merged_problems(checked, refused, limits.max_problems),
    )
    if report.written:
        # NOTE: every imported row is in the importer's area, so the import lies there too.
        agency = area_agency_id(principal)
        area = {"province_code": principal.area.province, "commune_code": principal.area.commune}
        await audit.record(
            session,
            principal,
            entity_type=ENTITY_IMPORT,
            entity_id=upload.filename[:100],
            action="import",
            after=import_audit_entry(report, **area, agency_id=None if agency is None else str(agency)),
        )
    return report


async def _check_in_sql(
    session: AsyncSession, principal: Principal, org: OrgDirectory, upload: Upload, staging: Table, today: date
) -> tuple[int, ProblemLog] | None:
    """PostgreSQL, a CSV: the file through COPY, its rows checked in SQL, the good ones staged; the rows and the problems.

    None (nothing staged) on SQLite, for an XLSX, when a double quote would be read otherwise
    than Python's csv reads it (``importer.quotes_read_alike``), or when COPY refuses the file (a
    ragged or blank-lined CSV): the rows are then read and checked in Python (``importer.checked_records``).
    Both give the same report (``test_import`` runs its files on both databases).
    """
    if not is_csv(upload.filename) or not await repository.on_postgresql(session):
        return None
    limits = upload.limits
    # NOTE: the limits first (line length, encoding, rows), in a worker thread, without parsing;
    # then the file goes as it is into COPY, parsed by the server.
    await anyio.to_thread.run_sync(check_csv_lines, upload.file, limits)
    header = upload.file.readline(limits.max_line_bytes + 1)
    if not header.strip():
        upload.file.seek(0)
        return None
    targets = importer.copy_targets(header)
    # NOTE: a double quote the two CSV parsers read differently (``a "b" c``) sends the file to Python's.
    if not await anyio.to_thread.run_sync(importer.quotes_read_alike, upload.file):
        upload.file.seek(0)
        return None
    raw = await repository.raw_connection(session)
    rows = await repository.stage_csv(raw, importer.file_chunks(upload.file), targets)
    if rows is None:
        upload.file.seek(0)
        return None
    labels: list[tuple[str, str, str | None, str | None]] = []
    for name in importer.MAPPED:
        for spelling in await repository.staged_spellings(raw, name) if name in targets else [""]:
            labels.append((name, spelling, *importer.mapped_cell(name, spelling or None, today)))
    for name in importer.REFERENCES:
        for spelling in await repository.staged_spellings(raw, name) if name in targets else []:
            if spelling:
                labels.append((name, spelling, None, importer.reference_problem(name, spelling, today)))
    await repository.stage_labels(raw, labels)
    fields = [t for t in targets if t in importer.COLUMNS]
    sql = repository.read_rows_sql(fields, importer.MAPPED, importer.REFERENCES, list(importer.COLUMNS))
    await repository.read_staged_rows(session, sql, today)
    named, places = await repository.staged_references(raw)
    refs = [importer.staged_ref(kind, key, on) for kind, key, on in named]
    resolved = await importer.resolve_all(org, refs + [importer.location_ref(c, on) for c, _, on in places])
    holder_rows: list[tuple[Any, ...]] = []
    for (kind, key, on), ref in zip(named, refs, strict=True):
        columns, errors = importer.holder_facts(ref, on, resolved, principal)
        holder_rows.append((kind, key, on, *[(columns or {}).get(c) for c in HOLDER_COLUMNS], errors))
    place_rows = [(c, p, on, importer.location_problems(c, p, on, resolved, principal)) for c, p, on in places]
    await repository.stage_references(raw, holder_rows, place_rows)
    sql = repository.check_sql(
        staging.name,
        importer.NUMBER,
        importer.DETAIL_NUMBERS,
        importer.MONEY,
        importer.NUMBER_RANGES,
        importer.PREMISES_FIELDS,
        importer.CAR_FIELDS,
        PLATE_PREFIXES,
        limits.max_problems,
    )
    result = await repository.check_staged_rows(session, sql)
    listed = result["problems"] if isinstance(result["problems"], list) else json.loads(result["problems"])
    checked = ProblemLog(limits.max_problems)
    checked.listed = [RowProblem.model_validate(p) for p in listed]
    checked.count = int(result["rejected"])
    return rows, checked


async def _record_written(
    session: AsyncSession, audit: AuditTrail, principal: Principal, staging: Table, written_at: datetime
) -> None:
    """A created audit record (and event) for every asset and allocation an import wrote.

    On PostgreSQL both are built in SQL from the staged rows (``bulk_audit``); on SQLite the rows
    are read back a batch at a time for the audit trail. Both write the same records in the same order.
    """
    if await repository.on_postgresql(session):
        written = [
            repository.written_assets(staging, ENTITY_ASSET, written_at),
            repository.written_allocations(staging, allocation_service.ENTITY_ALLOCATION, written_at),
        ]
        batches = await repository.written_batches(session, staging, EVENTS_BATCH)
        await bulk_audit.record_created(session, audit, principal, written, batches)
        return
    after_row: int | None = 0
    while after_row is not None:
        assets, allocations, after_row = await repository.written_batch(session, staging, after_row, EVENTS_BATCH)
        created = [(row["id"], None, audited(row)) for row in assets]
        await audit.record_many(session, principal, entity_type=ENTITY_ASSET, action="create", changes=created)
        opened = [(row["id"], None, {k: jsonable(v) for k, v in row.items()}) for row in allocations]
        await audit.record_many(
            session, principal, entity_type=allocation_service.ENTITY_ALLOCATION, action="create", changes=opened
        )


async def create_asset(
    session: AsyncSession, audit: AuditTrail, principal: Principal, org: OrgDirectory, data: AssetCreate
) -> Asset:
    # NOTE: every check that needs org-structure runs before anything is written, so an
    # unreachable org-structure (503) leaves nothing behind.
    holder = await holders.resolve(org, data.holder, data.allocated_from)
    holders.require_in_force(holder, data.allocated_from)
    check_holder(principal, holder)
    await validate_location(org, principal, data.province_code, data.commune_code, data.allocated_from)
    asset = Asset(
        id=uuid.uuid4(),
        kind=data.kind,
        code=data.code,
        name=data.name,
        search_key="",
        province_code=data.province_code,
        commune_code=data.commune_code,
        status=data.status,
        **holder.columns(),
        **data.model_dump(include=set(_detail_fields())),
    )
    asset.search_key = _search_key(asset)
    if await repository.code_taken(session, data.province_code, data.code):
        raise AssetCodeTaken(f"Province {data.province_code} already has an asset {data.code}")
    await allocation_service.check_car_norm(session, asset, holder, data.purpose, data.allocated_from)
    session.add(asset)
    await session.flush()
    allocation = await allocation_service.open_allocation(
        session, asset, holder, data.purpose, data.allocated_from, decision_number=data.decision_number
    )
    await repository.record_event(
        session,
        principal,
        asset.id,
        EventKind.REGISTERED,
        data.allocated_from,
        status=asset.status,
        allocation_id=allocation.id,
        detail={"holder": holder.name, "purpose": data.purpose.value},
    )
    await audit.record(session, principal, entity_type=ENTITY_ASSET, entity_id=asset.id, action="create", after=audited(asset))
    await allocation_service.record_opened(session, audit, principal, [allocation])
    return asset


def _detail_fields() -> tuple[str, ...]:
    return (
        "address",
        "land_area_m2",
        "floor_area_m2",
        "year_built",
        "condition",
        "land_use_certificate",
        "plate",
        "seats",
        "model_year",
        "original_value",
        "residual_value",
        "note",
    )


def _search_key(asset: Asset) -> str:
    return search_key(" ".join(filter(None, [asset.code, asset.name, asset.plate, asset.address])))[:300]


async def update_asset(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    org: OrgDirectory,
    asset: Asset,
    changes: AssetUpdate,
    today: date,
) -> Asset:
    if asset.status is AssetStatus.DISPOSED:
        raise AssetDisposed(f"Asset {asset.code} was disposed of")
    before = audited(asset)
    fields = changes.model_dump(exclude_unset=True)
    if fields.get("commune_code") is not None and fields["commune_code"] != asset.commune_code:
        await validate_location(org, principal, asset.province_code, fields["commune_code"], today)
    merged = {name: fields.get(name, getattr(asset, name)) for name in _detail_fields()}
    try:
        checked = check_details(asset.kind, merged, asset.province_code)
    except ValueError as exc:
        raise InvalidAsset(str(exc)) from exc
    if "plate" in fields:
        fields["plate"] = checked["plate"]
    status = fields.pop("status", None)
    since = fields.pop("status_since", None) or today
    status_changed = status is not None and status != asset.status
    if status_changed and asset.status is AssetStatus.IN_DISPOSITION:
        raise StatusLockedByDisposition(f"Asset {asset.code} has an open disposition")
    if status_changed:
        asset.status = status
    for name, value in fields.items():
        setattr(asset, name, value)
    asset.search_key = _search_key(asset)
    await session.flush()
    if status_changed:
        await repository.record_event(session, principal, asset.id, EventKind.STATUS_CHANGED, since, status=status)
    changed = sorted(k for k, v in audited(asset).items() if before.get(k) != v and k not in {"version", "updated_at"})
    await repository.record_event(session, principal, asset.id, EventKind.UPDATED, today, detail={"fields": changed})
    await audit.record(
        session, principal, entity_type=ENTITY_ASSET, entity_id=asset.id, action="update", before=before, after=audited(asset)
    )
    return asset
