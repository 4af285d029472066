"""Sections of operating the two-tier model, read from org-structure: implementation plans and task difficulties.

Both are in the province summary and in the commune profile (``commune`` given: the figures
of the commune's agencies and items only), as org-structure counts them on the date.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from ..composition import Chart, Section, Table
from ..labels import COUNT
from ..reports import schemas
from ..sources import org as source
from ..sources.org import OrgSource

# NOTE: the first overdue items listed; the counts are always complete
OVERDUE_LISTED = 50

ITEM_STATUSES = {
    "not_started": "Chưa bắt đầu",
    "in_progress": "Đang thực hiện",
    "done": "Hoàn thành",
    "cancelled": "Hủy bỏ",
}
FEASIBILITY = {
    "normal": "Thực hiện bình thường",
    "with_difficulties": "Thực hiện có khó khăn",
    "cannot_carry_out": "Chưa thực hiện được",
}
REASONS = {
    "no_skilled_staff": "Thiếu người có chuyên môn",
    "no_equipment_or_software": "Thiếu trang thiết bị, phần mềm",
    "unclear_legal_basis": "Căn cứ pháp lý chưa rõ",
    "overlap_with_other_agency": "Chồng chéo với cơ quan khác",
    "workload": "Khối lượng công việc",
    "funding": "Kinh phí",
    "other": "Khác",
}
PROPOSALS = {
    "return_to_province": "Trả lại cấp tỉnh",
    "reassign": "Giao lại cơ quan khác",
    "train": "Đào tạo, bồi dưỡng",
    "amend_legal_basis": "Sửa đổi căn cứ pháp lý",
}
ANSWERS = ("open", "accepted", "rejected", "resolved")
NO_COMMUNE = "Cấp tỉnh"


def default_period(as_of: date) -> tuple[date, date]:
    """The on-time period when the summary names none: the year of ``as_of``."""
    return date(as_of.year, 1, 1), date(as_of.year, 12, 31)


async def plans(org: OrgSource, province: str, commune: str | None, as_of: date, start: date, end: date) -> Section:
    """Open plans, items by status, overdue items by agency and commune (the first 50 listed), on-time rates per agency."""
    stats, overdue = await asyncio.gather(
        source.plan_stats(org, province, commune, as_of, start, end),
        source.plans_overdue(org, province, commune, as_of, limit=OVERDUE_LISTED),
    )
    items = {k: stats.items.get(k, 0) for k in ITEM_STATUSES} | stats.items
    listed = sorted(overdue.items, key=lambda i: (-i.days_overdue, i.code))[:OVERDUE_LISTED]
    data = schemas.SectionPlans(
        period_from=start,
        period_to=end,
        plans_open=stats.plans_open,
        items=items,
        overdue=stats.overdue,
        overdue_by_agency=[schemas.PlanAgencyOverdue(**r.model_dump()) for r in stats.overdue_by_agency],
        overdue_by_commune=[schemas.PlanCommuneOverdue(**r.model_dump()) for r in stats.overdue_by_commune],
        on_time=[schemas.PlanAgencyOnTime(**r.model_dump()) for r in stats.on_time],
        overdue_items=[
            schemas.OverduePlanItem(
                code=i.code,
                title=i.title,
                deadline=i.deadline,
                days_overdue=i.days_overdue,
                agency=i.assignee_agency_name,
                commune_code=i.commune_code,
                superior_agency=i.superior_agency_name,
                link=f"/api/v1/org/plan-items/{i.item_id}",
            )
            for i in listed
        ],
    )
    status_rows: list[dict[str, Any]] = [{"label": ITEM_STATUSES.get(k, k), "items": n} for k, n in items.items()]
    status_rows.append({"label": "Quá hạn", "items": stats.overdue})
    overview = Table(
        "Kế hoạch và nhiệm vụ trong kế hoạch",
        [("label", "Chỉ tiêu"), ("items", "Số lượng")],
        [{"label": "Kế hoạch đang thực hiện", "items": stats.plans_open}, *status_rows],
        {"items": COUNT},
    )
    by_commune = Table(
        "Nhiệm vụ quá hạn theo xã",
        [("commune", "Xã"), ("overdue", "Quá hạn")],
        [{"commune": r.commune_code or NO_COMMUNE, "overdue": r.overdue} for r in data.overdue_by_commune],
        {"overdue": COUNT},
    )
    by_agency = Table(
        "Nhiệm vụ quá hạn theo cơ quan",
        [("agency", "Cơ quan"), ("commune", "Xã"), ("overdue", "Quá hạn")],
        [{"agency": r.name, "commune": r.commune_code or NO_COMMUNE, "overdue": r.overdue} for r in data.overdue_by_agency],
        {"overdue": COUNT},
    )
    on_time = Table(
        f"Tỷ lệ hoàn thành đúng hạn từ {start.isoformat()} đến {end.isoformat()}",
        [("agency", "Cơ quan"), ("due", "Đến hạn"), ("on_time", "Đúng hạn"), ("late", "Trễ hạn"), ("rate", "Tỷ lệ")],
        [{"agency": r.name, "due": r.due, "on_time": r.done_on_time, "late": r.done_late, "rate": r.rate} for r in data.on_time],
        {"due": COUNT, "on_time": COUNT, "late": COUNT},
    )
    listed_table = Table(
        f"Nhiệm vụ quá hạn ({len(listed)} đầu tiên)",
        [
            ("code", "Mã"),
            ("title", "Nhiệm vụ"),
            ("deadline", "Hạn"),
            ("days", "Số ngày quá hạn"),
            ("agency", "Cơ quan thực hiện"),
            ("superior", "Cơ quan cấp trên"),
            ("link", "Bản ghi"),
        ],
        [
            {
                "code": i.code,
                "title": i.title,
                "deadline": i.deadline,
                "days": i.days_overdue,
                "agency": i.agency,
                "superior": i.superior_agency,
                "link": i.link,
            }
            for i in data.overdue_items
        ],
        {"days": COUNT},
    )
    chart = Chart("bar", "Nhiệm vụ quá hạn theo xã", 1, "commune", ["overdue"])
    return Section("plans", "Kế hoạch triển khai", data, [overview, by_commune, by_agency, on_time, listed_table], [chart])


async def task_difficulties(org: OrgSource, province: str, commune: str | None, as_of: date) -> Section:
    """Task feasibility statuses in force: by status, reason, proposal and its answer, commune and sector."""
    stats = await source.feasibility_stats(org, province, commune, as_of)
    by_status = {k: stats.by_status.get(k, 0) for k in FEASIBILITY} | stats.by_status
    data = schemas.SectionTaskDifficulties(
        tasks_reported=stats.tasks_reported,
        by_status=by_status,
        by_reason=stats.by_reason,
        proposals=stats.proposals,
        open_over_days=stats.open_over_days,
        by_commune=[schemas.DifficultiesByCommune(**r.model_dump()) for r in stats.by_commune],
        by_sector=[schemas.DifficultiesBySector(**r.model_dump()) for r in stats.by_sector],
    )
    status = Table(
        "Tình hình thực hiện nhiệm vụ",
        [("label", "Tình trạng"), ("tasks", "Số nhiệm vụ")],
        [
            *({"label": FEASIBILITY.get(k, k), "tasks": n} for k, n in by_status.items()),
            {"label": "Khó khăn chưa giải quyết quá 30 ngày", "tasks": stats.open_over_days},
        ],
        {"tasks": COUNT},
    )
    reasons = Table(
        "Nguyên nhân",
        [("reason", "Nguyên nhân"), ("tasks", "Số nhiệm vụ")],
        [{"reason": REASONS.get(k, k), "tasks": n} for k, n in stats.by_reason.items()],
        {"tasks": COUNT},
    )
    proposals = Table(
        "Đề xuất và trả lời của tỉnh",
        [("proposal", "Đề xuất"), *((a, a) for a in ANSWERS)],
        [{"proposal": PROPOSALS.get(k, k), **states} for k, states in stats.proposals.items()],
        dict.fromkeys(ANSWERS, COUNT),
    )
    by_commune = Table(
        "Theo xã",
        [
            ("commune", "Xã"),
            ("normal", FEASIBILITY["normal"]),
            ("with_difficulties", FEASIBILITY["with_difficulties"]),
            ("cannot_carry_out", FEASIBILITY["cannot_carry_out"]),
            ("open_over_days", "Quá 30 ngày"),
        ],
        [r.model_dump() | {"commune": r.commune_code or NO_COMMUNE} for r in data.by_commune],
        dict.fromkeys(("normal", "with_difficulties", "cannot_carry_out", "open_over_days"), COUNT),
    )
    by_sector = Table(
        "Theo lĩnh vực",
        [
            ("sector", "Lĩnh vực"),
            ("with_difficulties", FEASIBILITY["with_difficulties"]),
            ("cannot_carry_out", FEASIBILITY["cannot_carry_out"]),
        ],
        [r.model_dump() for r in data.by_sector],
        {"with_difficulties": COUNT, "cannot_carry_out": COUNT},
    )
    chart = Chart("bar", "Nhiệm vụ có khó khăn theo xã", 3, "commune", ["with_difficulties", "cannot_carry_out"])
    return Section(
        "task_difficulties", "Khó khăn thực hiện nhiệm vụ", data, [status, reasons, proposals, by_commune, by_sector], [chart]
    )
