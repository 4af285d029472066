"""An implementation plan's progress: each item as reported and, for items with a ``measure``, as the records show.

The plan is read from org-structure (``GET /plans/{id}``) first: without it there is no
report (404 ``plan_not_found``). Then two sections are composed: ``progress`` (the items as
their assignees reported them) and ``measured`` (counted from the records of assets,
personnel and org-structure). A measure is counted over the item's commune when it has one,
else over the plan's province; the assets' gaps and the tasks without an owner belong to no
commune (their holders are gone, or there is none), so those two are always the province's.
Items measured alike over the same place are counted once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from haicap_shared.auth import OutsideArea, Principal
from haicap_shared.errors import NotFound
from haicap_shared.http import UpstreamError
from haicap_shared.roles import Role

from ..composition import Report, Section, SectionSpec, Table, compose
from ..labels import COUNT
from ..sources import Sources
from ..sources import org as org_source
from ..sources.org import Plan, PlanItem
from . import schemas
from .access import check_report_area

MEASURES = {
    "premises_handed_over": "Cơ sở nhà, đất của cơ quan đã kết thúc: đã bàn giao so với khi bắt đầu kế hoạch",
    "cars_handed_over": "Xe ô tô của cơ quan đã kết thúc: đã bàn giao so với khi bắt đầu kế hoạch",
    "people_placed": "Người đã được bố trí so với tổng số người (đã bố trí và chưa bố trí)",
    "tasks_owned": "Nhiệm vụ có cơ quan đảm nhận so với tổng số nhiệm vụ (có và chưa có cơ quan)",
    "difficulties_resolved": "Đề xuất về khó khăn đã được giải quyết so với tổng số đề xuất",
}
# NOTE: their records have no commune: counted over the province whatever the item's commune
PROVINCE_ONLY = {"premises_handed_over", "cars_handed_over", "tasks_owned"}
ASSET_KINDS = {"premises_handed_over": "premises", "cars_handed_over": "car"}
SERVICES = {
    "premises_handed_over": "assets",
    "cars_handed_over": "assets",
    "people_placed": "personnel",
    "tasks_owned": "org-structure",
    "difficulties_resolved": "org-structure",
}
FINISHED = {"done", "cancelled"}


class PlanNotFound(NotFound):
    code, title = "plan_not_found", "No such plan"

    def __init__(self, plan_id: str) -> None:
        super().__init__(f"org-structure knows no plan {plan_id}", plan_id=plan_id)


def visible_commune(principal: Principal, province: str) -> str | None:
    """The commune whose items the caller sees (``None``: every item); 403 ``outside_area`` outside the province.

    The plan is the province's: province-wide readers see every item, a commune officer (or
    a viewer bound to a commune) only the items of their commune, as org-structure shows them.
    """
    area = principal.area
    if principal.role in (Role.COMMUNE_OFFICER, Role.VIEWER) and area.commune is not None and not principal.everywhere:
        if area.province is not None and area.province != province:
            raise OutsideArea(f"Your area is province {area.province}")
        return area.commune
    check_report_area(principal, province)
    return None


def percent(done: int, of: int) -> int | None:
    """``done / of`` in whole percent, half up; ``None`` when there was nothing to do."""
    if of <= 0:
        return None
    return int((Decimal(done) * 100 / Decimal(of)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def measure(sources: Sources, plan: Plan, name: str, commune: str | None, as_of: date) -> schemas.MeasuredProgress:
    """One measure over the commune (or the plan's province when ``None``) on ``as_of``."""
    province = plan.province_code
    if name in ASSET_KINDS:
        kind = ASSET_KINDS[name]
        now, start = await asyncio.gather(sources.assets.gaps(province, as_of), sources.assets.gaps(province, plan.starts_on))
        remaining = sum(r.assets for r in now.rows if r.kind == kind)
        at_start = sum(r.assets for r in start.rows if r.kind == kind)
        done, of = max(at_start - remaining, 0), at_start
    elif name == "people_placed":
        params = [("as_of", as_of.isoformat()), ("province", province), *([("commune", commune)] if commune else [])]
        gaps, headcount = await asyncio.gather(sources.personnel.gaps(params), sources.personnel.headcount(params))
        done, of = headcount.total.headcount, headcount.total.headcount + gaps.total
    elif name == "tasks_owned":
        stats, findings = await asyncio.gather(
            sources.org.task_stats(province, as_of), sources.org.task_findings(province, as_of, limit=1)
        )
        done, of = stats.total, stats.total + findings.counts.get("no_owner", 0)
    else:
        feasibility = await org_source.feasibility_stats(sources.org, province, commune, as_of)
        done = sum(states.get("resolved", 0) for states in feasibility.proposals.values())
        of = sum(sum(states.values()) for states in feasibility.proposals.values())
    return schemas.MeasuredProgress(
        measure=name, scope=commune or province, done=done, of=of, percent=percent(done, of), basis=MEASURES[name]
    )


def _scope(item: PlanItem) -> tuple[str, str | None]:
    name = item.measure or ""
    return name, None if name in PROVINCE_ONLY else item.commune_code


async def measured(sources: Sources, plan: Plan, items: list[PlanItem], as_of: date) -> Section:
    """The measured progress of the items with a measure (each measure and place counted once)."""
    wanted = sorted({_scope(i) for i in items if i.measure in MEASURES}, key=lambda k: (k[0], k[1] or ""))
    figures = await asyncio.gather(*(measure(sources, plan, name, commune, as_of) for name, commune in wanted))
    by_scope = dict(zip(wanted, figures, strict=True))
    by_item = {i.code: by_scope[_scope(i)] for i in items if i.measure in MEASURES}
    rows = [
        {"code": code, "measure": m.measure, "scope": m.scope, "done": m.done, "of": m.of, "percent": m.percent}
        for code, m in by_item.items()
    ]
    table = Table(
        "Tiến độ đo từ dữ liệu",
        [
            ("code", "Mã"),
            ("measure", "Chỉ tiêu đo"),
            ("scope", "Phạm vi"),
            ("done", "Đã thực hiện"),
            ("of", "Phải thực hiện"),
            ("percent", "Tỷ lệ (%)"),
        ],
        rows,
        {"done": COUNT, "of": COUNT},
    )
    return Section("measured", "Tiến độ đo từ dữ liệu", schemas.PlanMeasured(items=by_item), [table])


def progress(items: list[PlanItem], as_of: date) -> Section:
    """The items with their reported progress, and the days past the deadline of those not finished."""
    data = schemas.PlanItems(
        items=[
            schemas.PlanReportItem(
                code=i.code,
                title=i.title,
                agency_id=i.assignee_agency_id,
                commune_code=i.commune_code,
                deadline=i.deadline,
                status=i.status,
                reported_percent=i.progress_percent,
                completed_on=i.completed_on,
                on_time=i.on_time,
                days_overdue=(as_of - i.deadline).days if i.status not in FINISHED and i.deadline < as_of else None,
                measure=i.measure,
                link=f"/api/v1/org/plan-items/{i.id}",
            )
            for i in items
        ]
    )
    table = Table(
        "Nhiệm vụ của kế hoạch",
        [
            ("code", "Mã"),
            ("title", "Nhiệm vụ"),
            ("commune_code", "Xã"),
            ("deadline", "Hạn"),
            ("status", "Trạng thái"),
            ("reported_percent", "Tiến độ báo cáo (%)"),
            ("days_overdue", "Số ngày quá hạn"),
            ("measure", "Chỉ tiêu đo"),
            ("link", "Bản ghi"),
        ],
        [r.model_dump(mode="json") for r in data.items],
    )
    return Section("progress", "Tiến độ các nhiệm vụ", data, [table])


async def plan_progress(sources: Sources, principal: Principal, plan_id: str, as_of: date, *, timeout_seconds: float) -> Report:
    """The plan's report on ``as_of``; 404 ``plan_not_found``, 403 ``outside_area`` for a plan of another province."""
    try:
        plan = await asyncio.wait_for(org_source.plan(sources.org, plan_id), timeout_seconds)
    except UpstreamError as exc:
        if exc.status == 404:
            raise PlanNotFound(plan_id) from exc
        raise
    commune = visible_commune(principal, plan.province_code)
    items = [i for i in plan.items if commune is None or i.commune_code == commune]

    async def progress_section() -> Section:
        return progress(items, as_of)

    measures = sorted({SERVICES[i.measure] for i in items if i.measure in SERVICES})
    build: Callable[[], Awaitable[Section]] = lambda: measured(sources, plan, items, as_of)  # noqa: E731
    specs = [
        SectionSpec("progress", "org-structure", progress_section),
        SectionSpec("measured", ", ".join(measures) or "none", build),
    ]
    subject = {
        "plan_id": plan.id,
        "code": plan.code,
        "province": plan.province_code,
        "status": plan.status,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "decision_number": plan.decision_number,
    }
    return await compose(
        "plan_progress", schemas.PlanReport, f"Tiến độ {plan.title}", subject, as_of, specs, timeout_seconds=timeout_seconds
    )
