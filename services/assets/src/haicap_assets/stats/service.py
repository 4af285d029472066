"""Statistics on any date: the queries are in the repository; this shapes their rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal
from haicap_shared.codes import UnitLevel
from haicap_shared.errors import NotFound

from ..allocations import access as allocation_access
from ..norms import repository as norm_repository
from ..org_client import HolderNotFound, OrgDirectory
from ..register import access as register_access
from ..register.models import AssetKind
from . import access, repository
from .schemas import (
    CarNormStats,
    CommuneCars,
    DispositionRow,
    DispositionStats,
    GapRow,
    Gaps,
    HoldingRow,
    Holdings,
    LevelCount,
    Summary,
    ValueRow,
    ValueStats,
)


async def summary(
    session: AsyncSession, principal: Principal, as_of: date, province: str | None, commune: str | None = None
) -> Summary:
    rows = await repository.summary(session, as_of, province, allocation_access.visible(principal), commune)
    commune_rows = [r for r in rows if r.holder_level is UnitLevel.COMMUNE]
    premises = next((r for r in commune_rows if r.kind is AssetKind.PREMISES), None)
    cars = next((r for r in commune_rows if r.kind is AssetKind.CAR), None)
    return Summary(
        as_of=as_of,
        province=province,
        commune=commune,
        premises_held_by_communes=premises.assets if premises else 0,
        communes_holding_premises=premises.communes if premises else 0,
        general_work_cars_held_by_communes=cars.general_work_cars if cars else 0,
        communes_holding_general_work_cars=cars.communes_with_general_cars if cars else 0,
        specialised_cars_held_by_communes=cars.specialised_cars if cars else 0,
        all_cars_held_by_communes=cars.assets if cars else 0,
        communes_holding_any_car=cars.communes if cars else 0,
        assets_held_by_communes=sum(r.assets for r in commune_rows),
        by_level=[
            LevelCount(
                kind=r.kind,
                holder_level=r.holder_level,
                assets=r.assets,
                general_work_cars=r.general_work_cars,
                specialised_cars=r.specialised_cars,
            )
            for r in rows
        ],
    )


async def holdings(
    session: AsyncSession,
    principal: Principal,
    as_of: date,
    province: str | None,
    group_by: Literal["level", "unit", "holder"],
    kind: AssetKind | None,
) -> Holdings:
    rows = await repository.holdings(session, as_of, province, allocation_access.visible(principal), group_by, kind)
    return Holdings(as_of=as_of, province=province, group_by=group_by, rows=[HoldingRow.model_validate(dict(r)) for r in rows])


async def dispositions(
    session: AsyncSession, principal: Principal, as_of: date, province: str | None, kind: AssetKind | None, decision_days: int
) -> DispositionStats:
    seen = register_access.visible(principal)
    rows, overdue = await repository.dispositions(session, as_of, province, seen, kind, as_of - timedelta(days=decision_days))
    surplus = await repository.surplus_without_plan(session, as_of, province, seen, kind)
    return DispositionStats(
        as_of=as_of,
        province=province,
        rows=[DispositionRow.model_validate(dict(r) | {"status": r["step"]}) for r in rows],
        overdue_decisions=overdue,
        surplus_without_plan=dict(surplus),
    )


async def gaps(session: AsyncSession, principal: Principal, as_of: date, province: str | None) -> Gaps:
    rows = [
        GapRow.model_validate(dict(r))
        for r in await repository.gaps(session, as_of, province, allocation_access.visible(principal))
    ]
    return Gaps(as_of=as_of, province=province, total=sum(r.assets for r in rows), rows=rows)


async def value(session: AsyncSession, principal: Principal, as_of: date, province: str | None) -> ValueStats:
    rows = await repository.value(session, as_of, province, register_access.visible(principal))
    return ValueStats(as_of=as_of, province=province, rows=[ValueRow.model_validate(dict(r)) for r in rows])


class ProvinceNotFound(NotFound):
    code, title = "province_not_found", "No province has this code on the date"


async def _check_province(org: OrgDirectory, province: str, as_of: date) -> None:
    """A province with no commune on the date must exist: an unknown code is a 404 naming it, not a table of zeros."""
    try:
        await org.unit_by_code(province, as_of)
    except HolderNotFound as exc:
        raise ProvinceNotFound(f"No province has code {province} on {as_of.isoformat()}", province=province) from exc


async def car_norms(session: AsyncSession, principal: Principal, org: OrgDirectory, as_of: date, province: str) -> CarNormStats:
    """Cars per commune against the norm; the communes in force come from org-structure."""
    norm = await norm_repository.norm_on(session, as_of)
    limit = norm.max_general_cars_per_commune if norm else 0
    caps = await norm_repository.kind_caps(session, [norm.id]) if norm else []
    seat_caps = [(c.min_seats, c.max_seats, c.max_price_vnd) for c in caps if c.min_seats is not None and c.max_seats is not None]
    cap = repository.price_cap(norm.max_price_vnd if norm else None, seat_caps)
    counted = {
        r["holder_commune_code"]: r
        for r in await repository.general_cars_by_commune(session, as_of, province, allocation_access.visible(principal), cap)
    }
    communes = {u.code: u.name for u in await org.communes(province, as_of)}
    if not communes:
        await _check_province(org, province, as_of)
    communes = access.communes_in_view(principal, communes)
    rows: list[CommuneCars] = []
    for code in sorted(set(communes) | set(counted)):
        cars = int(counted[code]["cars"]) if code in counted else 0
        rows.append(
            CommuneCars(
                commune_code=code,
                commune_name=communes.get(code),
                in_force=code in communes,
                general_work_cars=cars,
                norm=limit,
                excess=max(0, cars - limit) if norm else 0,
                shortfall=max(0, limit - cars) if norm and code in communes else 0,
                over_price=int(counted[code]["over_price"]) if code in counted else 0,
            )
        )
    return CarNormStats(
        as_of=as_of,
        province=province,
        norm_legal_basis=norm.legal_basis if norm else None,
        max_general_cars_per_commune=norm.max_general_cars_per_commune if norm else None,
        max_price_vnd=norm.max_price_vnd if norm else None,
        communes=len(communes),
        general_work_cars=sum(r.general_work_cars for r in rows),
        communes_over_norm=sum(1 for r in rows if r.excess),
        communes_under_norm=sum(1 for r in rows if r.shortfall),
        rows=rows,
    )
