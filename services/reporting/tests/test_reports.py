"""Reports composed from the sources (answered here by respx for the gateway)."""

import asyncio
import contextlib
import csv
import io
import uuid

import httpx
import pytest
import respx
from openpyxl import load_workbook

from haicap_shared.roles import Role
from haicap_shared.testing import UPSTREAMS, TestTokens, assert_problem

from .conftest import GATEWAY
from .dossier_fakes import assets_rows, fake_dossiers, stats_body
from .operations_fakes import NO_FEASIBILITY, fake_operations
from .producers import assert_fakes_match_producers
from .workload_fakes import fake_workload

PROVINCE = "04"
QUANG_LAM_ID = str(uuid.uuid4())


def _stats(province: int, district: int, commune: int) -> dict:
    return {
        "as_of": "2026-04-15",
        "province": PROVINCE,
        "total": province + district + commune,
        "by_level": {"province": province, "district": district, "commune": commune},
        "by_sector": [{"sector": "Nội vụ", "count": province}],
        "by_unit": [{"unit_id": QUANG_LAM_ID, "unit_code": "01304", "unit_name": "Xã Quảng Lâm", "level": "commune", "count": 9}],
        "by_agency": [],
    }


PROGRESS = {
    "as_of": "2026-04-15",
    "province": PROVINCE,
    "by_level": {
        "province": {"required": 14, "issued": 12},
        "district": {"required": 0, "issued": 0},
        "commune": {"required": 224, "issued": 224},
    },
    "by_kind": [],
    "missing": [
        {"id": str(uuid.uuid4()), "name": "Sở Ngoại vụ tỉnh Cao Bằng", "kind": "provincial_department", "level": "province"},
        {
            "id": str(uuid.uuid4()),
            "name": "Sở Dân tộc và Tôn giáo tỉnh Cao Bằng",
            "kind": "provincial_department",
            "level": "province",
        },
    ],
}


ASSETS_SUMMARY = {
    "as_of": "2026-04-15",
    "province": PROVINCE,
    "premises_held_by_communes": 2098,
    "communes_holding_premises": 56,
    "general_work_cars_held_by_communes": 59,
    "communes_holding_general_work_cars": 56,
    "specialised_cars_held_by_communes": 1,
    "all_cars_held_by_communes": 60,
    "communes_holding_any_car": 56,
    "assets_held_by_communes": 2158,
    "by_level": [],
}
CAR_NORMS = {
    "as_of": "2026-04-15",
    "province": PROVINCE,
    "norm_legal_basis": "Nghị định 153/2025/NĐ-CP",
    "max_general_cars_per_commune": 2,
    "max_price_vnd": 950000000,
    "communes": 56,
    "general_work_cars": 59,
    "communes_over_norm": 0,
    "communes_under_norm": 0,
    "rows": [],
}
DISPOSITIONS = {
    "as_of": "2026-04-15",
    "province": PROVINCE,
    "rows": [
        {
            "asset_kind": "premises",
            "form": "repurpose",
            "repurpose_to": "education",
            "priority_rank": 3,
            "status": "executed",
            "plans": 7,
        },
        {"asset_kind": "premises", "form": "sell", "repurpose_to": None, "priority_rank": 6, "status": "approved", "plans": 2},
        {
            "asset_kind": "premises",
            "form": "repurpose",
            "repurpose_to": "health",
            "priority_rank": 3,
            "status": "submitted",
            "plans": 3,
        },
    ],
    "overdue_decisions": 1,
    "surplus_without_plan": {"premises": 4},
}


def _qualification(category: str, level: str, headcount: int, university: int, advanced: int, intermediate: int) -> dict:
    def share(count: int) -> dict:
        return {"count": count, "percent": None}

    return {
        "group": {"category": category, "level": level},
        "headcount": headcount,
        "university_or_higher": share(university),
        "political_theory": {
            "advanced": share(advanced),
            "intermediate": share(intermediate),
            "elementary": share(0),
            "none": share(0),
        },
        "state_management": {},
    }


QUALIFICATIONS = {
    "rows": [
        _qualification("cadre", "province", 100, 100, 40, 50),
        _qualification("civil_servant", "province", 400, 396, 60, 200),
        _qualification("civil_servant", "commune", 500, 487, 47, 301),
        _qualification("public_employee", "province", 880, 758, 8, 82),
        _qualification("public_employee", "commune", 120, 103, 1, 11),
    ]
}
SCOPE = {"as_of": "2026-04-15", "province": PROVINCE, "commune": None, "level": None, "category": None, "by": []}
STREAMLINING = {
    **SCOPE,
    "rows": [
        {"group": {}, "policy": "early_retirement", "status": "paid", "cases": 3, "amount_vnd": "2234364375"},
        {"group": {}, "policy": "resignation", "status": "approved", "cases": 1, "amount_vnd": "150000000"},
    ],
    "cases": 4,
    "amount_vnd": "2384364375",
}


def feed_position(latest: int) -> dict:
    """A source's ``GET /events/latest``."""
    return {"latest_sequence": latest, "pruned_through": 0, "retention_days": 90}


TASKS_NOT_COMPLETED = {
    "year": 2025,
    "province": PROVINCE,
    "commune": None,
    "level": None,
    "category": None,
    "by": [],
    "rows": [{"group": {}, "people": 3}],
    "total": 3,
}


CAO_BANG = {
    "id": str(uuid.uuid4()),
    "code": PROVINCE,
    "name": "Tỉnh Cao Bằng",
    "short_name": "Cao Bằng",
    "kind": "tinh",
    "level": "province",
    "parent_id": None,
    "province_code": PROVINCE,
    "valid_from": None,
    "valid_to": None,
    "version": 1,
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}


@pytest.fixture
def org():
    """The gateway as reporting sees it: org-structure and assets answer (``org`` for short)."""
    with respx.mock(base_url=GATEWAY, assert_all_called=False, using=UPSTREAMS) as mock:
        mock.get(f"/api/v1/org/units/by-code/{PROVINCE}", name="province").respond(json=CAO_BANG)
        mock.get("/api/v1/org/tasks/stats", params={"as_of": "2025-06-30"}).respond(json=_stats(1330, 596, 113))
        mock.get("/api/v1/org/tasks/stats", params={"as_of": "2026-04-15"}).respond(json=_stats(1687, 0, 527))
        mock.get("/api/v1/org/function-decisions/progress").respond(json=PROGRESS)
        mock.get("/api/v1/assets/stats/summary").respond(json=ASSETS_SUMMARY)
        mock.get("/api/v1/assets/stats/car-norms").respond(json=CAR_NORMS)
        mock.get("/api/v1/assets/stats/dispositions").respond(json=DISPOSITIONS)
        mock.get("/api/v1/assets/stats/gaps").respond(json={"as_of": "2026-04-15", "province": PROVINCE, "total": 0, "rows": []})
        mock.get("/api/v1/personnel/stats/qualifications").respond(
            json={**SCOPE, **QUALIFICATIONS, "total": QUALIFICATIONS["rows"][0]}
        )
        mock.get("/api/v1/personnel/stats/streamlining").respond(json=STREAMLINING)
        mock.get("/api/v1/personnel/stats/tasks-not-completed", params={"year": "2025", "province": PROVINCE}).respond(
            json=TASKS_NOT_COMPLETED
        )
        mock.get("/api/v1/personnel/stats/gaps").respond(json={**SCOPE, "rows": [], "total": 0, "sample": []})
        over = {"group": {"agency": "Phòng Kinh tế xã Quảng Lâm"}, "headcount": 9, "quota": 8, "over_quota": 1}
        total = {"group": {}, "headcount": 9, "quota": 8, "over_quota": 1}
        mock.get("/api/v1/personnel/stats/headcount", name="personnel_headcount").respond(
            json={**SCOPE, "year": 2026, "rows": [over], "total": total}
        )
        for prefix in ("org", "personnel", "assets"):
            mock.get(f"/api/v1/{prefix}/events/latest", name=f"{prefix}_events_latest").respond(json=feed_position(0))
        fake_dossiers(mock)
        fake_operations(mock)
        fake_workload(mock, headcount=False)
        yield mock
        # NOTE: after the test, so the routes a test adds are checked too
        assert_fakes_match_producers(mock)


async def test_province_summary(client: httpx.AsyncClient, org) -> None:
    response = await client.get(f"/provinces/{PROVINCE}/summary", params={"as_of": "2026-04-15", "compare_to": "2025-06-30"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["complete"] is True
    assert report["missing"] == []
    assert report["tasks"]["by_level"] == {"province": 1687, "district": 0, "commune": 527}
    assert report["tasks"]["total"] == 2214
    assert report["tasks"]["change"]["by_level"] == {"province": 1330, "district": 596, "commune": 113}
    assert report["tasks"]["change"]["delta"] == {"province": 357, "district": -596, "commune": 414}
    assert report["decisions"]["by_level"]["province"] == {"required": 14, "issued": 12}
    assert report["decisions"]["by_level"]["commune"] == {"required": 224, "issued": 224}
    assets = report["assets"]
    assert (assets["premises_held_by_communes"], assets["general_work_cars_held_by_communes"]) == (2098, 59)
    # One ambulance: the cars are named for what they count, general-work, specialised and all.
    assert (assets["specialised_cars_held_by_communes"], assets["all_cars_held_by_communes"]) == (1, 60)
    assert (assets["communes_holding_general_work_cars"], assets["communes_holding_any_car"]) == (56, 56)
    assert "cars_held_by_communes" not in assets
    assert report["dispositions"]["by_form"]["repurpose"]["executed"] == 7
    assert report["dispositions"]["by_status"] == {"proposed": 0, "submitted": 3, "approved": 2, "rejected": 0, "executed": 7}
    assert report["dispositions"]["overdue_decisions"] == 1
    staff = report["staff"]
    assert staff["cadres_and_civil_servants"]["all"]["headcount"] == 1000
    assert staff["cadres_and_civil_servants"]["all"]["university_or_higher"] == {"count": 983, "share": 0.983}
    assert staff["cadres_and_civil_servants"]["commune"]["university_or_higher"]["share"] == 0.974
    assert staff["cadres_and_civil_servants"]["all"]["political_theory"]["advanced"] == {"count": 147, "share": 0.147}
    assert staff["public_employees"]["all"]["political_theory"]["intermediate"]["share"] == 0.093
    assert staff["by_category"] == {"cadre": 100, "civil_servant": 900, "public_employee": 1000}
    # Everyone placed at the communes, and the cadres and civil servants among them.
    assert (staff["people_placed_at_communes"], staff["cadres_and_civil_servants_at_communes"]) == (620, 500)
    # The evaluations of 2024 and 2025 (the last year evaluated before 2026-04-15).
    assert staff["tasks_not_completed_two_years"] == {"year": 2025, "people": 3}
    assert report["streamlining"]["cases"] == 4
    assert report["streamlining"]["by_policy"]["early_retirement"]["amount_vnd"] == 2234364375
    assert response.headers["cache-control"] == "private, max-age=300"


async def test_a_summary_for_1945_or_before_counts_no_failed_evaluations(client: httpx.AsyncClient, org) -> None:
    """personnel evaluates from 1945 on (it refuses an earlier year): the figure is nobody, and the report is complete."""
    org.get("/api/v1/org/tasks/stats", params={"as_of": "1945-06-30"}).respond(json=_stats(0, 0, 0))
    not_completed = org.get("/api/v1/personnel/stats/tasks-not-completed", name="any_year")
    response = await client.get(f"/provinces/{PROVINCE}/summary", params={"as_of": "1945-06-30"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["complete"], report["missing"]) == (True, [])
    assert report["staff"]["tasks_not_completed_two_years"] == {"year": 1944, "people": 0}
    assert not not_completed.called


async def test_a_complete_report_for_a_past_date_is_kept(client: httpx.AsyncClient, org) -> None:
    params = {"as_of": "2026-04-15"}
    await client.get(f"/provinces/{PROVINCE}/summary", params=params)
    calls = org.calls.call_count
    await client.get(f"/provinces/{PROVINCE}/summary", params=params)
    assert org.calls.call_count == calls


async def test_a_source_down_leaves_its_sections_missing(client: httpx.AsyncClient) -> None:
    with respx.mock(base_url=GATEWAY, assert_all_called=False, using=UPSTREAMS) as mock:
        mock.route(path__startswith="/api/v1/org/").mock(side_effect=httpx.ConnectError("refused"))
        mock.get("/api/v1/assets/stats/summary").respond(json=ASSETS_SUMMARY)
        mock.get("/api/v1/assets/stats/car-norms").respond(json=CAR_NORMS)
        mock.get("/api/v1/assets/stats/dispositions").respond(json=DISPOSITIONS)
        mock.get("/api/v1/assets/procedure-dossiers/stats").respond(json=stats_body(assets_rows()))
        mock.route(path__startswith="/api/v1/personnel/").respond(503)
        response = await client.get(f"/provinces/{PROVINCE}/summary", params={"as_of": "2026-04-15"})
        assert_fakes_match_producers(mock)
    assert response.status_code == 200
    report = response.json()
    assert report["complete"] is False
    assert {(m["section"], m["service"]) for m in report["missing"]} == {
        ("tasks", "org-structure"),
        ("decisions", "org-structure"),
        ("staff", "personnel"),
        ("streamlining", "personnel"),
        # NOTE: its three sources are read at once; the first failing in the order personnel, assets, org-structure is named
        ("procedure_dossiers", "personnel"),
        ("plans", "org-structure"),
        ("task_difficulties", "org-structure"),
        # NOTE: org-structure and personnel are read at once; org-structure, first in the order, is named
        ("workload", "org-structure"),
    }
    assert report["tasks"] is None
    assert report["assets"]["premises_held_by_communes"] == 2098
    assert "could not be reached" in report["missing"][0]["reason"]
    assert response.headers["cache-control"] == "no-store"


async def test_the_xlsx_holds_the_same_numbers_with_charts(client: httpx.AsyncClient, org) -> None:
    response = await client.get(
        f"/provinces/{PROVINCE}/summary", params={"as_of": "2026-04-15", "compare_to": "2025-06-30", "format": "xlsx"}
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="tong-hop-04-2026-04-15.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:3] == ["Tổng quan", "Nhiệm vụ quản lý nhà nước", "Quyết định chức năng, nhiệm vụ"]
    tasks = book["Nhiệm vụ quản lý nhà nước"]
    rows = {r[0]: r[1:] for r in tasks.iter_rows(min_row=3, max_row=6, values_only=True)}
    assert rows["Cấp tỉnh"][:3] == (1330, 1687, 357)
    assert rows["Cấp huyện"][:3] == (596, 0, -596)
    assert rows["Cấp xã"][:3] == (113, 527, 414)
    assert rows["Tổng cộng"][:3] == (2039, 2214, 175)
    assert tasks["B4"].number_format == "#,##0"
    assert len(tasks._charts) == 1
    decisions = book["Quyết định chức năng, nhiệm vụ"]
    assert next(r for r in decisions.iter_rows(min_row=3, values_only=True) if r[0] == "Cấp tỉnh")[:4] == ("Cấp tỉnh", 14, 12, 2)


async def test_the_csv_is_long_format(client: httpx.AsyncClient, org) -> None:
    response = await client.get(f"/provinces/{PROVINCE}/summary", params={"as_of": "2026-04-15", "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["muc", "bang", "chi_tieu", "cot", "gia_tri"]
    assert ["Nhiệm vụ quản lý nhà nước", "Nhiệm vụ quản lý nhà nước theo cấp", "Cấp xã", "Ngày 2026-04-15", "527"] in rows


async def test_transition_gaps_name_agencies_without_decision(client: httpx.AsyncClient, org) -> None:
    org.get("/api/v1/org/tasks/findings").respond(
        json={
            "as_of": "2026-04-15",
            "province": PROVINCE,
            "counts": {},
            "total": 0,
            "items": [],
            "truncated": False,
            **NO_FEASIBILITY,
        }
    )
    report = (await client.get(f"/provinces/{PROVINCE}/transition-gaps", params={"as_of": "2026-04-15"})).json()
    assert report["complete"] is True
    assert [a["name"] for a in report["agencies"]["items"]] == [
        "Sở Ngoại vụ tỉnh Cao Bằng",
        "Sở Dân tộc và Tôn giáo tỉnh Cao Bằng",
    ]
    assert report["agencies"]["items"][0]["link"].startswith("/api/v1/org/agencies/")
    assert report["people"]["over_quota"] == [{"agency": "Phòng Kinh tế xã Quảng Lâm", "headcount": 9, "quota": 8, "over": 1}]


async def test_who_may_read_which_report(client: httpx.AsyncClient, test_tokens: TestTokens, org) -> None:
    url = f"/provinces/{PROVINCE}/summary"
    params = {"as_of": "2026-04-15"}
    commune_officer = test_tokens.headers(Role.COMMUNE_OFFICER, province=PROVINCE, commune="01304")
    assert_problem(await client.get(url, params=params, headers=commune_officer), 403, "role_not_allowed")
    other_province = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    assert_problem(await client.get(url, params=params, headers=other_province), 403, "outside_area")
    assert (await client.get(url, params=params, headers=test_tokens.headers(Role.VIEWER))).status_code == 200
    assert (
        await client.get(url, params=params, headers=test_tokens.headers(Role.PROVINCE_OFFICER, province=PROVINCE))
    ).status_code == 200


def _commune_headcount(request: httpx.Request) -> httpx.Response:
    """Personnel's headcount of Xã Quảng Lâm, by agency (with the quota) or by category (at the commune level)."""
    if request.url.params.get_list("by") == ["category"]:
        assert request.url.params["level"] == "commune"
        rows = [
            {"group": {"category": "civil_servant"}, "headcount": 8, "quota": None, "over_quota": None},
            {"group": {"category": "cadre"}, "headcount": 1, "quota": None, "over_quota": None},
            {"group": {"category": "public_employee"}, "headcount": 3, "quota": None, "over_quota": None},
        ]
        total = {"group": {}, "headcount": 12, "quota": None, "over_quota": None}
    else:
        rows = [{"group": {"agency": "a"}, "headcount": 12, "quota": 14, "over_quota": 0}]
        total = {"group": {}, "headcount": 12, "quota": 14, "over_quota": 0}
    return httpx.Response(200, json={**SCOPE, "year": 2026, "rows": rows, "total": total})


def commune_unit(unit_id: str, code: str, name: str) -> dict:
    """org-structure's ``/units/by-code/{code}`` for a commune formed on 2025-07-01."""
    return CAO_BANG | {
        "id": unit_id,
        "code": code,
        "name": name,
        "short_name": name.removeprefix("Xã "),
        "kind": "xa",
        "level": "commune",
        "parent_id": CAO_BANG["id"],
        "valid_from": "2025-07-01",
    }


def lineage(unit: dict, *predecessors: dict) -> dict:
    """org-structure's ``/units/{id}/lineage``: ``predecessors`` are former units, merged on 2025-07-01."""
    keys = ("id", "code", "name", "kind", "level", "valid_from", "valid_to")
    change = {
        "id": str(uuid.uuid4()),
        "kind": "merge",
        "effective_date": "2025-07-01",
        "legal_basis": "Nghị quyết 1657/NQ-UBTVQH15",
    }
    return {
        "unit": {k: unit[k] for k in keys},
        "successors": [],
        "predecessors": [{"unit": {k: p[k] for k in keys}, "change": change, "depth": 1} for p in predecessors],
    }


def commune_agency(unit: dict, name: str, kind: str) -> dict:
    """One item of org-structure's ``/agencies``: an agency of the commune in force since it was formed."""
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "kind": kind,
        "unit_id": unit["id"],
        "level": "commune",
        "province_code": PROVINCE,
        "commune_code": unit["code"],
        "parent_id": None,
        "valid_from": "2025-07-01",
        "valid_to": None,
        "version": 1,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "requires_decision": True,
    }


def fake_quang_lam(org: respx.MockRouter) -> None:
    """org-structure, personnel and assets as they answer for Xã Quảng Lâm (01304)."""
    unit = commune_unit(QUANG_LAM_ID, "01304", "Xã Quảng Lâm")
    former = commune_unit(str(uuid.uuid4()), "01303", "Xã Quảng Lâm") | {"valid_from": None, "valid_to": "2025-06-30"}
    org.get("/api/v1/org/units/by-code/01304").respond(json=unit)
    org.get(f"/api/v1/org/units/{QUANG_LAM_ID}/lineage").respond(json=lineage(unit, former))
    org.get("/api/v1/org/agencies").respond(
        json={"items": [commune_agency(unit, "Phòng Kinh tế xã Quảng Lâm", "commune_economic_office")], "next": None}
    )
    holdings = [
        {"kind": "premises", "holder_commune_code": "01304", "assets": 37, "original_value": 9, "residual_value": 5_000_000_000},
        {"kind": "car", "holder_commune_code": "01304", "assets": 2, "original_value": 9, "residual_value": 700_000_000},
        {"kind": "premises", "holder_commune_code": "01273", "assets": 40, "original_value": 9, "residual_value": 1},
    ]
    org.get("/api/v1/personnel/stats/headcount").mock(side_effect=_commune_headcount)
    org.get("/api/v1/assets/stats/holdings").respond(
        json={"as_of": "2026-04-15", "province": PROVINCE, "group_by": "unit", "rows": holdings}
    )
    quang_lam = {
        "premises_held_by_communes": 37,
        "general_work_cars_held_by_communes": 1,
        "specialised_cars_held_by_communes": 1,
        "all_cars_held_by_communes": 2,
        "assets_held_by_communes": 39,
    }

    def commune_summary(request: httpx.Request) -> httpx.Response:
        assert request.url.params["commune"] == "01304"
        return httpx.Response(200, json=ASSETS_SUMMARY | quang_lam | {"commune": "01304"})

    org.get("/api/v1/assets/stats/summary").mock(side_effect=commune_summary)


async def test_a_commune_officer_reads_only_their_commune_profile(
    client: httpx.AsyncClient, test_tokens: TestTokens, org
) -> None:
    fake_quang_lam(org)
    own = test_tokens.headers(Role.COMMUNE_OFFICER, province=PROVINCE, commune="01304")
    response = await client.get("/communes/01304/profile", params={"as_of": "2026-04-15"}, headers=own)
    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["name"] == "Xã Quảng Lâm"
    assert [p["code"] for p in profile["lineage"]["predecessors"]] == ["01303"]
    assert profile["tasks"]["tasks_of_commune_agencies"] == 9
    assert profile["agencies"]["agencies_of_commune"] == 1
    assert profile["assets"]["premises_held_by_communes"] == 37
    assert (profile["assets"]["all_cars_held_by_communes"], profile["assets"]["specialised_cars_held_by_communes"]) == (2, 1)
    assert profile["assets"]["assets_held_by_communes"] == 39
    people = profile["people"]
    assert (people["people_placed_at_communes"], people["cadres_and_civil_servants_at_communes"]) == (12, 9)
    assert people["staffing_quota"] == 14
    other = test_tokens.headers(Role.COMMUNE_OFFICER, province=PROVINCE, commune="01273")
    assert_problem(
        await client.get("/communes/01304/profile", params={"as_of": "2026-04-15"}, headers=other), 403, "outside_area"
    )


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        # the province itself, tasks on both dates, decisions, qualifications, tasks not completed, streamlining,
        # holdings, car norms, dispositions, personnel's and assets' dossiers, the procedures communes handle,
        # plan stats, overdue plan items, task feasibility stats
        # (and the workload's 5: org-structure's communes and agencies, personnel's headcounts by commune and agency
        # on the date and on 2025-06-30, and by commune and category)
        ("summary", {"as_of": "2026-04-15", "compare_to": "2025-06-30"}, 21),
        # the province itself, task findings, decisions, people gaps, headcount, asset gaps, dispositions
        ("transition-gaps", {"as_of": "2026-04-15"}, 7),
    ],
)
async def test_every_call_of_a_report_is_in_flight_at_once(
    client: httpx.AsyncClient, org, path: str, params: dict[str, str], expected: int
) -> None:
    """Sections run concurrently, and so do the calls inside a section: a report takes as long as its slowest call."""
    in_flight = 0
    peak = 0
    everyone = asyncio.Event()

    async def held(request: httpx.Request, route: respx.Route) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight == expected:
            everyone.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(everyone.wait(), 2)
        in_flight -= 1
        return route.return_value

    org.get("/api/v1/org/tasks/findings").respond(
        json={
            "as_of": "2026-04-15",
            "province": PROVINCE,
            "counts": {},
            "total": 0,
            "items": [],
            "truncated": False,
            **NO_FEASIBILITY,
        }
    )
    for route in org.routes:
        route.side_effect = held
    response = await client.get(f"/provinces/{PROVINCE}/{path}", params=params)
    assert response.status_code == 200, response.text
    assert response.json()["complete"] is True
    assert peak == expected
