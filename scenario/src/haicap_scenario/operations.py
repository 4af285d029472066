"""The operating part of the demo: the province's implementation plan and the tasks communes struggle with.

- Cao Bằng's plan for the two-tier model (:data:`PLAN_CODE`), issued by the People's Committee and
  followed by the Department of Home Affairs: an item for each of the 14 departments (guidance to the
  communes in its sector), five province-wide items whose progress reporting measures from the
  records themselves (people placed, premises and cars handed over, tasks with an owner, difficulties
  resolved), and three items for each of the 56 communes (receive the district's files, report on the
  first year, digitise the records received), with dependencies between them. Each item is reported
  on by its assignee on the days it moved: most done on time, some late, a few still open past their
  deadline, so the reports have overdue items and on-time rates to show.
- :data:`DIFFICULTY_SHARE` of the commune tasks reported as carried out with difficulties or not yet
  carried out, with the controlled reasons, the proposals the communes made and the answers of the
  province to some of them.

The plan is a demo: its number and items are modelled on the plans provinces published in 2025,
not copied from Cao Bằng's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .api import Api, each
from .org import OrgState
from .targets import REFORM

ORG, P, A = "/api/v1/org", "/api/v1/personnel", "/api/v1/assets"
PLAN_CODE = "KH-CQĐP2C-2025"
PLAN_TITLE = "Kế hoạch triển khai thực hiện mô hình chính quyền địa phương 2 cấp trên địa bàn tỉnh Cao Bằng"
PLAN_DECISION = "125/KH-UBND"
PLAN_SIGNED = date(2025, 6, 27)
PLAN_ENDS = date(2026, 12, 31)
HOME_AFFAIRS, FINANCE = "Nội vụ", "Tài chính"
DIFFICULTY_SHARE = 0.05
CANNOT_YET = 6
"""Of the tasks reported with difficulties, those the commune cannot carry out yet (each with a proposal)."""
REASONS = (
    "no_skilled_staff",
    "no_equipment_or_software",
    "unclear_legal_basis",
    "overlap_with_other_agency",
    "workload",
    "funding",
)
PROPOSALS = ("return_to_province", "reassign", "train", "amend_legal_basis")
GUIDANCE_DUE = date(2025, 8, 29)
HANDOVER_DUE = date(2025, 9, 30)
RECEIVE_DUE = date(2025, 8, 15)
FIRST_YEAR_DUE = date(2026, 7, 15)
DIGITISE_DUE = date(2026, 11, 20)


@dataclass(frozen=True)
class Outcome:
    """How an item went: its reports (day, percent) and whether the last one closes it."""

    reports: list[tuple[date, int]]
    done: bool


def _outcome(rng: random.Random, starts: date, deadline: date, *, late_share: float, open_share: float) -> Outcome:
    """Reports from ``starts``: done by the deadline, done late, or still open (at most 90%)."""
    draw = rng.random()
    span = max((deadline - starts).days, 3)
    first = starts + timedelta(days=rng.randint(1, span // 3))
    middle = first + timedelta(days=rng.randint(1, span // 3))
    if draw < open_share:
        return Outcome([(first, rng.choice((20, 30, 40))), (middle, rng.choice((50, 60, 70, 80, 90)))], done=False)
    finished = (
        deadline + timedelta(days=rng.randint(3, 40))
        if draw < open_share + late_share
        else deadline - timedelta(days=rng.randint(0, span // 3))
    )
    return Outcome([(first, rng.choice((30, 40, 50))), (max(finished, middle + timedelta(days=1)), 100)], done=True)


def _items(state: OrgState, rng: random.Random, person_placement: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The plan's items, each with its outcome under ``"_outcome"`` (not sent)."""
    items: list[dict[str, Any]] = []

    def item(code: str, title: str, output: str, agency: dict[str, Any], starts: date, deadline: date, **extra: Any) -> None:
        items.append(
            {
                "code": code,
                "title": title,
                "expected_output": output,
                "assignee_agency_id": agency["id"],
                "starts_on": starts.isoformat(),
                "deadline": deadline.isoformat(),
                **extra,
            }
        )

    for number, (sector, department) in enumerate(sorted(state.departments.items()), start=1):
        item(
            f"1.{number}",
            f"Hướng dẫn chuyên môn, nghiệp vụ cho UBND cấp xã về lĩnh vực {sector}",
            "Văn bản hướng dẫn gửi 56 xã, phường",
            department,
            REFORM,
            GUIDANCE_DUE,
        )
    home_affairs, finance = state.departments[HOME_AFFAIRS], state.departments[FINANCE]
    staff = {"assignee_placement_id": person_placement["id"]} if person_placement else {}
    item(
        "2.1",
        "Bố trí, sắp xếp cán bộ, công chức, viên chức cấp xã",
        "Quyết định bố trí",
        home_affairs,
        REFORM,
        HANDOVER_DUE,
        measure="people_placed",
    )
    item(
        "2.2",
        "Bàn giao trụ sở làm việc của cấp huyện cho cấp xã",
        "Biên bản bàn giao",
        finance,
        REFORM,
        HANDOVER_DUE,
        measure="premises_handed_over",
    )
    item("2.3", "Bàn giao xe ô tô của cấp huyện", "Biên bản bàn giao", finance, REFORM, HANDOVER_DUE, measure="cars_handed_over")
    item(
        "2.4",
        "Rà soát danh mục nhiệm vụ chưa có cơ quan chủ trì",
        "Danh mục nhiệm vụ được giao",
        home_affairs,
        REFORM,
        date(2025, 12, 31),
        measure="tasks_owned",
        **staff,
    )
    item(
        "2.5",
        "Tổng hợp, giải quyết kiến nghị của cấp xã về nhiệm vụ chưa thực hiện được",
        "Báo cáo tổng hợp",
        home_affairs,
        date(2025, 9, 1),
        date(2026, 12, 15),
        measure="difficulties_resolved",
    )
    for number, commune in enumerate(sorted(state.communes, key=lambda c: c["code"]), start=1):
        committee = state.commune_offices.get((commune["id"], "commune_office")) or next(
            office for (unit_id, _kind), office in state.commune_offices.items() if unit_id == commune["id"]
        )
        name = commune["name"]
        item(
            f"3.{number}",
            f"Tiếp nhận hồ sơ, tài liệu, nhiệm vụ từ cấp huyện - {name}",
            "Biên bản tiếp nhận",
            committee,
            REFORM,
            RECEIVE_DUE,
        )
        item(
            f"4.{number}",
            f"Báo cáo đánh giá một năm vận hành chính quyền cấp xã - {name}",
            "Báo cáo đánh giá",
            committee,
            date(2026, 6, 1),
            FIRST_YEAR_DUE,
            depends_on=[f"3.{number}"],
        )
        item(
            f"5.{number}",
            f"Số hóa hồ sơ, dữ liệu tiếp nhận từ cấp huyện - {name}",
            "Dữ liệu trên hệ thống",
            committee,
            date(2026, 3, 1),
            DIGITISE_DUE,
            depends_on=[f"3.{number}"],
        )
    for body in items:
        code = body["code"]
        starts, deadline = date.fromisoformat(body["starts_on"]), date.fromisoformat(body["deadline"])
        late, still_open = (0.15, 0.05) if code.startswith(("1.", "3.", "4.")) else (0.2, 0.3)
        if code.startswith("2."):
            late, still_open = (0.5, 0.0) if code != "2.5" else (0.0, 1.0)
        body["_outcome"] = _outcome(rng, starts, deadline, late_share=late, open_share=still_open)
    by_code = {body["code"]: body for body in items}
    for body in items:
        # NOTE: an item is not done while one it depends on is open (the service refuses it).
        if any(not by_code[code]["_outcome"].done for code in body.get("depends_on", [])):
            body["_outcome"] = Outcome(body["_outcome"].reports[:1], done=False)
    return items


async def _person_of(api: Api, department: dict[str, Any]) -> dict[str, Any] | None:
    """A placement in force at the department (the civil servant an item is given to), if any."""
    page = await api.get(f"{P}/placements", agency_id=department["id"], limit=1)
    items: list[dict[str, Any]] = page["items"]
    return items[0] if items else None


async def _report(api: Api, item: dict[str, Any], outcome: Outcome, narratives: dict[bool, str]) -> dict[str, Any]:
    """Post the item's progress reports in order; the item as the last answer left it."""
    current = item
    for number, (day, percent) in enumerate(outcome.reports):
        last = number == len(outcome.reports) - 1
        body: dict[str, Any] = {
            "reported_on": day.isoformat(),
            "percent": percent,
            "narrative": narratives[last and outcome.done],
            "done": last and outcome.done,
        }
        if last and outcome.done:
            body["evidence"] = [
                {"title": "Báo cáo kết quả thực hiện", "document_number": f"{100 + number}/BC", "issued_on": day.isoformat()}
            ]
        await api.call(
            "POST", f"{ORG}/plan-items/{current['id']}/progress", json=body, headers={"If-Match": f'"{current["version"]}"'}
        )
        current = await api.get(f"{ORG}/plan-items/{current['id']}")
    return current


async def _load_plan(api: Api, rng: random.Random, state: OrgState, today: date) -> dict[str, int]:
    home_affairs = state.departments[HOME_AFFAIRS]
    person = await _person_of(api, home_affairs)
    items = _items(state, rng, person)
    sent = [{k: v for k, v in body.items() if not k.startswith("_")} for body in items]
    plan = await api.post(
        f"{ORG}/plans",
        {
            "code": PLAN_CODE,
            "title": PLAN_TITLE,
            "owner_agency_id": home_affairs["id"],
            "decision_number": PLAN_DECISION,
            "decision_signed_on": PLAN_SIGNED.isoformat(),
            "decision_issuer": "Ủy ban nhân dân tỉnh Cao Bằng",
            "starts_on": REFORM.isoformat(),
            "ends_on": PLAN_ENDS.isoformat(),
            "items": sent,
        },
    )
    created = {item["code"]: item for item in plan["items"]}
    narratives = {False: "Đang triển khai theo kế hoạch", True: "Đã hoàn thành"}
    order = sorted(items, key=lambda b: (b["code"].split(".")[0], b["code"]))

    async def follow(body: dict[str, Any]) -> None:
        outcome: Outcome = body["_outcome"]
        reports = [(day, percent) for day, percent in outcome.reports if day <= today]
        if reports:
            await _report(api, created[body["code"]], Outcome(reports, outcome.done and reports == outcome.reports), narratives)

    # NOTE: the communes' first items (3.x) are closed before the items depending on them move.
    for stage in ("1", "2", "3", "4", "5"):
        await each([b for b in order if b["code"].split(".")[0] == stage], follow)
    done = sum(1 for b in items if b["_outcome"].done and all(day <= today for day, _ in b["_outcome"].reports))
    return {"plans": 1, "plan_items": len(items), "plan_items_done": done}


async def _load_difficulties(api: Api, rng: random.Random, province: str, today: date) -> dict[str, int]:
    """Statuses of :data:`DIFFICULTY_SHARE` of the commune tasks, with proposals and some answers."""
    tasks = await api.all(f"{ORG}/tasks", province=province, level="commune", as_of=today.isoformat())
    chosen = rng.sample(tasks, max(1, round(len(tasks) * DIFFICULTY_SHARE)))
    counts = {"task_difficulties": len(chosen), "cannot_carry_out": 0, "answered": 0}
    answers = ["resolved", "resolved", "accepted", "rejected"]

    async def record(numbered: tuple[int, dict[str, Any]]) -> None:
        number, task = numbered
        cannot = number < CANNOT_YET
        reasons = sorted(rng.sample(REASONS, rng.randint(1, 2)))
        # NOTE: a status is reported by the agency holding the task that day: after it took the task over.
        first = max(REFORM + timedelta(days=45), date.fromisoformat(task["owner_since"]) + timedelta(days=1))
        day = first + timedelta(days=rng.randint(0, max(0, (today - first).days - 20)))
        proposal = rng.choice(PROPOSALS) if cannot or rng.random() < 0.4 else None
        body: dict[str, Any] = {
            "agency_id": task["owner_agency_id"],
            "valid_from": day.isoformat(),
            "status": "cannot_carry_out" if cannot else "with_difficulties",
            "reasons": reasons,
            "reason_text": "Thiếu công chức có chuyên môn phù hợp sau sắp xếp" if "no_skilled_staff" in reasons else None,
            "proposal": proposal,
            "proposal_text": "Đề nghị tỉnh hướng dẫn, hỗ trợ" if proposal else None,
        }
        status = await api.post(f"{ORG}/tasks/{task['id']}/feasibility", body)
        counts["cannot_carry_out"] += cannot
        if proposal and number < len(answers):
            answered = day + timedelta(days=rng.randint(10, 15))
            await api.call(
                "POST",
                f"{ORG}/task-feasibility/{status['id']}/answer",
                json={
                    "state": answers[number],
                    "answered_on": min(answered, today).isoformat(),
                    "decision": f"{rng.randint(100, 999)}/UBND-NV",
                    "note": "Sở Nội vụ trả lời kiến nghị của xã",
                },
                headers={"If-Match": f'"{status["version"]}"'},
            )
            counts["answered"] += 1

    await each(list(enumerate(chosen)), record)
    return counts


async def load_operations(api: Api, rng: random.Random, province: str, state: OrgState, today: date) -> dict[str, Any]:
    """The plan with its follow-up, then the task difficulties; what each made."""
    plan = await _load_plan(api, rng, state, today)
    difficulties = await _load_difficulties(api, rng, province, today)
    return {**plan, **difficulties}
