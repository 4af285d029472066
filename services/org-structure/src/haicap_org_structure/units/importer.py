"""Write an :class:`ImportPlan` into the database, within the caller's transaction.

Ids are stable, so a unit or change already present is left as it is (an operator may have
corrected it since) and only what is missing is written: running the import twice changes
nothing. Three updates bring what is already present in line with the plan: a unit still
open that the plan ends (a later change) gets its end date, a value the official list
corrects is replaced where the row still holds the package's, and a change built from links
the same-name rule drops is removed. Every unit, change and correction written, changed or
removed has its audit event (and so its change event), one statement per batch, and the run
itself one more carrying its summary.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, jsonable
from haicap_shared.auth import Principal
from haicap_shared.batching import in_batches
from haicap_shared.codes import UNIT_LEVELS
from haicap_shared.models import utcnow
from haicap_shared.text import search_key

from ..agencies import repository as agency_repository
from . import repository
from .models import CorrectedField, LinkRole
from .reference import REFORM_DATE, ImportPlan
from .service import ENTITY_CHANGE, ENTITY_CORRECTION, ENTITY_IMPORT, ENTITY_UNIT, change_snapshots, unit_snapshot


@dataclass
class ImportSummary:
    scope: str
    units_created: int = 0
    units_already_present: int = 0
    changes_created: int = 0
    changes_already_present: int = 0
    units_by_level: dict[str, int] = field(default_factory=dict)
    changes_by_kind: dict[str, int] = field(default_factory=dict)
    ambiguous_splits: list[str] = field(default_factory=list)
    # Package links rejected by the same-name rule, each with its reason.
    dropped_links: list[str] = field(default_factory=list)
    # Official codes and names that replace the package's, each dated with its source.
    corrections: list[str] = field(default_factory=list)
    corrections_created: int = 0
    units_corrected: int = 0
    units_ended: int = 0
    changes_retracted: int = 0
    # Agencies left open on a unit the import ended: to be ended and set up on its successor.
    agencies_outliving_units: list[str] = field(default_factory=list)
    # Anything of the official lists or later changes the package could not be matched to.
    unmatched: list[str] = field(default_factory=list)


async def apply_plan(
    session: AsyncSession, audit: AuditTrail, principal: Principal, plan: ImportPlan, scope: str
) -> ImportSummary:
    """Write what of ``plan`` is missing, bring what is present in line with it, and record the run."""
    summary = ImportSummary(
        scope=scope,
        units_by_level=dict(Counter(u.level.value for u in plan.units)),
        changes_by_kind=dict(Counter(c.kind.value for c in plan.changes)),
        ambiguous_splits=plan.splits,
        dropped_links=[d.describe() for d in plan.dropped_links],
        corrections=[c.describe() for c in plan.corrections],
        unmatched=plan.unmatched,
    )
    now = utcnow()
    writer = _Writer(session, audit, principal)
    summary.changes_retracted = await _retract(writer, list(plan.superseded_change_ids))
    summary.units_corrected = await _correct(writer, plan, now)
    summary.units_ended, summary.agencies_outliving_units = await _end(writer, plan, now)
    summary.units_created, summary.units_already_present = await _add_units(writer, plan, now)
    summary.changes_created, summary.changes_already_present = await _add_changes(writer, plan, now)
    summary.corrections_created = await _add_corrections(writer, plan, now)
    if any(
        (
            summary.units_created,
            summary.changes_created,
            summary.corrections_created,
            summary.units_corrected,
            summary.units_ended,
            summary.changes_retracted,
        )
    ):
        await audit.record(session, principal, entity_type=ENTITY_IMPORT, entity_id=scope, action="import", after=asdict(summary))
    return summary


Change = tuple[object, dict[str, Any] | None, dict[str, Any] | None]
"""``(record id, snapshot before, snapshot after)``, as the audit trail records a change."""


@dataclass(frozen=True)
class _Writer:
    """Where the import writes, and who it audits the writes as."""

    session: AsyncSession
    audit: AuditTrail
    principal: Principal

    async def audited(self, entity_type: str, action: str, changes: Sequence[Change]) -> None:
        """One audit (and change) event per record, one statement per batch."""
        for chunk in in_batches(changes, repository.IMPORT_BATCH):
            await self.audit.record_many(self.session, self.principal, entity_type=entity_type, action=action, changes=chunk)


def _new_row(now: datetime) -> dict[str, object]:
    return {"created_at": now, "updated_at": now, "version": 1}


async def _add_units(writer: _Writer, plan: ImportPlan, now: datetime) -> tuple[int, int]:
    """Write the planned units not yet present, parents first; how many were written and already there."""
    session = writer.session
    present = await repository.units_present(session, [u.id for u in plan.units])
    missing = sorted((u for u in plan.units if u.id not in present), key=lambda u: (UNIT_LEVELS.index(u.level), u.code))
    rows = [{**asdict(u), "search_key": search_key(u.name), **_new_row(now)} for u in missing]
    await repository.insert_units(session, rows)
    for chunk in in_batches(rows, repository.IMPORT_BATCH):
        await writer.audited(ENTITY_UNIT, "create", [(row["id"], None, unit_snapshot(row)) for row in chunk])
    return len(missing), len(present)


async def _add_changes(writer: _Writer, plan: ImportPlan, now: datetime) -> tuple[int, int]:
    """Write the planned changes not yet present with their links; how many were written and already there."""
    session = writer.session
    present = await repository.changes_present(session, [c.id for c in plan.changes])
    missing = [c for c in plan.changes if c.id not in present]
    rows = [
        {
            "id": c.id,
            "kind": c.kind,
            "effective_date": c.effective_date,
            "legal_basis": c.legal_basis,
            "province_code": c.province_code,
            "note": c.note,
            **_new_row(now),
        }
        for c in missing
    ]
    links = [
        {"change_id": c.id, "unit_id": uid, "role": role}
        for c in missing
        for role, members in ((LinkRole.SOURCE, c.source_ids), (LinkRole.RESULT, c.result_ids))
        for uid in members
    ]
    await repository.insert_changes(session, rows, links)
    # NOTE: each batch's changes are described (with their units) by one query, as GET shows them.
    for chunk in in_batches(rows, repository.IMPORT_BATCH):
        written = await change_snapshots(session, chunk)
        await writer.audited(ENTITY_CHANGE, "create", [(after["id"], None, after) for after in written])
    return len(missing), len(present)


async def _add_corrections(writer: _Writer, plan: ImportPlan, now: datetime) -> int:
    present = await repository.corrections_present(writer.session, [c.id for c in plan.corrections])
    missing = [c for c in plan.corrections if c.id not in present]
    rows = [{**asdict(c), **_new_row(now)} for c in missing]
    await repository.insert_corrections(writer.session, rows)
    await writer.audited(
        ENTITY_CORRECTION, "create", [(row["id"], None, {k: jsonable(v) for k, v in row.items()}) for row in rows]
    )
    return len(missing)


async def _retract(writer: _Writer, change_ids: Sequence[uuid.UUID]) -> int:
    """Remove the changes built from package links the plan drops, where present."""
    session = writer.session
    present = sorted(await repository.changes_present(session, change_ids))
    for chunk in in_batches(present, repository.IMPORT_BATCH):
        removed = await change_snapshots(session, await repository.change_rows(session, chunk))
        await repository.delete_changes(session, chunk)
        await writer.audited(ENTITY_CHANGE, "retract", [(before["id"], before, None) for before in removed])
    return len(present)


async def _audit_unit_updates(
    writer: _Writer, before: Mapping[uuid.UUID, Mapping[Any, Any]], changed: Sequence[uuid.UUID]
) -> None:
    """An ``update`` event for each unit of ``changed``, from its values ``before`` and as they are now."""
    after = await repository.unit_rows(writer.session, changed)
    await writer.audited(ENTITY_UNIT, "update", [(uid, unit_snapshot(before[uid]), unit_snapshot(after[uid])) for uid in changed])


async def _correct(writer: _Writer, plan: ImportPlan, now: datetime) -> int:
    """Put the official value on units already present that still hold the package's."""
    session = writer.session
    before = await repository.unit_rows(session, sorted({c.unit_id for c in plan.corrections}))
    corrected: dict[uuid.UUID, None] = {}
    for correction in plan.corrections:
        values: dict[str, object] = {correction.field.value: correction.official_value}
        if correction.field is CorrectedField.NAME:
            planned = next(u for u in plan.units if u.id == correction.unit_id)
            values |= {"short_name": planned.short_name, "kind": planned.kind, "search_key": search_key(planned.name)}
        if await repository.replace_value(session, correction.unit_id, correction.field, correction.package_value, values, now):
            corrected[correction.unit_id] = None
    await _audit_unit_updates(writer, before, list(corrected))
    return len(corrected)


async def _end(writer: _Writer, plan: ImportPlan, now: datetime) -> tuple[int, list[str]]:
    """End units still open that the plan ends (a change after 2025-07-01 replaced them).

    NOTE: agencies of such a unit are not moved (which successor organisation takes over is a
    decision, not reference data); they are named in the summary instead.
    """
    session = writer.session
    stranded: list[str] = []
    replaced_later = {source for change in plan.changes if change.effective_date > REFORM_DATE for source in change.source_ids}
    candidates = [unit for unit in plan.units if unit.id in replaced_later and unit.valid_to is not None]
    before = await repository.unit_rows(session, [unit.id for unit in candidates])
    ended: list[uuid.UUID] = []
    for unit in candidates:
        assert unit.valid_to is not None
        if await repository.end_open_unit(session, unit.id, unit.valid_to, now):
            ended.append(unit.id)
            agencies = await agency_repository.agencies_outside(session, unit.id, unit.valid_from, unit.valid_to)
            stranded += [f"{a.name} ({a.id}) on {unit.name} ({unit.code}), which ends {unit.valid_to}" for a in agencies]
    await _audit_unit_updates(writer, before, ended)
    return len(ended), stranded
