"""The rules of staffing quotas, the merger ceiling above all.

A unit formed by a merger may not have more posts than its former units had together
(Nghị quyết 76/2025/UBTVQH15 on the arrangement of administrative units, 2025): the total
of the quotas of all of its agencies for a year must not exceed the total of its
predecessors' agencies' quotas. The predecessors come from org-structure's lineage (the
units one step back through a merge, rename or reorganise); each counts with its latest year
at or before the year asked (typically 2025, their last). A predecessor without any quota
counts 0 and is named; when none has any, the ceiling cannot be known and the quota is
refused (``predecessor_quotas_unknown``) rather than accepted unchecked.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.paging import Page, page_of

from ..agency_ref import AgencyFacts, fetch_agency
from ..org_client import OrgDirectory
from . import repository
from .access import check_quota, quotas_visible
from .models import StaffingQuota
from .schemas import PredecessorTotal, QuotaCreate, QuotaUpdate
from .schemas import StaffingQuota as QuotaOut

ENTITY_QUOTA = "staffing_quota"
# NOTE: a split divides a former unit between several new ones, so its quota is no ceiling
# for any single one of them; only the changes that carry a whole unit over count.
CEILING_CHANGES = frozenset({"merge", "rename", "reorganise"})


class QuotaNotFound(NotFound):
    code, title = "quota_not_found", "No such staffing quota"


class QuotaExists(Conflict):
    code, title = "quota_exists", "The agency already has a quota for this year"


class QuotaAbovePredecessors(Conflict):
    code, title = "quota_above_predecessors", "The quota exceeds what the merged units had together"


class PredecessorQuotasUnknown(Conflict):
    code, title = "predecessor_quotas_unknown", "None of the former units has a quota recorded, so the ceiling is unknown"


class UnitNotFound(Conflict):
    code, title = "unit_not_found", "org-structure has no such administrative unit"


async def get_quota(session: AsyncSession, principal: Principal, quota_id: uuid.UUID) -> StaffingQuota:
    quota = await repository.get_quota(session, quota_id)
    if quota is None:
        raise QuotaNotFound(f"No staffing quota has id {quota_id}")
    check_quota(principal, quota)
    return quota


async def list_quotas(
    session: AsyncSession,
    principal: Principal,
    *,
    province: str | None,
    agency_id: uuid.UUID | None,
    year: int | None,
    limit: int,
    cursor: str | None,
) -> Page[QuotaOut]:
    """One page of the quotas in the caller's area, by year."""
    rows, next_cursor = await repository.page_quotas(
        session, quotas_visible(principal), province=province, agency_id=agency_id, year=year, limit=limit, cursor=cursor
    )
    return page_of(QuotaOut, rows, next_cursor)


async def check_ceiling(
    session: AsyncSession, org: OrgDirectory, agency: AgencyFacts, year: int, posts: int, *, quota_id: uuid.UUID | None
) -> None:
    """409 when the unit's total for ``year`` would exceed its predecessors' (see the module)."""
    lineage = await org.lineage(agency.unit_id)
    if lineage is None:
        raise UnitNotFound(f"org-structure has no unit {agency.unit_id} (the unit of {agency.name})")
    steps = [s for s in lineage.predecessors if s.depth == 1 and s.change.kind in CEILING_CHANGES]
    if not steps:
        return
    latest = await repository.latest_unit_totals(session, [s.unit.id for s in steps], year)
    totals = [
        PredecessorTotal(
            unit_id=s.unit.id,
            code=s.unit.code,
            name=s.unit.name,
            year=latest[s.unit.id][0] if s.unit.id in latest else None,
            posts=latest[s.unit.id][1] if s.unit.id in latest else 0,
        )
        for s in sorted(steps, key=lambda s: s.unit.code)
    ]
    listed = ", ".join(f"{t.name} ({t.code}): {t.posts if t.year else 'none recorded'}" for t in totals)
    extra: dict[str, Any] = {"unit": lineage.unit.name, "predecessors": [t.model_dump(mode="json") for t in totals]}
    if all(t.year is None for t in totals):
        raise PredecessorQuotasUnknown(f"{lineage.unit.name} was formed from {listed}; record their quotas first", **extra)
    ceiling = sum(t.posts for t in totals)
    total = await repository.unit_total(session, agency.unit_id, year, excluding=quota_id) + posts
    if total > ceiling:
        raise QuotaAbovePredecessors(
            f"{lineage.unit.name} would have {total} posts in {year}; its former units had {ceiling} together ({listed})",
            ceiling=ceiling,
            requested_total=total,
            **extra,
        )


async def create_quota(
    session: AsyncSession, audit: AuditTrail, org: OrgDirectory, principal: Principal, data: QuotaCreate
) -> StaffingQuota:
    agency = await fetch_agency(org, principal, data.agency_id)
    if await repository.quota_of(session, data.agency_id, data.year) is not None:
        raise QuotaExists(f"{agency.name} already has a quota for {data.year}; change that one")
    await check_ceiling(session, org, agency, data.year, data.posts, quota_id=None)
    quota = StaffingQuota(year=data.year, posts=data.posts, note=data.note, **agency.columns())
    session.add(quota)
    await session.flush()
    await audit.record(session, principal, entity_type=ENTITY_QUOTA, entity_id=quota.id, action="create", after=snapshot(quota))
    return quota


async def update_quota(
    session: AsyncSession, audit: AuditTrail, org: OrgDirectory, principal: Principal, quota: StaffingQuota, changes: QuotaUpdate
) -> StaffingQuota:
    before = snapshot(quota)
    fields = changes.model_dump(exclude_unset=True)
    if fields.get("posts") is not None and fields["posts"] > quota.posts:
        agency = await fetch_agency(org, principal, quota.agency_id)
        await check_ceiling(session, org, agency, quota.year, fields["posts"], quota_id=quota.id)
    if "posts" in fields and fields["posts"] is not None:
        quota.posts = fields["posts"]
    if "note" in fields:
        quota.note = fields["note"]
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_QUOTA, entity_id=quota.id, action="update", before=before, after=snapshot(quota)
    )
    return quota
