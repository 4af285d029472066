"""Write an :class:`ImportPlan` into the database, within the caller's transaction.

Ids are stable, so a unit or change already present is left as it is (an operator may have
corrected it since) and only what is missing is written: running the import twice changes
nothing. Three updates bring what is already present in line with the plan: a unit still
open that the plan ends (a later change) gets its end date, a value the official list
corrects is replaced where the row still holds the package's, and a change built from links
the same-name rule drops is removed. The run itself is one audit event carrying its summary.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import Principal
from haicap_shared.codes import UNIT_LEVELS
from haicap_shared.models import utcnow
from haicap_shared.text import search_key

from ..agencies import repository as agency_repository
from . import repository
from .models import CorrectedField, LinkRole
from .reference import REFORM_DATE, ImportPlan


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
    summary.changes_retracted = await _retract(session, list(plan.superseded_change_ids))
    summary.units_corrected = await _correct(session, plan, now)
    summary.units_ended, summary.agencies_outliving_units = await _end(session, plan, now)
    summary.units_created, summary.units_already_present = await _add_units(session, plan, now)
    summary.changes_created, summary.changes_already_present = await _add_changes(session, plan, now)
    summary.corrections_created = await _add_corrections(session, plan, now)
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
        await audit.record(session, principal, entity_type="unit_import", entity_id=scope, action="import", after=asdict(summary))
    return summary


def _new_row(now: datetime) -> dict[str, object]:
    return {"created_at": now, "updated_at": now, "version": 1}


async def _add_units(session: AsyncSession, plan: ImportPlan, now: datetime) -> tuple[int, int]:
    """Write the planned units not yet present, parents first; how many were written and already there."""
    present = await repository.units_present(session, [u.id for u in plan.units])
    missing = sorted((u for u in plan.units if u.id not in present), key=lambda u: (UNIT_LEVELS.index(u.level), u.code))
    await repository.insert_units(session, [{**asdict(u), "search_key": search_key(u.name), **_new_row(now)} for u in missing])
    return len(missing), len(present)


async def _add_changes(session: AsyncSession, plan: ImportPlan, now: datetime) -> tuple[int, int]:
    """Write the planned changes not yet present with their links; how many were written and already there."""
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
    return len(missing), len(present)


async def _add_corrections(session: AsyncSession, plan: ImportPlan, now: datetime) -> int:
    present = await repository.corrections_present(session, [c.id for c in plan.corrections])
    missing = [c for c in plan.corrections if c.id not in present]
    await repository.insert_corrections(session, [{**asdict(c), **_new_row(now)} for c in missing])
    return len(missing)


async def _retract(session: AsyncSession, change_ids: Sequence[uuid.UUID]) -> int:
    """Remove the changes built from package links the plan drops, where present."""
    present = sorted(await repository.changes_present(session, change_ids))
    await repository.delete_changes(session, present)
    return len(present)


async def _correct(session: AsyncSession, plan: ImportPlan, now: datetime) -> int:
    """Put the official value on units already present that still hold the package's."""
    corrected = 0
    for correction in plan.corrections:
        values: dict[str, object] = {correction.field.value: correction.official_value}
        if correction.field is CorrectedField.NAME:
            planned = next(u for u in plan.units if u.id == correction.unit_id)
            values |= {"short_name": planned.short_name, "kind": planned.kind, "search_key": search_key(planned.name)}
        if await repository.replace_value(session, correction.unit_id, correction.field, correction.package_value, values, now):
            corrected += 1
    return corrected


async def _end(session: AsyncSession, plan: ImportPlan, now: datetime) -> tuple[int, list[str]]:
    """End units still open that the plan ends (a change after 2025-07-01 replaced them).

    NOTE: agencies of such a unit are not moved (which successor organisation takes over is a
    decision, not reference data); they are named in the summary instead.
    """
    ended = 0
    stranded: list[str] = []
    replaced_later = {source for change in plan.changes if change.effective_date > REFORM_DATE for source in change.source_ids}
    for unit in plan.units:
        if unit.id not in replaced_later or unit.valid_to is None:
            continue
        if await repository.end_open_unit(session, unit.id, unit.valid_to, now):
            ended += 1
            agencies = await agency_repository.agencies_outside(session, unit.id, unit.valid_from, unit.valid_to)
            stranded += [f"{a.name} ({a.id}) on {unit.name} ({unit.code}), which ends {unit.valid_to}" for a in agencies]
    return ended, stranded
