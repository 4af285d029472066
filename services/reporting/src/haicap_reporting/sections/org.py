"""Sections read from org-structure: tasks by level, function decisions, task findings, lineage, agencies."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from haicap_shared.codes import UNIT_LEVELS

from ..composition import Chart, Section, Table
from ..labels import COUNT, LEVELS
from ..reports import schemas
from ..sources.org import LevelProgress, OrgSource, TaskStats, Unit


async def _none() -> None:
    return None


async def tasks(org: OrgSource, province: str, as_of: date, compare_to: date | None) -> Section:
    """Tasks by level on ``as_of`` (and on ``compare_to``, with the change)."""
    # NOTE: both dates at once: the section takes as long as the slower call, not the sum.
    now: TaskStats
    before: TaskStats | None
    now, before = await asyncio.gather(
        org.task_stats(province, as_of), org.task_stats(province, compare_to) if compare_to is not None else _none()
    )
    by_level = {k: now.by_level.get(k, 0) for k in UNIT_LEVELS}
    change: schemas.TasksChange | None = None
    columns = [("level", "Cấp"), ("now", f"Ngày {as_of.isoformat()}")]
    rows: list[dict[str, Any]] = [{"level": LEVELS[k], "now": by_level[k]} for k in UNIT_LEVELS]
    if compare_to is not None and before is not None:
        before_by_level = {k: before.by_level.get(k, 0) for k in UNIT_LEVELS}
        delta = {k: by_level[k] - before_by_level[k] for k in UNIT_LEVELS}
        change = schemas.TasksChange(
            from_=compare_to,
            total=before.total,
            by_level=schemas.LevelCounts(**before_by_level),
            delta=schemas.LevelCounts(**delta),
        )
        columns = [
            ("level", "Cấp"),
            ("before", f"Ngày {compare_to.isoformat()}"),
            ("now", f"Ngày {as_of.isoformat()}"),
            ("delta", "Tăng/giảm"),
        ]
        rows = [{"level": LEVELS[k], "before": before_by_level[k], "now": by_level[k], "delta": delta[k]} for k in UNIT_LEVELS]
    data = schemas.SummaryTasks(
        total=now.total,
        by_level=schemas.LevelCounts(**by_level),
        by_sector=[schemas.SectorTasks(sector=s.sector, count=s.count) for s in now.by_sector],
        change=change,
    )
    rows.append({**{c: sum(r[c] for r in rows) for c, _ in columns[1:]}, "level": "Tổng cộng"})
    levels_table = Table("Nhiệm vụ quản lý nhà nước theo cấp", columns, rows, {c: COUNT for c, _ in columns[1:]})
    sectors = Table(
        "Nhiệm vụ theo lĩnh vực",
        [("sector", "Lĩnh vực"), ("count", "Số nhiệm vụ")],
        [{"sector": s.sector, "count": s.count} for s in now.by_sector],
        {"count": COUNT},
    )
    chart = Chart("bar", "Nhiệm vụ theo cấp qua thời gian", 0, "level", [c for c, _ in columns[1:] if c != "delta"])
    return Section("tasks", "Nhiệm vụ quản lý nhà nước", data, [levels_table, sectors], [chart])


async def decisions(org: OrgSource, province: str, as_of: date) -> Section:
    """Agencies and commune organisations with their function decision issued."""
    progress = await org.decision_progress(province, as_of)
    none = LevelProgress(required=0, issued=0)
    levels = {k: schemas.DecisionsIssued(**progress.by_level.get(k, none).model_dump()) for k in UNIT_LEVELS}
    data = schemas.SummaryDecisions(
        by_level=schemas.DecisionsByLevel(**levels),
        by_kind=[
            schemas.DecisionKindProgress(level=r.level, kind=r.kind, required=r.required, issued=r.issued)
            for r in progress.by_kind
        ],
        missing=[schemas.AgencyWithoutDecision(id=a.id, name=a.name, kind=a.kind, level=a.level) for a in progress.missing],
    )
    rows = [
        {"level": LEVELS[k], "required": v.required, "issued": v.issued, "missing": v.required - v.issued}
        for k, v in levels.items()
        if v.required
    ]
    table = Table(
        "Quyết định quy định chức năng, nhiệm vụ, quyền hạn",
        [("level", "Cấp"), ("required", "Phải ban hành"), ("issued", "Đã ban hành"), ("missing", "Còn thiếu")],
        rows,
        {"required": COUNT, "issued": COUNT, "missing": COUNT},
    )
    chart = Chart("bar", "Tiến độ ban hành quyết định", 0, "level", ["required", "issued"])
    return Section("decisions", "Quyết định chức năng, nhiệm vụ", data, [table], [chart])


async def task_findings(org: OrgSource, province: str, as_of: date) -> Section:
    """Tasks without an owner, owned by an ended agency, owned twice, without legal basis, or duplicated."""
    findings = await org.task_findings(province, as_of, limit=500)
    rows = [
        {
            "kind": f.kind,
            "code": f.task_code,
            "title": f.task_title,
            "agencies": ", ".join(a.name for a in f.agencies),
            "reason": f.reason,
            "link": f"/api/v1/org/tasks/{f.task_id}",
        }
        for f in findings.items
    ]
    table = Table(
        "Nhiệm vụ chưa rõ người, rõ việc, rõ thẩm quyền",
        [
            ("kind", "Loại"),
            ("code", "Mã"),
            ("title", "Nhiệm vụ"),
            ("agencies", "Cơ quan"),
            ("reason", "Lý do"),
            ("link", "Bản ghi"),
        ],
        rows,
    )
    data = schemas.GapTasks(
        counts=findings.counts,
        total=findings.total,
        truncated=findings.truncated,
        items=[schemas.TaskFindingItem(**r) for r in rows],
        by_commune=findings.by_commune,
        by_sector=findings.by_sector,
    )
    return Section("tasks", "Nhiệm vụ", data, [table, *feasibility_findings(findings.by_commune, findings.by_sector)])


FEASIBILITY_FINDINGS = (("cannot_carry_out", "Chưa thực hiện được"), ("difficulty_open", "Khó khăn chưa giải quyết"))


def feasibility_findings(by_commune: dict[str, dict[str, int]], by_sector: dict[str, dict[str, int]]) -> list[Table]:
    """The findings of task feasibility (issue #18) counted by commune and by sector."""
    columns = list(FEASIBILITY_FINDINGS)
    formats = {k: COUNT for k, _ in columns}
    return [
        Table(
            f"Nhiệm vụ chưa thực hiện được, có khó khăn theo {what}",
            [("place", heading), *columns],
            [{"place": key, **{k: counts.get(k, 0) for k, _ in columns}} for key, counts in sorted(groups.items())],
            formats,
        )
        for what, heading, groups in (("xã", "Xã", by_commune), ("lĩnh vực", "Lĩnh vực", by_sector))
    ]


async def agencies_without_decision(org: OrgSource, province: str, as_of: date) -> Section:
    """Agencies and commune organisations in force that still lack their function decision."""
    progress = await org.decision_progress(province, as_of)
    rows = [
        {"name": a.name, "kind": a.kind, "level": LEVELS[a.level], "link": f"/api/v1/org/agencies/{a.id}"}
        for a in progress.missing
    ]
    table = Table(
        "Cơ quan, tổ chức chưa có quyết định chức năng, nhiệm vụ",
        [("name", "Tên"), ("kind", "Loại"), ("level", "Cấp"), ("link", "Bản ghi")],
        rows,
    )
    data = schemas.GapAgencies(total=len(rows), items=[schemas.AgencyWithoutDecisionItem(**r) for r in rows])
    return Section("agencies", "Cơ quan chưa có quyết định", data, [table])


async def lineage(org: OrgSource, commune_code: str, as_of: date) -> tuple[Unit, Section]:
    """The commune (as of the date) and the former units it came from."""
    unit = await org.unit_by_code(commune_code, as_of)
    steps = (await org.lineage(unit.id)).predecessors
    rows: list[dict[str, Any]] = [
        {
            "code": s.unit.code,
            "name": s.unit.name,
            "until": s.unit.valid_to,
            "change": s.change.kind,
            "basis": s.change.legal_basis,
        }
        for s in steps
    ]
    table = Table(
        "Đơn vị hành chính trước sắp xếp",
        [("code", "Mã"), ("name", "Tên"), ("until", "Đến ngày"), ("change", "Hình thức"), ("basis", "Căn cứ")],
        rows,
    )
    data = schemas.ProfileLineage(
        unit=schemas.ProfileUnit(
            id=unit.id,
            code=unit.code,
            name=unit.name,
            kind=unit.kind,
            valid_from=unit.valid_from,
            province_code=unit.province_code,
        ),
        predecessors=[schemas.Predecessor(**r) for r in rows],
    )
    return unit, Section("lineage", "Nguồn gốc đơn vị", data, [table])


async def commune_agencies(org: OrgSource, commune_code: str, as_of: date) -> Section:
    page = await org.commune_agencies(commune_code, as_of, limit=500)
    rows = [{"name": a.name, "kind": a.kind, "link": f"/api/v1/org/agencies/{a.id}"} for a in page.items]
    table = Table("Cơ quan, tổ chức của xã", [("name", "Tên"), ("kind", "Loại"), ("link", "Bản ghi")], rows)
    data = schemas.ProfileAgencies(agencies_of_commune=len(rows), items=[schemas.CommuneAgency(**r) for r in rows])
    return Section("agencies", "Cơ quan, tổ chức", data, [table])


async def commune_tasks(org: OrgSource, province: str, unit_id: str, as_of: date) -> Section:
    """How many tasks the commune's agencies hold on the date."""
    stats = await org.task_stats(province, as_of, unit_id=unit_id)
    total = next((u.count for u in stats.by_unit or [] if u.unit_id == unit_id), 0)
    table = Table(
        "Nhiệm vụ của xã",
        [("label", "Chỉ tiêu"), ("count", "Số nhiệm vụ")],
        [{"label": "Nhiệm vụ do các cơ quan của xã đảm nhận", "count": total}],
        {"count": COUNT},
    )
    return Section("tasks", "Nhiệm vụ", schemas.ProfileTasks(tasks_of_commune_agencies=total), [table])
