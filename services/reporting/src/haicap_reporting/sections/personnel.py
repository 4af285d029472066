"""Sections read from personnel: staff qualifications, streamlining, and people the merger left unplaced."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date
from typing import Any

from ..composition import Chart, Section, Table
from ..labels import COUNT, MONEY, SHARE
from ..reports import schemas
from ..sources.personnel import HeadcountRow, PersonnelSource, QualificationRow

# NOTE: the province reports "cán bộ, công chức" together and "viên chức" apart.
GROUPS = {"cadres_and_civil_servants": ("cadre", "civil_servant"), "public_employees": ("public_employee",)}
GROUP_LABELS = {"cadres_and_civil_servants": "Cán bộ, công chức", "public_employees": "Viên chức"}
SCOPES = {"all": "Chung", "province": "Cấp tỉnh", "commune": "Cấp xã"}
POLICIES = {
    "early_retirement": "Nghỉ hưu trước tuổi",
    "resignation": "Thôi việc",
    "non_specialised_leave": "Người hoạt động không chuyên trách nghỉ việc",
    "leadership_relinquished": "Thôi giữ chức vụ lãnh đạo",
    "other": "Khác",
}


def _share(count: int, total: int) -> float | None:
    return round(count / total, 4) if total else None


def _at_communes(rows: list[QualificationRow] | list[HeadcountRow]) -> dict[str, int]:
    """Everyone placed in commune-level agencies, and the cadres and civil servants among them.

    The commune profile gives the same two figures for one commune, so the profiles add up to
    the summary's.
    """
    return {
        "people_placed_at_communes": sum(r.headcount for r in rows),
        "cadres_and_civil_servants_at_communes": sum(
            r.headcount for r in rows if r.group.get("category") in GROUPS["cadres_and_civil_servants"]
        ),
    }


def _figures(rows: list[QualificationRow]) -> schemas.QualificationFigures:
    headcount = sum(r.headcount for r in rows)
    university = sum(r.university_or_higher.count for r in rows)
    advanced = sum(theory.count for r in rows if (theory := r.political_theory.get("advanced")))
    intermediate = sum(theory.count for r in rows if (theory := r.political_theory.get("intermediate")))

    def share(count: int) -> schemas.CountShare:
        return schemas.CountShare(count=count, share=_share(count, headcount))

    return schemas.QualificationFigures(
        headcount=headcount,
        university_or_higher=share(university),
        political_theory=schemas.PoliticalTheoryShares(advanced=share(advanced), intermediate=share(intermediate)),
    )


async def staff(personnel: PersonnelSource, province: str, as_of: date) -> Section:
    """Qualification and political-theory shares by category, overall and at each level; people not completing their tasks.

    The evaluations of a year are made at its end: the last year evaluated by ``as_of`` is the year before it.
    """
    evaluated = as_of.year - 1
    stats, not_completed = await asyncio.gather(
        personnel.qualifications([("as_of", as_of.isoformat()), ("province", province), ("by", "category"), ("by", "level")]),
        personnel.tasks_not_completed(province, evaluated),
    )
    by_category: dict[str, int] = {}
    for row in stats.rows:
        category = str(row.group.get("category"))
        by_category[category] = by_category.get(category, 0) + row.headcount
    at_communes = _at_communes([r for r in stats.rows if r.group.get("level") == "commune"])
    groups: dict[str, schemas.QualificationScopes] = {}
    table_rows = []
    for group, categories in GROUPS.items():
        scopes: dict[str, schemas.QualificationFigures] = {}
        for scope in SCOPES:
            rows = [r for r in stats.rows if r.group.get("category") in categories and scope in ("all", r.group.get("level"))]
            figures = scopes[scope] = _figures(rows)
            table_rows.append(
                {
                    "group": f"{GROUP_LABELS[group]} - {SCOPES[scope]}",
                    "headcount": figures.headcount,
                    "university": figures.university_or_higher.share,
                    "advanced": figures.political_theory.advanced.share,
                    "intermediate": figures.political_theory.intermediate.share,
                }
            )
        groups[group] = schemas.QualificationScopes(**scopes)
    data = schemas.SummaryStaff(
        by_category=by_category,
        **at_communes,
        cadres_and_civil_servants=groups["cadres_and_civil_servants"],
        public_employees=groups["public_employees"],
        tasks_not_completed_two_years=schemas.TasksNotCompletedFigure(year=evaluated, people=not_completed.total),
    )
    table = Table(
        "Trình độ cán bộ, công chức, viên chức",
        [
            ("group", "Nhóm"),
            ("headcount", "Số người"),
            ("university", "Đại học trở lên"),
            ("advanced", "Lý luận chính trị cao cấp"),
            ("intermediate", "Lý luận chính trị trung cấp"),
        ],
        table_rows,
        {"headcount": COUNT, "university": SHARE, "advanced": SHARE, "intermediate": SHARE},
    )
    chart = Chart(
        "bar", "Tỷ lệ trình độ đại học trở lên và lý luận chính trị", 0, "group", ["university", "advanced", "intermediate"]
    )
    evaluations = Table(
        "Đánh giá, xếp loại chất lượng",
        [("label", "Chỉ tiêu"), ("value", "Số người")],
        [
            {
                "label": f"Không hoàn thành nhiệm vụ 2 năm liên tiếp ({evaluated - 1} và {evaluated})",
                "value": not_completed.total,
            }
        ],
        {"value": COUNT},
    )
    return Section("staff", "Đội ngũ cán bộ, công chức, viên chức", data, [table, evaluations], [chart])


async def streamlining(personnel: PersonnelSource, province: str, as_of: date) -> Section:
    """Streamlining cases and amounts by policy and status."""
    stats = await personnel.streamlining(province, as_of)
    by_policy: dict[str, dict[str, Any]] = defaultdict(lambda: {"cases": 0, "amount_vnd": 0, "by_status": {}})
    for row in stats.rows:
        entry = by_policy[row.policy]
        entry["cases"] += row.cases
        entry["amount_vnd"] += int(row.amount_vnd)
        entry["by_status"][row.status] = entry["by_status"].get(row.status, 0) + row.cases
    data = schemas.SummaryStreamlining(
        cases=stats.cases,
        amount_vnd=int(stats.amount_vnd),
        by_policy={policy: schemas.PolicyFigures(**v) for policy, v in by_policy.items()},
    )
    rows = [
        {"policy": POLICIES.get(policy, policy), "cases": v["cases"], "amount": v["amount_vnd"], **v["by_status"]}
        for policy, v in sorted(by_policy.items())
    ]
    table = Table(
        "Tinh giản biên chế",
        [
            ("policy", "Chính sách"),
            ("cases", "Số trường hợp"),
            ("proposed", "Đề xuất"),
            ("approved", "Đã duyệt"),
            ("paid", "Đã chi trả"),
            ("amount", "Kinh phí (đồng)"),
        ],
        rows,
        {"cases": COUNT, "proposed": COUNT, "approved": COUNT, "paid": COUNT, "amount": MONEY},
    )
    return Section("streamlining", "Tinh giản biên chế", data, [table])


async def gaps(personnel: PersonnelSource, province: str, as_of: date) -> Section:
    """People neither placed nor in a streamlining case, and agencies staffed above their quota.

    A quota above the former units' total cannot be recorded (personnel refuses it), so what
    remains to report is headcount above the quota.
    """
    params = [("as_of", as_of.isoformat()), ("province", province), ("by", "agency")]
    stats, headcount = await asyncio.gather(personnel.gaps(params), personnel.headcount(params))
    over = [
        {"agency": r.group.get("agency"), "headcount": r.headcount, "quota": r.quota, "over": r.over_quota}
        for r in headcount.rows
        if r.over_quota
    ]
    rows = [{"agency": r.group.get("agency"), "people": r.people} for r in stats.rows]
    links = [{"person": f"/api/v1/personnel/people/{pid}"} for pid in stats.sample]
    table = Table(
        "Người chưa được bố trí và chưa có phương án tinh giản",
        [("agency", "Cơ quan cũ"), ("people", "Số người")],
        rows,
        {"people": COUNT},
    )
    sample = Table("Một số hồ sơ", [("person", "Bản ghi")], links)
    over_table = Table(
        "Cơ quan có số người vượt biên chế",
        [("agency", "Cơ quan"), ("headcount", "Số người"), ("quota", "Biên chế"), ("over", "Vượt")],
        over,
        {"headcount": COUNT, "quota": COUNT, "over": COUNT},
    )
    data = schemas.GapPeople(
        total=stats.total,
        by_agency=[schemas.UnplacedByAgency(**r) for r in rows],
        sample=[schemas.PersonLink(**link) for link in links],
        over_quota=[schemas.AgencyHeadcount(**r) for r in over],
    )
    return Section("people", "Người chưa có chỗ", data, [table, sample, over_table])


async def commune_people(personnel: PersonnelSource, province: str, commune_code: str, as_of: date) -> Section:
    """People of the commune's agencies against their quota; everyone placed, and the cadres and civil servants."""
    scope = [("as_of", as_of.isoformat()), ("province", province), ("commune", commune_code)]
    stats, categories = await asyncio.gather(
        personnel.headcount([*scope, ("by", "agency")]),
        personnel.headcount([*scope, ("level", "commune"), ("by", "category")]),
    )
    rows = [
        {"agency": r.group.get("agency"), "headcount": r.headcount, "quota": r.quota, "over": r.over_quota} for r in stats.rows
    ]
    table = Table(
        "Biên chế và số người",
        [("agency", "Cơ quan"), ("headcount", "Số người"), ("quota", "Biên chế giao"), ("over", "Vượt")],
        rows,
        {"headcount": COUNT, "quota": COUNT, "over": COUNT},
    )
    placed = _at_communes(categories.rows)
    figures = Table(
        "Số người của xã",
        [("label", "Chỉ tiêu"), ("value", "Số người")],
        [
            {"label": "Người được bố trí tại các cơ quan của xã", "value": placed["people_placed_at_communes"]},
            {"label": "Trong đó: cán bộ, công chức", "value": placed["cadres_and_civil_servants_at_communes"]},
            {"label": "Biên chế giao", "value": stats.total.quota},
        ],
        {"value": COUNT},
    )
    data = schemas.ProfilePeople(
        **placed, staffing_quota=stats.total.quota, by_agency=[schemas.AgencyHeadcount(**r) for r in rows]
    )
    return Section("people", "Nhân sự", data, [figures, table])
