"""Sections read from assets: what the communes hold, disposition progress, and the merger's asset gap."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date
from typing import Any

from ..composition import Chart, Section, Table
from ..labels import COUNT, MONEY
from ..reports import schemas
from ..sources.assets import AssetsSource

FORMS = {
    "keep_reallocate": "Giữ lại, bố trí lại",
    "share_use": "Sử dụng chung",
    "transfer": "Điều chuyển",
    "repurpose": "Chuyển đổi công năng",
    "hand_over_housing_land_fund": "Giao tổ chức phát triển quỹ đất, kinh doanh nhà",
    "sell": "Bán",
    "liquidate": "Thanh lý",
    "destroy": "Tiêu hủy",
    "recover": "Thu hồi",
}
STATUSES = {
    "proposed": "Đề xuất",
    "submitted": "Đã trình",
    "approved": "Đã phê duyệt",
    "rejected": "Không phê duyệt",
    "executed": "Đã thực hiện",
}


# NOTE: every figure is named for what it counts; the commune profile gives the same names for
# one commune (assets' /stats/summary with ``commune=``), so the 56 profiles add up to the summary.
HELD_BY_COMMUNES = {
    "premises_held_by_communes": "Cơ sở nhà, đất do cấp xã quản lý",
    "general_work_cars_held_by_communes": "Xe ô tô phục vụ công tác chung của cấp xã",
    "specialised_cars_held_by_communes": "Xe ô tô chuyên dùng của cấp xã",
    "all_cars_held_by_communes": "Tổng số xe ô tô của cấp xã",
    "assets_held_by_communes": "Tổng số tài sản do cấp xã quản lý",
}
COMMUNES_HOLDING = {
    "communes_holding_premises": "Số xã có cơ sở nhà, đất",
    "communes_holding_general_work_cars": "Số xã có xe ô tô phục vụ công tác chung",
    "communes_holding_any_car": "Số xã có xe ô tô (mọi loại)",
}


async def holdings(assets: AssetsSource, province: str, as_of: date) -> Section:
    """Premises and cars (general-work, specialised, all) held by the communes, and the car norm."""
    summary, cars = await asyncio.gather(assets.summary(province, as_of), assets.car_norms(province, as_of))
    figures = summary.model_dump(include={*HELD_BY_COMMUNES, *COMMUNES_HOLDING})
    data = schemas.SummaryAssets(
        **figures,
        car_norm=schemas.CarNormFigures(
            max_per_commune=cars.max_general_cars_per_commune,
            communes=cars.communes,
            over_norm=cars.communes_over_norm,
            under_norm=cars.communes_under_norm,
        ),
    )
    rows = [{"label": label, "value": figures[name]} for name, label in (*HELD_BY_COMMUNES.items(), *COMMUNES_HOLDING.items())]
    rows += [
        {"label": "Số xã vượt định mức xe", "value": cars.communes_over_norm},
        {"label": "Số xã thiếu xe so với định mức", "value": cars.communes_under_norm},
    ]
    table = Table("Tài sản giao cho cấp xã", [("label", "Chỉ tiêu"), ("value", "Số lượng")], rows, {"value": COUNT})
    return Section("assets", "Tài sản công", data, [table])


async def dispositions(assets: AssetsSource, province: str, as_of: date) -> Section:
    """Disposition plans by form (in order of priority) and step; overdue decisions."""
    stats = await assets.dispositions(province, as_of)
    by_form: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    ranks: dict[str, int] = {}
    for row in stats.rows:
        by_form[row.form][row.status] += row.plans
        ranks[row.form] = row.priority_rank
    totals = dict.fromkeys(STATUSES, 0)
    for counts in by_form.values():
        for status, count in counts.items():
            totals[status] += count
    data = schemas.SummaryDispositions(
        by_form={form: schemas.DispositionSteps(**counts) for form, counts in by_form.items()},
        by_status=schemas.DispositionSteps(**totals),
        plans=sum(totals.values()),
        overdue_decisions=stats.overdue_decisions,
        surplus_without_plan=stats.surplus_without_plan,
    )
    rows = [
        {"form": FORMS.get(form, form), **counts, "total": sum(counts.values())}
        for form, counts in sorted(by_form.items(), key=lambda item: ranks.get(item[0], 99))
    ]
    columns = [("form", "Hình thức xử lý"), *((s, label) for s, label in STATUSES.items()), ("total", "Tổng")]
    table = Table("Phương án sắp xếp, xử lý tài sản", columns, rows, {c: COUNT for c, _ in columns[1:]})
    chart = Chart("bar", "Tiến độ xử lý tài sản", 0, "form", ["approved", "executed"])
    return Section("dispositions", "Xử lý tài sản", data, [table], [chart])


async def gaps(assets: AssetsSource, province: str, as_of: date) -> Section:
    """Assets of units or agencies no longer in force, with no plan; and overdue decisions."""
    found, plans = await asyncio.gather(assets.gaps(province, as_of), assets.dispositions(province, as_of))
    rows: list[dict[str, Any]] = [
        {
            "holder": r.holder_name,
            "until": r.holder_valid_to,
            "kind": r.kind,
            "assets": r.assets,
            "link": f"/api/v1/assets/assets?holder_id={r.holder_id}" if r.holder_id else None,
        }
        for r in found.rows
    ]
    table = Table(
        "Tài sản của đơn vị đã kết thúc hoạt động chưa có phương án xử lý",
        [
            ("holder", "Đơn vị quản lý"),
            ("until", "Kết thúc ngày"),
            ("kind", "Loại"),
            ("assets", "Số tài sản"),
            ("link", "Bản ghi"),
        ],
        rows,
        {"assets": COUNT},
    )
    overdue = Table(
        "Quyết định xử lý tài sản quá hạn",
        [("label", "Chỉ tiêu"), ("value", "Số lượng")],
        [{"label": "Hồ sơ đầy đủ quá 20 ngày chưa có quyết định", "value": plans.overdue_decisions}],
        {"value": COUNT},
    )
    data = schemas.GapAssets(
        total=found.total,
        items=[schemas.UnplannedAssets(**r) for r in rows],
        overdue_decisions=plans.overdue_decisions,
    )
    return Section("assets", "Tài sản chưa có chủ", data, [table, overdue])


async def commune_assets(assets: AssetsSource, province: str, commune_code: str, as_of: date) -> Section:
    """What the commune and its agencies hold, and their value; figures named as in the province summary."""
    held, summary = await asyncio.gather(
        assets.holdings_by_unit(province, as_of), assets.summary(province, as_of, commune=commune_code)
    )
    rows = [
        {"kind": r.kind, "assets": r.assets, "residual_value": r.residual_value}
        for r in held.rows
        if r.holder_commune_code == commune_code
    ]
    figures = Table(
        "Tài sản của xã theo loại",
        [("label", "Chỉ tiêu"), ("value", "Số lượng")],
        [{"label": label, "value": getattr(summary, name)} for name, label in HELD_BY_COMMUNES.items()],
        {"value": COUNT},
    )
    table = Table(
        "Tài sản do xã quản lý",
        [("kind", "Loại tài sản"), ("assets", "Số lượng"), ("residual_value", "Giá trị còn lại (đồng)")],
        rows,
        {"assets": COUNT, "residual_value": MONEY},
    )
    data = schemas.ProfileAssets(
        **summary.model_dump(include=set(HELD_BY_COMMUNES)), by_kind=[schemas.AssetsOfKind(**r) for r in rows]
    )
    return Section("assets", "Tài sản", data, [figures, table])
