"""The national roll-up's sections: the province reports' figures for the whole country, with a row per province.

Each statistic is read once for the whole country: personnel's grouped ``by=province``,
org-structure's and assets' from their ``/…/by-province`` routes, each read at the same time
as the provinces in force. Every province in force gets a row (zeros where a source had
nothing to count there); the country's figures are the sums of the provinces' rows, so the two
always agree.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

from haicap_shared.codes import UNIT_LEVELS
from haicap_shared.errors import AppError

from ..composition import Chart, Section, Table
from ..labels import COUNT, LEVELS, MONEY, SHARE
from ..reports import national_schemas as ns
from ..reports import schemas
from ..sources import Sources
from ..sources.assets import CommuneHoldings
from ..sources.national import (
    NO_CAR_NORMS,
    NO_DECISIONS,
    NO_DISPOSITIONS,
    NO_FINDINGS,
    NO_GAPS,
    NO_HOLDINGS,
    NO_PLANS,
    NO_TASKS,
    ByProvince,
    InProvince,
    ProvinceRef,
    car_norms_by_province,
    decision_progress_by_province,
    dispositions_by_province,
    finding_counts_by_province,
    gaps_by_province,
    holdings_by_province,
    plan_figures_by_province,
    provinces,
    streamlining_by_province,
    task_stats_by_province,
    tasks_not_completed_by_province,
)
from ..sources.personnel import QualificationRow
from .assets import STATUSES
from .personnel import GROUP_LABELS, GROUPS, POLICIES, SCOPES

T = TypeVar("T")
R = TypeVar("R", bound=InProvince)
NATION = "Cả nước"
RATIO = "0.00"


class ProvinceList:
    """The provinces in force on the date, asked of org-structure once per report and shared by its sections."""

    def __init__(self, sources: Sources, as_of: date) -> None:
        self._sources, self._as_of = sources, as_of
        self._task: asyncio.Future[list[ProvinceRef]] | None = None

    async def all(self) -> list[ProvinceRef]:
        """Every province, by code; org-structure's failure is raised (the section asking is then missing)."""
        if self._task is None:
            self._task = asyncio.ensure_future(provinces(self._sources.org, self._as_of))
        # NOTE: shielded: a section timing out must not cancel the list the others wait for
        return await asyncio.shield(self._task)

    async def names(self) -> dict[str, str]:
        """Code to name; empty when org-structure cannot say (a personnel section then shows codes only)."""
        try:
            return {p.code: p.name for p in await self.all()}
        except (AppError, TimeoutError):
            return {}


def _each(refs: Iterable[ProvinceRef], answer: ByProvince[R], nothing: T) -> list[tuple[ProvinceRef, R | T]]:
    """Every province in force with its row of ``answer``; ``nothing`` (zeros) for one the source had nothing to count in.

    A row of a province not in force is left out, so the country's figures stay the sums of the rows shown.
    """
    found = answer.by_code()
    return [(province, found.get(province.code, nothing)) for province in refs]


def _ratio(count: int, of: int) -> float | None:
    return round(count / of, 2) if of else None


def _share(count: int, of: int) -> schemas.CountShare:
    return schemas.CountShare(count=count, share=round(count / of, 4) if of else None)


def _label(row: Mapping[str, Any]) -> str:
    return str(row["name"] or row["province"])


def _province_table(
    title: str,
    columns: list[tuple[str, str]],
    rows: Iterable[Mapping[str, Any]],
    country: Mapping[str, Any],
    formats: dict[str, str],
) -> Table:
    """A row per province (its name first, then its code), and the country's figures last, as ``Cả nước``."""
    shown = [{**r, "label": _label(r)} for r in rows]
    shown.append({**country, "province": None, "name": None, "label": NATION})
    return Table(title, [("label", "Tỉnh, thành phố"), ("province", "Mã"), *columns], shown, formats)


def _level_counts(counts: Mapping[Any, int]) -> schemas.LevelCounts:
    return schemas.LevelCounts(**{k: counts.get(k, 0) for k in UNIT_LEVELS})


# --- national summary --------------------------------------------------------------------------


async def tasks(sources: Sources, provinces_in_force: ProvinceList, as_of: date) -> Section:
    """Tasks by level in the country and in each province; by sector in the country."""
    refs, stats = await asyncio.gather(provinces_in_force.all(), task_stats_by_province(sources.org, as_of))
    rows: list[ns.ProvinceTasks] = []
    levels: Counter[str] = Counter()
    sectors: Counter[str] = Counter()
    for province, found in _each(refs, stats, NO_TASKS):
        by_level = {k: found.by_level.get(k, 0) for k in UNIT_LEVELS}
        levels.update(by_level)
        sectors.update({s.sector: s.count for s in found.by_sector})
        rows.append(
            ns.ProvinceTasks(province=province.code, name=province.name, total=found.total, by_level=_level_counts(by_level))
        )
    data = ns.NationalTasks(
        total=sum(r.total for r in rows),
        by_level=_level_counts(levels),
        by_sector=[schemas.SectorTasks(sector=s, count=n) for s, n in sorted(sectors.items())],
        by_province=rows,
    )
    # NOTE: the levels' keys are prefixed: "province" is the row's province code
    level_columns = [(f"level_{k}", LEVELS[k]) for k in UNIT_LEVELS]

    def levels_of(counts: schemas.LevelCounts) -> dict[str, int]:
        return {f"level_{k}": v for k, v in counts.model_dump().items()}

    formats = dict.fromkeys([*(key for key, _ in level_columns), "total"], COUNT)
    by_province = _province_table(
        "Nhiệm vụ quản lý nhà nước theo tỉnh và cấp",
        [*level_columns, ("total", "Tổng")],
        [{"province": r.province, "name": r.name, **levels_of(r.by_level), "total": r.total} for r in rows],
        {**levels_of(data.by_level), "total": data.total},
        formats,
    )
    sectors_table = Table(
        "Nhiệm vụ theo lĩnh vực (cả nước)",
        [("sector", "Lĩnh vực"), ("count", "Số nhiệm vụ")],
        [s.model_dump() for s in data.by_sector],
        {"count": COUNT},
    )
    chart = Chart("bar", "Nhiệm vụ theo tỉnh", 0, "label", ["level_province", "level_commune"])
    return Section("tasks", "Nhiệm vụ quản lý nhà nước", data, [by_province, sectors_table], [chart])


async def decisions(sources: Sources, provinces_in_force: ProvinceList, as_of: date) -> Section:
    """Function decisions issued out of those required, in the country by level and in each province."""
    refs, progress = await asyncio.gather(provinces_in_force.all(), decision_progress_by_province(sources.org, as_of))
    required: Counter[str] = Counter()
    issued: Counter[str] = Counter()
    rows: list[ns.ProvinceDecisions] = []
    for province, found in _each(refs, progress, NO_DECISIONS):
        for level, figures in found.by_level.items():
            required[level] += figures.required
            issued[level] += figures.issued
        needed = sum(f.required for f in found.by_level.values())
        done = sum(f.issued for f in found.by_level.values())
        rows.append(
            ns.ProvinceDecisions(province=province.code, name=province.name, required=needed, issued=done, missing=needed - done)
        )
    by_level = schemas.DecisionsByLevel(
        **{k: schemas.DecisionsIssued(required=required[k], issued=issued[k]) for k in UNIT_LEVELS}
    )
    data = ns.NationalDecisions(by_level=by_level, agencies_without_decision=sum(r.missing for r in rows), by_province=rows)
    table = _province_table(
        "Quyết định quy định chức năng, nhiệm vụ theo tỉnh",
        [("required", "Phải ban hành"), ("issued", "Đã ban hành"), ("missing", "Còn thiếu")],
        [r.model_dump() for r in rows],
        {
            "required": sum(r.required for r in rows),
            "issued": sum(r.issued for r in rows),
            "missing": data.agencies_without_decision,
        },
        {"required": COUNT, "issued": COUNT, "missing": COUNT},
    )
    chart = Chart("bar", "Tiến độ ban hành quyết định theo tỉnh", 0, "label", ["required", "issued"])
    return Section("decisions", "Quyết định chức năng, nhiệm vụ", data, [table], [chart])


def _figures(rows: list[QualificationRow]) -> schemas.QualificationFigures:
    headcount = sum(r.headcount for r in rows)
    university = sum(r.university_or_higher.count for r in rows)
    advanced = sum(theory.count for r in rows if (theory := r.political_theory.get("advanced")))
    intermediate = sum(theory.count for r in rows if (theory := r.political_theory.get("intermediate")))
    return schemas.QualificationFigures(
        headcount=headcount,
        university_or_higher=_share(university, headcount),
        political_theory=schemas.PoliticalTheoryShares(
            advanced=_share(advanced, headcount), intermediate=_share(intermediate, headcount)
        ),
    )


def _scopes(rows: list[QualificationRow], categories: tuple[str, ...]) -> schemas.QualificationScopes:
    return schemas.QualificationScopes(
        **{
            scope: _figures([r for r in rows if r.group.get("category") in categories and scope in ("all", r.group.get("level"))])
            for scope in SCOPES
        }
    )


async def staff(sources: Sources, provinces_in_force: ProvinceList, as_of: date) -> Section:
    """The province summary's staff figures for the country, from personnel's statistics grouped by province."""
    evaluated = as_of.year - 1
    params = [("as_of", as_of.isoformat()), ("by", "province"), ("by", "category"), ("by", "level")]
    stats, not_completed, names = await asyncio.gather(
        sources.personnel.qualifications(params),
        tasks_not_completed_by_province(sources.personnel, evaluated),
        provinces_in_force.names(),
    )
    cadres = GROUPS["cadres_and_civil_servants"]
    by_category: Counter[str] = Counter()
    by_province: dict[str, list[QualificationRow]] = defaultdict(list)
    for row in stats.rows:
        by_category[str(row.group.get("category"))] += row.headcount
        by_province[str(row.group.get("province"))].append(row)
    late = {str(r.group.get("province")): r.people for r in not_completed.rows}
    at_communes = [r for r in stats.rows if r.group.get("level") == "commune"]
    rows: list[ns.ProvinceStaff] = []
    for code in sorted(set(by_province) | set(late)):
        found = by_province.get(code, [])
        everyone = _figures(found)
        rows.append(
            ns.ProvinceStaff(
                province=code,
                name=names.get(code),
                headcount=everyone.headcount,
                cadres_and_civil_servants=sum(r.headcount for r in found if r.group.get("category") in cadres),
                university_or_higher=everyone.university_or_higher,
                political_theory_advanced=everyone.political_theory.advanced,
                people_placed_at_communes=sum(r.headcount for r in found if r.group.get("level") == "commune"),
                tasks_not_completed_two_years=late.get(code, 0),
            )
        )
    data = ns.NationalStaff(
        by_category=dict(sorted(by_category.items())),
        people_placed_at_communes=sum(r.headcount for r in at_communes),
        cadres_and_civil_servants_at_communes=sum(r.headcount for r in at_communes if r.group.get("category") in cadres),
        cadres_and_civil_servants=_scopes(stats.rows, cadres),
        public_employees=_scopes(stats.rows, GROUPS["public_employees"]),
        tasks_not_completed_two_years=schemas.TasksNotCompletedFigure(year=evaluated, people=not_completed.total),
        by_province=rows,
    )
    everyone = _figures(stats.rows)
    table = _province_table(
        "Đội ngũ cán bộ, công chức, viên chức theo tỉnh",
        [
            ("headcount", "Số người"),
            ("cadres", "Cán bộ, công chức"),
            ("university", "Đại học trở lên"),
            ("advanced", "Lý luận chính trị cao cấp"),
            ("communes", "Bố trí tại cấp xã"),
            ("not_completed", "Không hoàn thành nhiệm vụ 2 năm liên tiếp"),
        ],
        [
            {
                "province": r.province,
                "name": r.name,
                "headcount": r.headcount,
                "cadres": r.cadres_and_civil_servants,
                "university": r.university_or_higher.share,
                "advanced": r.political_theory_advanced.share,
                "communes": r.people_placed_at_communes,
                "not_completed": r.tasks_not_completed_two_years,
            }
            for r in rows
        ],
        {
            "headcount": everyone.headcount,
            "cadres": sum(r.cadres_and_civil_servants for r in rows),
            "university": everyone.university_or_higher.share,
            "advanced": everyone.political_theory.advanced.share,
            "communes": data.people_placed_at_communes,
            "not_completed": data.tasks_not_completed_two_years.people,
        },
        {"headcount": COUNT, "cadres": COUNT, "university": SHARE, "advanced": SHARE, "communes": COUNT, "not_completed": COUNT},
    )
    groups = [
        {
            "group": f"{GROUP_LABELS[group]} - {SCOPES[scope]}",
            "headcount": figures.headcount,
            "university": figures.university_or_higher.share,
            "advanced": figures.political_theory.advanced.share,
            "intermediate": figures.political_theory.intermediate.share,
        }
        for group, scopes in (
            ("cadres_and_civil_servants", data.cadres_and_civil_servants),
            ("public_employees", data.public_employees),
        )
        for scope, figures in scopes
    ]
    qualifications = Table(
        "Trình độ cán bộ, công chức, viên chức (cả nước)",
        [
            ("group", "Nhóm"),
            ("headcount", "Số người"),
            ("university", "Đại học trở lên"),
            ("advanced", "Lý luận chính trị cao cấp"),
            ("intermediate", "Lý luận chính trị trung cấp"),
        ],
        groups,
        {"headcount": COUNT, "university": SHARE, "advanced": SHARE, "intermediate": SHARE},
    )
    chart = Chart("bar", "Tỷ lệ trình độ đại học trở lên theo tỉnh", 0, "label", ["university"])
    return Section("staff", "Đội ngũ cán bộ, công chức, viên chức", data, [table, qualifications], [chart])


async def assets(sources: Sources, provinces_in_force: ProvinceList, as_of: date) -> Section:
    """What the communes hold in the country, and premises and cars per commune in each province."""
    refs, summaries, norms = await asyncio.gather(
        provinces_in_force.all(), holdings_by_province(sources.assets, as_of), car_norms_by_province(sources.assets, as_of)
    )
    cars = dict(_each(refs, norms, NO_CAR_NORMS))
    held = _each(refs, summaries, NO_HOLDINGS)
    rows = [
        ns.ProvinceAssets(
            province=province.code,
            name=province.name,
            communes=cars[province].communes,
            premises_held_by_communes=found.premises_held_by_communes,
            general_work_cars_held_by_communes=found.general_work_cars_held_by_communes,
            all_cars_held_by_communes=found.all_cars_held_by_communes,
            premises_per_commune=_ratio(found.premises_held_by_communes, cars[province].communes),
            cars_per_commune=_ratio(found.all_cars_held_by_communes, cars[province].communes),
            communes_over_norm=cars[province].communes_over_norm,
            communes_under_norm=cars[province].communes_under_norm,
        )
        for province, found in held
    ]
    totals = {name: sum(getattr(found, name) for _, found in held) for name in CommuneHoldings.model_fields}
    communes = sum(r.communes for r in rows)
    data = ns.NationalAssets(
        **totals,
        car_norm=schemas.CarNormFigures(
            max_per_commune=norms.max_general_cars_per_commune,
            communes=communes,
            over_norm=sum(r.communes_over_norm for r in rows),
            under_norm=sum(r.communes_under_norm for r in rows),
        ),
        by_province=rows,
    )
    columns = [
        ("communes", "Số xã"),
        ("premises_held_by_communes", "Cơ sở nhà, đất của cấp xã"),
        ("premises_per_commune", "Cơ sở nhà, đất bình quân mỗi xã"),
        ("all_cars_held_by_communes", "Xe ô tô của cấp xã"),
        ("cars_per_commune", "Xe ô tô bình quân mỗi xã"),
        ("general_work_cars_held_by_communes", "Xe phục vụ công tác chung"),
        ("communes_over_norm", "Số xã vượt định mức xe"),
        ("communes_under_norm", "Số xã thiếu xe"),
    ]
    country = {
        "communes": communes,
        "premises_held_by_communes": data.premises_held_by_communes,
        "premises_per_commune": _ratio(data.premises_held_by_communes, communes),
        "all_cars_held_by_communes": data.all_cars_held_by_communes,
        "cars_per_commune": _ratio(data.all_cars_held_by_communes, communes),
        "general_work_cars_held_by_communes": data.general_work_cars_held_by_communes,
        "communes_over_norm": data.car_norm.over_norm,
        "communes_under_norm": data.car_norm.under_norm,
    }
    formats = {key: COUNT for key, _ in columns} | {"premises_per_commune": RATIO, "cars_per_commune": RATIO}
    table = _province_table("Tài sản của cấp xã theo tỉnh", columns, [r.model_dump() for r in rows], country, formats)
    chart = Chart("bar", "Cơ sở nhà, đất và xe ô tô bình quân mỗi xã", 0, "label", ["premises_per_commune", "cars_per_commune"])
    return Section("assets", "Tài sản công", data, [table], [chart])


async def streamlining(sources: Sources, provinces_in_force: ProvinceList, as_of: date) -> Section:
    """Streamlining cases and amounts in the country by policy and status, and in each province."""
    stats, names = await asyncio.gather(streamlining_by_province(sources.personnel, as_of), provinces_in_force.names())
    by_policy: dict[str, dict[str, Any]] = defaultdict(lambda: {"cases": 0, "amount_vnd": 0, "by_status": {}})
    by_province: dict[str, dict[str, int]] = defaultdict(lambda: {"cases": 0, "amount_vnd": 0, "paid": 0})
    for row in stats.rows:
        entry = by_policy[row.policy]
        entry["cases"] += row.cases
        entry["amount_vnd"] += int(row.amount_vnd)
        entry["by_status"][row.status] = entry["by_status"].get(row.status, 0) + row.cases
        province = by_province[str(row.group.get("province"))]
        province["cases"] += row.cases
        province["amount_vnd"] += int(row.amount_vnd)
        province["paid"] += row.cases if row.status == "paid" else 0
    rows = [ns.ProvinceStreamlining(province=code, name=names.get(code), **v) for code, v in sorted(by_province.items())]
    data = ns.NationalStreamlining(
        cases=sum(r.cases for r in rows),
        amount_vnd=sum(r.amount_vnd for r in rows),
        by_policy={policy: schemas.PolicyFigures(**v) for policy, v in sorted(by_policy.items())},
        by_province=rows,
    )
    table = _province_table(
        "Tinh giản biên chế theo tỉnh",
        [("cases", "Số trường hợp"), ("paid", "Đã chi trả"), ("amount_vnd", "Kinh phí (đồng)")],
        [r.model_dump() for r in rows],
        {"cases": data.cases, "amount_vnd": data.amount_vnd, "paid": sum(r.paid for r in rows)},
        {"cases": COUNT, "paid": COUNT, "amount_vnd": MONEY},
    )
    policies = Table(
        "Tinh giản biên chế theo chính sách (cả nước)",
        [("policy", "Chính sách"), ("cases", "Số trường hợp"), ("amount", "Kinh phí (đồng)")],
        [{"policy": POLICIES.get(p, p), "cases": v.cases, "amount": v.amount_vnd} for p, v in data.by_policy.items()],
        {"cases": COUNT, "amount": MONEY},
    )
    return Section("streamlining", "Tinh giản biên chế", data, [table, policies])


async def dispositions(sources: Sources, provinces_in_force: ProvinceList, as_of: date) -> Section:
    """Disposition plans in the country by form and step, and in each province."""
    refs, stats = await asyncio.gather(provinces_in_force.all(), dispositions_by_province(sources.assets, as_of))
    by_form: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    surplus: Counter[str] = Counter()
    rows: list[ns.ProvinceDispositions] = []
    for province, found in _each(refs, stats, NO_DISPOSITIONS):
        steps = Counter[str]()
        for row in found.rows:
            by_form[row.form][row.status] += row.plans
            steps[row.status] += row.plans
        surplus.update(found.surplus_without_plan)
        rows.append(
            ns.ProvinceDispositions(
                province=province.code,
                name=province.name,
                plans=sum(steps.values()),
                executed=steps["executed"],
                overdue_decisions=found.overdue_decisions,
                surplus_without_plan=sum(found.surplus_without_plan.values()),
            )
        )
    totals = dict.fromkeys(STATUSES, 0)
    for counts in by_form.values():
        for status, count in counts.items():
            totals[status] += count
    data = ns.NationalDispositions(
        by_form={form: schemas.DispositionSteps(**counts) for form, counts in sorted(by_form.items())},
        by_status=schemas.DispositionSteps(**totals),
        plans=sum(r.plans for r in rows),
        overdue_decisions=sum(r.overdue_decisions for r in rows),
        surplus_without_plan=dict(sorted(surplus.items())),
        by_province=rows,
    )
    table = _province_table(
        "Phương án xử lý tài sản theo tỉnh",
        [
            ("plans", "Số phương án"),
            ("executed", "Đã thực hiện"),
            ("overdue_decisions", "Quyết định quá hạn"),
            ("surplus_without_plan", "Tài sản dôi dư chưa có phương án"),
        ],
        [r.model_dump() for r in rows],
        {
            "plans": data.plans,
            "executed": totals["executed"],
            "overdue_decisions": data.overdue_decisions,
            "surplus_without_plan": sum(surplus.values()),
        },
        {"plans": COUNT, "executed": COUNT, "overdue_decisions": COUNT, "surplus_without_plan": COUNT},
    )
    chart = Chart("bar", "Tiến độ xử lý tài sản theo tỉnh", 0, "label", ["plans", "executed"])
    return Section("dispositions", "Xử lý tài sản", data, [table], [chart])


async def plans(sources: Sources, provinces_in_force: ProvinceList, as_of: date) -> Section:
    """Implementation plans' items by status and the overdue items, in the country and in each province."""
    refs, found = await asyncio.gather(provinces_in_force.all(), plan_figures_by_province(sources.org, as_of))
    items: Counter[str] = Counter()
    rows = []
    for province, figures in _each(refs, found, NO_PLANS):
        items.update(figures.items)
        rows.append(
            ns.ProvincePlans(
                province=province.code,
                name=province.name,
                plans_open=figures.plans_open,
                items=sum(figures.items.values()),
                overdue=figures.overdue,
            )
        )
    data = ns.NationalPlans(
        plans_open=sum(r.plans_open for r in rows),
        items=dict(sorted(items.items())),
        overdue=sum(r.overdue for r in rows),
        by_province=rows,
    )
    table = _province_table(
        "Kế hoạch thực hiện theo tỉnh",
        [("plans_open", "Kế hoạch đang thực hiện"), ("items", "Nhiệm vụ của kế hoạch"), ("overdue", "Nhiệm vụ quá hạn")],
        [r.model_dump() for r in rows],
        {"plans_open": data.plans_open, "items": sum(items.values()), "overdue": data.overdue},
        {"plans_open": COUNT, "items": COUNT, "overdue": COUNT},
    )
    chart = Chart("bar", "Nhiệm vụ quá hạn theo tỉnh", 0, "label", ["overdue"])
    return Section("plans", "Kế hoạch thực hiện", data, [table], [chart])


# --- national transition gaps -----------------------------------------------------------------


async def task_findings(sources: Sources, provinces_in_force: ProvinceList, as_of: date) -> Section:
    """Task findings counted by kind in the country and in each province."""
    # NOTE: counts only; the findings themselves are listed in each province's report
    refs, found = await asyncio.gather(provinces_in_force.all(), finding_counts_by_province(sources.org, as_of))
    counts: Counter[str] = Counter()
    rows = []
    for province, findings in _each(refs, found, NO_FINDINGS):
        counts.update(findings.counts)
        rows.append(
            ns.ProvinceTaskFindings(province=province.code, name=province.name, total=findings.total, counts=findings.counts)
        )
    data = ns.NationalGapTasks(total=sum(r.total for r in rows), counts=dict(sorted(counts.items())), by_province=rows)
    kinds = sorted(counts)
    table = _province_table(
        "Nhiệm vụ chưa rõ người, rõ việc theo tỉnh",
        [*((k, k) for k in kinds), ("total", "Tổng")],
        [{"province": r.province, "name": r.name, "total": r.total, **{k: r.counts.get(k, 0) for k in kinds}} for r in rows],
        {"total": data.total, **data.counts},
        dict.fromkeys((*kinds, "total"), COUNT),
    )
    return Section("tasks", "Nhiệm vụ", data, [table])


async def agencies_without_decision(sources: Sources, provinces_in_force: ProvinceList, as_of: date) -> Section:
    """Agencies in force still without their function decision, in each province."""
    refs, progress = await asyncio.gather(provinces_in_force.all(), decision_progress_by_province(sources.org, as_of))
    rows = [
        ns.ProvinceAgenciesWithoutDecision(
            province=province.code, name=province.name, total=sum(f.required - f.issued for f in found.by_level.values())
        )
        for province, found in _each(refs, progress, NO_DECISIONS)
    ]
    data = ns.NationalGapAgencies(total=sum(r.total for r in rows), by_province=rows)
    title = "Cơ quan chưa có quyết định chức năng, nhiệm vụ theo tỉnh"
    table = _province_table(
        title, [("total", "Số cơ quan")], [r.model_dump() for r in rows], {"total": data.total}, {"total": COUNT}
    )
    return Section("agencies", "Cơ quan chưa có quyết định", data, [table])


async def people(sources: Sources, provinces_in_force: ProvinceList, as_of: date) -> Section:
    """People neither placed nor in a streamlining case, and agencies over quota, in each province."""
    scope = [("as_of", as_of.isoformat()), ("by", "province")]
    gaps, headcount, names = await asyncio.gather(
        sources.personnel.gaps(scope),
        sources.personnel.headcount([*scope, ("by", "agency")]),
        provinces_in_force.names(),
    )
    unplaced = {str(r.group.get("province")): r.people for r in gaps.rows}
    over_agencies: Counter[str] = Counter()
    over_people: Counter[str] = Counter()
    for row in headcount.rows:
        if row.over_quota:
            code = str(row.group.get("province"))
            over_agencies[code] += 1
            over_people[code] += row.over_quota
    rows = [
        ns.ProvinceGapPeople(
            province=code,
            name=names.get(code),
            unplaced=unplaced.get(code, 0),
            agencies_over_quota=over_agencies[code],
            people_over_quota=over_people[code],
        )
        for code in sorted(set(unplaced) | set(over_agencies))
    ]
    data = ns.NationalGapPeople(
        total=gaps.total,
        sample=[schemas.PersonLink(person=f"/api/v1/personnel/people/{pid}") for pid in gaps.sample],
        agencies_over_quota=sum(r.agencies_over_quota for r in rows),
        by_province=rows,
    )
    table = _province_table(
        "Người chưa được bố trí, cơ quan vượt biên chế theo tỉnh",
        [
            ("unplaced", "Người chưa bố trí, chưa có phương án"),
            ("agencies_over_quota", "Cơ quan vượt biên chế"),
            ("people_over_quota", "Số người vượt"),
        ],
        [r.model_dump() for r in rows],
        {
            "unplaced": data.total,
            "agencies_over_quota": data.agencies_over_quota,
            "people_over_quota": sum(r.people_over_quota for r in rows),
        },
        {"unplaced": COUNT, "agencies_over_quota": COUNT, "people_over_quota": COUNT},
    )
    sample = Table("Một số hồ sơ", [("person", "Bản ghi")], [link.model_dump() for link in data.sample])
    return Section("people", "Người chưa có chỗ", data, [table, sample])


async def assets_without_plan(sources: Sources, provinces_in_force: ProvinceList, as_of: date) -> Section:
    """Assets of ended holders with no plan, and overdue disposition decisions, in each province."""
    refs, found, plans = await asyncio.gather(
        provinces_in_force.all(), gaps_by_province(sources.assets, as_of), dispositions_by_province(sources.assets, as_of)
    )
    overdue = {province: p.overdue_decisions for province, p in _each(refs, plans, NO_DISPOSITIONS)}
    rows = [
        ns.ProvinceGapAssets(
            province=province.code,
            name=province.name,
            assets_without_plan=gaps.total,
            overdue_decisions=overdue[province],
        )
        for province, gaps in _each(refs, found, NO_GAPS)
    ]
    data = ns.NationalGapAssets(
        total=sum(r.assets_without_plan for r in rows),
        overdue_decisions=sum(r.overdue_decisions for r in rows),
        by_province=rows,
    )
    table = _province_table(
        "Tài sản chưa có phương án, quyết định quá hạn theo tỉnh",
        [
            ("assets_without_plan", "Tài sản của đơn vị đã kết thúc chưa có phương án"),
            ("overdue_decisions", "Quyết định quá hạn"),
        ],
        [r.model_dump() for r in rows],
        {"assets_without_plan": data.total, "overdue_decisions": data.overdue_decisions},
        {"assets_without_plan": COUNT, "overdue_decisions": COUNT},
    )
    return Section("assets", "Tài sản chưa có chủ", data, [table])
