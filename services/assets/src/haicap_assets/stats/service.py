"""Statistics on any date: the queries are in the repository; this shapes their rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from itertools import groupby
from typing import Any, Literal

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal
from haicap_shared.codes import UnitLevel
from haicap_shared.errors import NotFound

from ..allocations import access as allocation_access
from ..norms import repository as norm_repository
from ..norms.models import CarNorm
from ..org_client import HolderNotFound, OrgDirectory
from ..register import access as register_access
from ..register.models import AssetKind
from . import access, repository
from .schemas import (
    CarNormsByProvince,
    CarNormStats,
    CommuneCars,
    DispositionRow,
    DispositionsByProvince,
    DispositionStats,
    GapRow,
    Gaps,
    GapsByProvince,
    HoldingRow,
    Holdings,
    LevelCount,
    ProvinceCarNorms,
    ProvinceGaps,
    Summary,
    SummaryByProvince,
    ValueRow,
    ValueStats,
)


def _by_province(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """A by-province query's rows (in province order) under their province's code."""
    return {province: list(group) for province, group in groupby(rows, key=lambda r: r["province"])}


async def summary(
    session: AsyncSession, principal: Principal, as_of: date, province: str | None, commune: str | None = None
) -> Summary:
    rows = await repository.summary(session, as_of, province, allocation_access.visible(principal), commune)
    return _summary(as_of, province, commune, rows)


async def summary_by_province(session: AsyncSession, principal: Principal, as_of: date) -> SummaryByProvince:
    visible = allocation_access.visible(principal)
    rows = await repository.summary(session, as_of, access.province_in_view(principal), visible, by_province=True)
    return SummaryByProvince(
        as_of=as_of, rows=[_summary(as_of, province, None, found) for province, found in _by_province(rows).items()]
    )


def _summary(as_of: date, province: str | None, commune: str | None, rows: Sequence[Any]) -> Summary:
    commune_rows = [r for r in rows if r["holder_level"] is UnitLevel.COMMUNE]
    premises = next((r for r in commune_rows if r["kind"] is AssetKind.PREMISES), None)
    cars = next((r for r in commune_rows if r["kind"] is AssetKind.CAR), None)
    return Summary(
        as_of=as_of,
        province=province,
        commune=commune,
        premises_held_by_communes=premises["assets"] if premises else 0,
        communes_holding_premises=premises["communes"] if premises else 0,
        general_work_cars_held_by_communes=cars["general_work_cars"] if cars else 0,
        communes_holding_general_work_cars=cars["communes_with_general_cars"] if cars else 0,
        specialised_cars_held_by_communes=cars["specialised_cars"] if cars else 0,
        all_cars_held_by_communes=cars["assets"] if cars else 0,
        communes_holding_any_car=cars["communes"] if cars else 0,
        assets_held_by_communes=sum(r["assets"] for r in commune_rows),
        by_level=[LevelCount.model_validate(dict(r)) for r in rows],
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
    return _disposition_stats(as_of, province, rows, overdue, surplus)


async def dispositions_by_province(
    session: AsyncSession, principal: Principal, as_of: date, kind: AssetKind | None, decision_days: int
) -> DispositionsByProvince:
    seen, province = register_access.visible(principal), access.province_in_view(principal)
    overdue_before = as_of - timedelta(days=decision_days)
    found, overdue = await repository.dispositions(session, as_of, province, seen, kind, overdue_before, by_province=True)
    surplus = await repository.surplus_without_plan(session, as_of, province, seen, kind, by_province=True)
    plans, late, idle = _by_province(found), _by_province(overdue), _by_province(surplus)
    return DispositionsByProvince(
        as_of=as_of,
        rows=[
            _disposition_stats(as_of, p, plans.get(p, []), late.get(p, []), idle.get(p, []))
            for p in sorted(plans.keys() | late.keys() | idle.keys())
        ],
    )


def _disposition_stats(
    as_of: date, province: str | None, rows: Sequence[Any], overdue: Sequence[Any], surplus: Sequence[Any]
) -> DispositionStats:
    # NOTE: ``overdue`` is the count's one row, or none when a province has no overdue decision.
    return DispositionStats(
        as_of=as_of,
        province=province,
        rows=[DispositionRow.model_validate(dict(r) | {"status": r["step"]}) for r in rows],
        overdue_decisions=overdue[0]["plans"] if overdue else 0,
        surplus_without_plan={r["kind"]: r["assets"] for r in surplus},
    )


async def gaps(session: AsyncSession, principal: Principal, as_of: date, province: str | None) -> Gaps:
    rows = [
        GapRow.model_validate(dict(r))
        for r in await repository.gaps(session, as_of, province, allocation_access.visible(principal))
    ]
    return Gaps(as_of=as_of, province=province, total=sum(r.assets for r in rows), rows=rows)


async def gaps_by_province(session: AsyncSession, principal: Principal, as_of: date) -> GapsByProvince:
    visible = allocation_access.visible(principal)
    rows = await repository.gaps_by_province(session, as_of, access.province_in_view(principal), visible)
    return GapsByProvince(
        as_of=as_of,
        rows=[
            ProvinceGaps(
                province=province, total=sum(r["assets"] for r in found), by_kind={r["kind"]: r["assets"] for r in found}
            )
            for province, found in _by_province(rows).items()
        ],
    )


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


async def _norm_on(session: AsyncSession, as_of: date) -> tuple[CarNorm | None, ColumnElement[Any] | None]:
    """The car norm in force on ``as_of`` and the SQL price cap of a car by its seats under it."""
    norm = await norm_repository.norm_on(session, as_of)
    caps = await norm_repository.kind_caps(session, [norm.id]) if norm else []
    seat_caps = [(c.min_seats, c.max_seats, c.max_price_vnd) for c in caps if c.min_seats is not None and c.max_seats is not None]
    return norm, repository.price_cap(norm.max_price_vnd if norm else None, seat_caps)


def _commune_cars(norm: CarNorm | None, communes: Mapping[str, str], counted: Mapping[str, Any]) -> list[CommuneCars]:
    """Each commune's cars against the norm: the communes in force, and those no longer in force that still hold cars."""
    limit = norm.max_general_cars_per_commune if norm else 0
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
    return rows


async def car_norms(session: AsyncSession, principal: Principal, org: OrgDirectory, as_of: date, province: str) -> CarNormStats:
    """Cars per commune against the norm; the communes in force come from org-structure."""
    norm, cap = await _norm_on(session, as_of)
    counted = {
        r["holder_commune_code"]: r
        for r in await repository.general_cars_by_commune(session, as_of, province, allocation_access.visible(principal), cap)
    }
    communes = {u.code: u.name for u in await org.communes(province, as_of)}
    if not communes:
        await _check_province(org, province, as_of)
    communes = access.communes_in_view(principal, communes)
    rows = _commune_cars(norm, communes, counted)
    return CarNormStats(
        as_of=as_of, province=province, **_norm_fields(norm), communes=len(communes), **_car_totals(rows), rows=rows
    )


async def car_norms_by_province(
    session: AsyncSession, principal: Principal, org: OrgDirectory, as_of: date
) -> CarNormsByProvince:
    """Each province's totals of :func:`car_norms`, with the whole country's communes asked of org-structure once."""
    norm, cap = await _norm_on(session, as_of)
    in_view = access.province_in_view(principal)
    visible = allocation_access.visible(principal)
    counted = {
        province: {r["holder_commune_code"]: r for r in found}
        for province, found in _by_province(
            await repository.general_cars_by_commune(session, as_of, in_view, visible, cap, by_province=True)
        ).items()
    }
    listed: dict[str, dict[str, str]] = {}
    for unit in await org.communes(in_view, as_of):
        listed.setdefault(unit.province_code, {})[unit.code] = unit.name
    # NOTE: a province none of whose communes the caller sees (a commune officer's other provinces) has no row.
    communes = {p: seen for p, names in listed.items() if (seen := access.communes_in_view(principal, names))}
    rows: list[ProvinceCarNorms] = []
    for province in sorted(communes.keys() | counted.keys()):
        cars = _commune_cars(norm, communes.get(province, {}), counted.get(province, {}))
        rows.append(
            ProvinceCarNorms(
                province=province,
                communes=len(communes.get(province, {})),
                **_car_totals(cars),
                over_price=sum(r.over_price for r in cars),
            )
        )
    return CarNormsByProvince(as_of=as_of, **_norm_fields(norm), rows=rows)


def _norm_fields(norm: CarNorm | None) -> dict[str, Any]:
    return {
        "norm_legal_basis": norm.legal_basis if norm else None,
        "max_general_cars_per_commune": norm.max_general_cars_per_commune if norm else None,
        "max_price_vnd": norm.max_price_vnd if norm else None,
    }


def _car_totals(rows: Sequence[CommuneCars]) -> dict[str, int]:
    return {
        "general_work_cars": sum(r.general_work_cars for r in rows),
        "communes_over_norm": sum(1 for r in rows if r.excess),
        "communes_under_norm": sum(1 for r in rows if r.shortfall),
    }
