"""The workload section (issue #18): tasks held, people placed and tasks per person, by commune and agency.

Read from org-structure (``/workload/communes`` and ``/workload/agencies``: the tasks each
commune's agencies and each agency hold on the date, and over the communes it came from on the
baseline) and personnel (``/stats/headcount``: primary placements in force by commune and
agency on the date and on the baseline, and by commune and category on the date), all asked at once.
Tasks per person are exact decimals (2 places, half up); the median is the province's
communes' (those with people), and the communes furthest above it are ranked by their ratio.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from ..composition import Chart, Section, Table
from ..labels import COUNT, LEVELS
from ..reports import schemas
from ..sources import org as org_source
from ..sources.org import OrgSource
from ..sources.personnel import HeadcountStats, PersonnelSource, headcount_by

BASELINE = date(2025, 6, 30)
"""The day before the two-tier model: the change is measured from it."""
ABOVE_MEDIAN = 10
TWO_PLACES = Decimal("0.01")
RATIO = "0.00"
CATEGORIES = {"cadre": "Cán bộ", "civil_servant": "Công chức", "public_employee": "Viên chức"}


def per_person(tasks: int, people: int) -> Decimal | None:
    """``tasks / people`` to 2 decimal places, half up; ``None`` when no one is placed."""
    if not people:
        return None
    return (Decimal(tasks) / Decimal(people)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The median to 2 decimal places, half up (the mean of the middle two for an even count)."""
    if not values:
        return None
    return Decimal(statistics.median(values)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Fetched:
    """What the section reads: the org rows and personnel's headcounts, now and on the baseline."""

    communes: org_source.CommuneWorkloads
    agencies: org_source.AgencyWorkloads
    by_place: HeadcountStats
    by_commune_category: HeadcountStats
    by_place_then: HeadcountStats


async def _in_order(*calls: Awaitable[Any]) -> list[Any]:
    """The results, the calls made at once; when some fail, the first failure in the order given is raised."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    if failed := next((r for r in results if isinstance(r, BaseException)), None):
        raise failed
    return list(results)


async def read(org: OrgSource, personnel: PersonnelSource, province: str, as_of: date) -> Fetched:
    """Every call of the section, at once: org-structure's first, so a failing org names org-structure."""
    found = await _in_order(
        org_source.commune_workload(org, province, as_of, BASELINE),
        org_source.agency_workload(org, province, as_of, BASELINE),
        # NOTE: by commune and agency at once: a commune's figures are its agencies' added up (one scan, not two)
        headcount_by(personnel, province, as_of, "commune", "agency"),
        headcount_by(personnel, province, as_of, "commune", "category"),
        headcount_by(personnel, province, BASELINE, "commune", "agency"),
    )
    return Fetched(*found)


def _by(stats: HeadcountStats, dimension: str) -> dict[str, tuple[int, int]]:
    """(people, quota) by the group's value of ``dimension``, the rows of each value added up."""
    found: dict[str, tuple[int, int]] = {}
    for r in stats.rows:
        people, quota = found.get(key := str(r.group.get(dimension)), (0, 0))
        found[key] = (people + r.headcount, quota + (r.quota or 0))
    return found


def _change(now_tasks: int, now_people: int, baseline: schemas.WorkloadBaseline) -> schemas.WorkloadChange:
    now = per_person(now_tasks, now_people)
    then = baseline.tasks_per_person
    return schemas.WorkloadChange(
        tasks_held=now_tasks - baseline.tasks_held,
        people=now_people - baseline.people,
        tasks_per_person=None if now is None or then is None else now - then,
    )


def _baseline(tasks: int, people: int) -> schemas.WorkloadBaseline:
    return schemas.WorkloadBaseline(tasks_held=tasks, people=people, tasks_per_person=per_person(tasks, people))


def commune_rows(found: Fetched) -> list[schemas.WorkloadCommune]:
    """Each commune's figures, its people and baseline people added up from personnel's groups."""
    people, people_then = _by(found.by_place, "commune"), _by(found.by_place_then, "commune")
    categories: dict[str, dict[str, int]] = {}
    for r in found.by_commune_category.rows:
        if r.headcount and (category := r.group.get("category")) is not None:
            categories.setdefault(str(r.group.get("commune")), {})[category] = r.headcount
    rows = []
    for c in found.communes.rows:
        placed, quota = people.get(c.commune_code, (0, 0))
        # NOTE: a commune in force on the baseline has no predecessors: its own code counts then.
        then = sum(people_then.get(code, (0, 0))[0] for code in c.predecessor_codes or [c.commune_code])
        baseline = _baseline(c.baseline.tasks_held, then)
        rows.append(
            schemas.WorkloadCommune(
                commune_code=c.commune_code,
                name=c.name,
                agencies=c.agencies,
                tasks_lead=c.tasks_lead,
                tasks_shared=c.tasks_shared,
                tasks_held=c.tasks_held,
                people=placed,
                people_by_category=categories.get(c.commune_code, {}),
                quota=quota,
                tasks_per_person=per_person(c.tasks_held, placed),
                predecessor_codes=c.predecessor_codes,
                baseline=baseline,
                change=_change(c.tasks_held, placed, baseline),
            )
        )
    return rows


def agency_rows(found: Fetched) -> list[schemas.WorkloadAgency]:
    people, people_then = _by(found.by_place, "agency"), _by(found.by_place_then, "agency")
    rows = []
    for a in found.agencies.rows:
        placed, quota = people.get(a.agency_id, (0, 0))
        baseline = (
            None if a.baseline_tasks_held is None else _baseline(a.baseline_tasks_held, people_then.get(a.agency_id, (0, 0))[0])
        )
        rows.append(
            schemas.WorkloadAgency(
                agency_id=a.agency_id,
                name=a.name,
                level=a.level.value,
                commune_code=a.commune_code,
                parent_id=a.parent_id,
                tasks_lead=a.tasks_lead,
                tasks_shared=a.tasks_shared,
                tasks_held=a.tasks_held,
                people=placed,
                quota=quota,
                tasks_per_person=per_person(a.tasks_held, placed),
                baseline=baseline,
                change=None if baseline is None else _change(a.tasks_held, placed, baseline),
            )
        )
    return rows


def above_median(communes: Sequence[schemas.WorkloadCommune], middle: Decimal | None) -> list[schemas.WorkloadAboveMedian]:
    """The communes above the median, furthest first (by ratio; by tasks per person when the median is 0), at most 10."""
    if middle is None:
        return []
    above = [c for c in communes if c.tasks_per_person is not None and c.tasks_per_person > middle]
    above.sort(key=lambda c: (-cast(Decimal, c.tasks_per_person), c.commune_code))
    return [
        schemas.WorkloadAboveMedian(
            commune_code=c.commune_code,
            name=c.name,
            tasks_per_person=cast(Decimal, c.tasks_per_person),
            ratio_to_median=(cast(Decimal, c.tasks_per_person) / middle).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
            if middle
            else None,
        )
        for c in above[:ABOVE_MEDIAN]
    ]


def figures(found: Fetched) -> schemas.WorkloadSection:
    """The province's section: every commune and agency, the median and the communes furthest above it."""
    communes = commune_rows(found)
    middle = median([c.tasks_per_person for c in communes if c.tasks_per_person is not None])
    return schemas.WorkloadSection(
        baseline_date=BASELINE,
        median_tasks_per_person=middle,
        above_median=above_median(communes, middle),
        communes=communes,
        agencies=agency_rows(found),
    )


def _tables(data: schemas.WorkloadSection) -> tuple[list[Table], list[Chart]]:
    counts = ("agencies", "tasks_lead", "tasks_shared", "tasks_held", "people", "quota")
    communes = Table(
        "Khối lượng nhiệm vụ theo xã",
        [
            ("commune_code", "Mã xã"),
            ("name", "Tên xã"),
            ("agencies", "Số cơ quan"),
            ("tasks_lead", "Nhiệm vụ chủ trì"),
            ("tasks_shared", "Nhiệm vụ phối hợp"),
            ("tasks_held", "Nhiệm vụ đảm nhận"),
            ("people", "Số người"),
            ("quota", "Biên chế giao"),
            ("tasks_per_person", "Nhiệm vụ/người"),
            ("baseline_tasks_held", f"Nhiệm vụ ngày {BASELINE.isoformat()}"),
            ("baseline_people", f"Số người ngày {BASELINE.isoformat()}"),
            ("baseline_tasks_per_person", f"Nhiệm vụ/người ngày {BASELINE.isoformat()}"),
            ("change_tasks_per_person", "Tăng/giảm nhiệm vụ/người"),
        ],
        [
            {
                **c.model_dump(include=set(counts) | {"commune_code", "name", "tasks_per_person"}),
                "baseline_tasks_held": c.baseline.tasks_held,
                "baseline_people": c.baseline.people,
                "baseline_tasks_per_person": c.baseline.tasks_per_person,
                "change_tasks_per_person": c.change.tasks_per_person,
            }
            for c in data.communes
        ],
        {
            **dict.fromkeys((*counts, "baseline_tasks_held", "baseline_people"), COUNT),
            **dict.fromkeys(("tasks_per_person", "baseline_tasks_per_person", "change_tasks_per_person"), RATIO),
        },
    )
    seen = sorted({k for c in data.communes for k in c.people_by_category})
    categories = Table(
        "Người làm việc theo xã và loại",
        [("commune_code", "Mã xã"), ("name", "Tên xã"), *((k, CATEGORIES.get(k, k)) for k in seen)],
        [
            {"commune_code": c.commune_code, "name": c.name, **{k: c.people_by_category.get(k, 0) for k in seen}}
            for c in data.communes
        ],
        dict.fromkeys(seen, COUNT),
    )
    above = Table(
        f"Xã có nhiệm vụ/người cao nhất so với trung vị ({data.median_tasks_per_person})",
        [
            ("commune_code", "Mã xã"),
            ("name", "Tên xã"),
            ("tasks_per_person", "Nhiệm vụ/người"),
            ("ratio_to_median", "So với trung vị"),
        ],
        [a.model_dump() for a in data.above_median],
        {"tasks_per_person": RATIO, "ratio_to_median": RATIO},
    )
    agencies = Table(
        "Khối lượng nhiệm vụ theo cơ quan",
        [
            ("name", "Cơ quan"),
            ("level", "Cấp"),
            ("commune_code", "Mã xã"),
            ("tasks_held", "Nhiệm vụ đảm nhận"),
            ("people", "Số người"),
            ("quota", "Biên chế giao"),
            ("tasks_per_person", "Nhiệm vụ/người"),
            ("baseline_tasks_held", f"Nhiệm vụ ngày {BASELINE.isoformat()}"),
            ("baseline_people", f"Số người ngày {BASELINE.isoformat()}"),
        ],
        [
            {
                "name": a.name,
                "level": LEVELS[a.level],
                "commune_code": a.commune_code,
                "tasks_held": a.tasks_held,
                "people": a.people,
                "quota": a.quota,
                "tasks_per_person": a.tasks_per_person,
                "baseline_tasks_held": a.baseline.tasks_held if a.baseline else None,
                "baseline_people": a.baseline.people if a.baseline else None,
            }
            for a in data.agencies
        ],
        {"tasks_held": COUNT, "people": COUNT, "quota": COUNT, "tasks_per_person": RATIO},
    )
    chart = Chart("bar", "Nhiệm vụ bình quân mỗi người theo xã", 0, "name", ["tasks_per_person"])
    return [communes, categories, above, agencies], [chart]


def section(data: schemas.WorkloadSection) -> Section:
    tables, charts = _tables(data)
    return Section("workload", "Khối lượng nhiệm vụ", data, tables, charts)


async def province_workload(org: OrgSource, personnel: PersonnelSource, province: str, as_of: date) -> Section:
    """The province's section: every commune and agency on ``as_of`` against the baseline."""
    return section(figures(await read(org, personnel, province, as_of)))


async def commune_workload(org: OrgSource, personnel: PersonnelSource, province: str, commune: str, as_of: date) -> Section:
    """The commune profile's section: the commune's row and its agencies, with the province's median."""
    data = figures(await read(org, personnel, province, as_of))
    mine = data.model_copy(
        update={
            "communes": [c for c in data.communes if c.commune_code == commune],
            "agencies": [a for a in data.agencies if a.commune_code == commune],
            "above_median": [a for a in data.above_median if a.commune_code == commune],
        }
    )
    return section(mine)
