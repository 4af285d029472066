"""org-structure's task feasibility and plans as reporting's fake gateway answers them (issue #18).

Each body is built from records (feasibility statuses, plan items) by counting them the way
org-structure's contract says, so a test changes a record (one more overdue item) and checks
the report moves by exactly that. Bodies are checked against the producers' models
(:mod:`.producers`) after each test.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import httpx
import respx

PROVINCE = "04"
AS_OF = date(2026, 4, 15)
PLAN_ID = "5d6c7b8a-1f2e-4d3c-9b8a-7f6e5d4c3b2a"
OWNER_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
# NOTE: /tasks/findings' feasibility counts when no holder reported a difficulty
NO_FEASIBILITY = {"open_days": 30, "by_commune": {}, "by_sector": {}}
STAMP = {"version": 1, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    commune_code: str | None


SO_NOI_VU = Agency("1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "Sở Nội vụ tỉnh Cao Bằng", None)
QUANG_LAM = Agency("2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f", "UBND xã Quảng Lâm", "01304")
THUC_PHAN = Agency("3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f7a", "UBND phường Thục Phán", "01273")


@dataclass(frozen=True)
class Item:
    code: str
    agency: Agency
    deadline: date
    status: str = "in_progress"
    percent: int = 50
    completed_on: date | None = None
    measure: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def on_time(self) -> bool | None:
        return None if self.completed_on is None else self.completed_on <= self.deadline

    def overdue_on(self, day: date) -> bool:
        return self.status not in ("done", "cancelled") and self.deadline < day


ITEMS = [
    Item("1.1", SO_NOI_VU, date(2025, 9, 30), "done", 100, date(2025, 9, 20), measure="people_placed"),
    Item("1.2", QUANG_LAM, date(2026, 3, 31), "in_progress", 60, measure="premises_handed_over"),
    Item("1.3", THUC_PHAN, date(2026, 2, 28), "not_started", 0),
    Item("2.1", QUANG_LAM, date(2026, 1, 31), "done", 100, date(2026, 2, 10)),
    Item("2.2", THUC_PHAN, date(2026, 6, 30), "in_progress", 30, measure="difficulties_resolved"),
    Item("2.3", SO_NOI_VU, date(2026, 4, 1), "cancelled", 0),
]


def overdue_item(code: str, agency: Agency, deadline: date) -> Item:
    """One more item, past its deadline and not done."""
    return Item(code, agency, deadline, "in_progress", 10)


def done(item: Item, on: date) -> Item:
    return replace(item, status="done", percent=100, completed_on=on)


def _in(items: list[Item], commune: str | None) -> list[Item]:
    return [i for i in items if commune is None or i.agency.commune_code == commune]


def plan_stats(items: list[Item], commune: str | None, as_of: date, start: date, end: date) -> dict[str, Any]:
    """``GET /plans/stats`` counted from the items."""
    items = _in(items, commune)
    overdue = [i for i in items if i.overdue_on(as_of)]
    by_agency = Counter(i.agency for i in overdue)
    by_commune = Counter(i.agency.commune_code for i in overdue)
    due: dict[Agency, list[Item]] = defaultdict(list)
    for i in items:
        if start <= i.deadline <= end and i.status != "cancelled":
            due[i.agency].append(i)

    def rate(on_time: int, of: int) -> str | None:
        return None if of == 0 else f"{on_time / of:.4f}"

    return {
        "as_of": as_of.isoformat(),
        "province": PROVINCE,
        "commune": commune,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "plans_open": 1,
        "items": dict(Counter(i.status for i in items)),
        "overdue": len(overdue),
        "overdue_by_agency": [
            {"agency_id": a.id, "name": a.name, "commune_code": a.commune_code, "overdue": n}
            for a, n in sorted(by_agency.items(), key=lambda kv: kv[0].name)
        ],
        "overdue_by_commune": [
            {"commune_code": c, "overdue": n} for c, n in sorted(by_commune.items(), key=lambda kv: kv[0] or "")
        ],
        "on_time": [
            {
                "agency_id": a.id,
                "name": a.name,
                "due": len(its),
                "done_on_time": sum(1 for i in its if i.on_time is True),
                "done_late": sum(1 for i in its if i.on_time is False),
                "rate": rate(sum(1 for i in its if i.on_time is True), len(its)),
            }
            for a, its in sorted(due.items(), key=lambda kv: kv[0].name)
        ],
    }


def overdue_page(items: list[Item], commune: str | None, as_of: date) -> dict[str, Any]:
    """``GET /plans/overdue``: the items past their deadline, most overdue first."""
    overdue = sorted((i for i in _in(items, commune) if i.overdue_on(as_of)), key=lambda i: (i.deadline, i.code))
    return {
        "items": [
            {
                "item_id": i.id,
                "plan_id": PLAN_ID,
                "plan_code": "KH-01",
                "code": i.code,
                "title": f"Nhiệm vụ {i.code}",
                "deadline": i.deadline.isoformat(),
                "days_overdue": (as_of - i.deadline).days,
                "status": i.status,
                "progress_percent": i.percent,
                "province_code": PROVINCE,
                "commune_code": i.agency.commune_code,
                "assignee_agency_id": i.agency.id,
                "assignee_agency_name": i.agency.name,
                "assignee_person_id": None,
                "superior_agency_id": OWNER_ID,
                "superior_agency_name": "UBND tỉnh Cao Bằng",
            }
            for i in overdue
        ],
        "next": None,
    }


def plan_body(items: list[Item]) -> dict[str, Any]:
    """``GET /plans/{id}``: the plan with every item."""
    return {
        "id": PLAN_ID,
        "province_code": PROVINCE,
        "code": "KH-01",
        "title": "Kế hoạch triển khai mô hình chính quyền địa phương hai cấp",
        "owner_agency_id": OWNER_ID,
        "decision_number": "1234/QĐ-UBND",
        "decision_signed_on": "2025-07-01",
        "decision_issuer": "UBND tỉnh Cao Bằng",
        "document_url": None,
        "starts_on": "2025-07-01",
        "ends_on": "2026-12-31",
        "status": "open",
        "closed_on": None,
        "assessment": None,
        "rating": None,
        **STAMP,
        "items": [
            {
                "id": i.id,
                "plan_id": PLAN_ID,
                "code": i.code,
                "title": f"Nhiệm vụ {i.code}",
                "expected_output": None,
                "assignee_agency_id": i.agency.id,
                "assignee_agency_name": i.agency.name,
                "assignee_placement_id": None,
                "assignee_person_id": None,
                "province_code": PROVINCE,
                "commune_code": i.agency.commune_code,
                "starts_on": None,
                "deadline": i.deadline.isoformat(),
                "status": i.status,
                "progress_percent": i.percent,
                "completed_on": i.completed_on.isoformat() if i.completed_on else None,
                "measure": i.measure,
                "assessment": None,
                "on_time": i.on_time,
                "depends_on": [],
                "links": [],
                "reminders": [],
                **STAMP,
            }
            for i in items
        ],
    }


@dataclass(frozen=True)
class Status:
    """A task feasibility status in force."""

    commune_code: str | None
    sector: str
    status: str
    reasons: tuple[str, ...] = ()
    proposal: str | None = None
    answer: str | None = None
    open_over: bool = False


STATUSES = [
    Status("01304", "Tư pháp", "with_difficulties", ("no_skilled_staff",), open_over=True),
    Status("01304", "Đất đai", "cannot_carry_out", ("no_equipment_or_software", "funding"), "return_to_province", "open"),
    Status("01273", "Đất đai", "cannot_carry_out", ("unclear_legal_basis",), "amend_legal_basis", "resolved"),
    Status("01273", "Tư pháp", "normal"),
    Status("01273", "Y tế", "with_difficulties", ("workload",), "train", "accepted"),
    Status(None, "Nội vụ", "normal"),
]


def feasibility_stats(statuses: list[Status], commune: str | None, as_of: date) -> dict[str, Any]:
    """``GET /task-feasibility/stats`` counted from the statuses."""
    statuses = [s for s in statuses if commune is None or s.commune_code == commune]
    proposals: dict[str, Counter[str]] = defaultdict(Counter)
    for s in statuses:
        if s.proposal and s.answer:
            proposals[s.proposal][s.answer] += 1
    communes = sorted({s.commune_code for s in statuses}, key=lambda c: c or "")
    sectors = sorted({s.sector for s in statuses})

    def count(rows: list[Status], status: str) -> int:
        return sum(1 for s in rows if s.status == status)

    return {
        "as_of": as_of.isoformat(),
        "province": PROVINCE,
        "commune": commune,
        "open_days": 30,
        "tasks_reported": len(statuses),
        "by_status": dict(Counter(s.status for s in statuses)),
        "by_reason": dict(Counter(r for s in statuses for r in s.reasons)),
        "proposals": {p: dict(states) for p, states in proposals.items()},
        "open_over_days": sum(1 for s in statuses if s.open_over),
        "by_commune": [
            {
                "commune_code": c,
                "normal": count(rows, "normal"),
                "with_difficulties": count(rows, "with_difficulties"),
                "cannot_carry_out": count(rows, "cannot_carry_out"),
                "open_over_days": sum(1 for s in rows if s.open_over),
            }
            for c in communes
            for rows in [[s for s in statuses if s.commune_code == c]]
        ],
        "by_sector": [
            {
                "sector": sector,
                "with_difficulties": count(rows, "with_difficulties"),
                "cannot_carry_out": count(rows, "cannot_carry_out"),
            }
            for sector in sectors
            for rows in [[s for s in statuses if s.sector == sector]]
        ],
    }


def _day(request: httpx.Request, name: str) -> date:
    return date.fromisoformat(request.url.params[name])


def fake_operations(mock: respx.MockRouter, items: list[Item] | None = None, statuses: list[Status] | None = None) -> None:
    """org-structure's plans and task feasibility, answering for ``items`` and ``statuses`` (the defaults above)."""
    items = ITEMS if items is None else items
    statuses = STATUSES if statuses is None else statuses

    def stats(request: httpx.Request) -> httpx.Response:
        start, end = _day(request, "from"), _day(request, "to")
        return httpx.Response(200, json=plan_stats(items, request.url.params.get("commune"), _day(request, "as_of"), start, end))

    def overdue(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=overdue_page(items, request.url.params.get("commune"), _day(request, "as_of")))

    def feasibility(request: httpx.Request) -> httpx.Response:
        body = feasibility_stats(statuses, request.url.params.get("commune"), _day(request, "as_of"))
        return httpx.Response(200, json=body)

    # NOTE: the return values are the province's on AS_OF over its year, for a test that answers every route itself
    year = (date(AS_OF.year, 1, 1), date(AS_OF.year, 12, 31))
    mock.get("/api/v1/org/plans/stats", name="plan_stats").mock(
        return_value=httpx.Response(200, json=plan_stats(items, None, AS_OF, *year)), side_effect=stats
    )
    mock.get("/api/v1/org/plans/overdue", name="plans_overdue").mock(
        return_value=httpx.Response(200, json=overdue_page(items, None, AS_OF)), side_effect=overdue
    )
    mock.get(f"/api/v1/org/plans/{PLAN_ID}", name="plan").respond(json=plan_body(items))
    mock.get("/api/v1/org/task-feasibility/stats", name="feasibility_stats").mock(
        return_value=httpx.Response(200, json=feasibility_stats(statuses, None, AS_OF)), side_effect=feasibility
    )
