"""Issue #18 in the reports: the `plans` and `task_difficulties` sections, the gap report's feasibility findings, the plan report.

org-structure's answers are counted from stand-in records (:mod:`.operations_fakes`): a test
changes a record and checks the report moves by exactly that.
"""

import csv
import io
from datetime import date

import httpx
import pytest
import respx
from openpyxl import load_workbook

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .operations_fakes import (
    ITEMS,
    PLAN_ID,
    QUANG_LAM,
    STATUSES,
    THUC_PHAN,
    fake_operations,
    overdue_item,
)
from .producers import assert_fakes_match_producers
from .test_reports import PROVINCE, fake_quang_lam, org  # noqa: F401 - org: the fake sources, as a fixture

SUMMARY = f"/provinces/{PROVINCE}/summary"
PLAN = f"/plans/{PLAN_ID}"
AS_OF = {"as_of": "2026-04-15"}
UNKNOWN = "00000000-0000-4000-8000-000000000000"
PROBLEM = {"type": "about:blank", "title": "Unavailable", "status": 503, "code": "upstream_unavailable"}


def _rest_down(mock: respx.MockRouter) -> respx.MockRouter:
    """The fake gateway; a route no fake answers is down (503), so sections outside this file's concern go missing.

    The routes a test answers later are placed before that (a route added again keeps its place).
    """
    mock.get("/api/v1/org/tasks/findings").respond(503, json=PROBLEM)
    mock.get(f"/api/v1/org/plans/{UNKNOWN}").respond(503, json=PROBLEM)
    mock.route(path__startswith="/api/v1/", name="anything_else").respond(503, json=PROBLEM)
    return mock


@pytest.fixture
def sources(org: respx.MockRouter) -> respx.MockRouter:  # noqa: F811
    return _rest_down(org)


@pytest.fixture
def quang_lam(org: respx.MockRouter) -> respx.MockRouter:  # noqa: F811
    """The sources as they answer for Xã Quảng Lâm's profile."""
    fake_quang_lam(org)
    return _rest_down(org)


async def _summary(client: httpx.AsyncClient, **params: str) -> dict:
    response = await client.get(SUMMARY, params={**AS_OF, **params})
    assert response.status_code == 200, response.text
    report: dict = response.json()
    assert {m["section"] for m in report["missing"]}.isdisjoint({"plans", "task_difficulties"}), report["missing"]
    return report


async def test_the_plans_section_counts_the_items(client: httpx.AsyncClient, sources: respx.MockRouter) -> None:
    plans = (await _summary(client))["plans"]
    assert plans["plans_open"] == 1
    assert (plans["period_from"], plans["period_to"]) == ("2026-01-01", "2026-12-31")
    assert plans["items"] == {"not_started": 1, "in_progress": 2, "done": 2, "cancelled": 1}
    # 1.2 (Quảng Lâm, deadline 2026-03-31) and 1.3 (Thục Phán, 2026-02-28); 2.3 is cancelled, 2.2 not yet due
    assert plans["overdue"] == 2
    assert plans["overdue_by_commune"] == [{"commune_code": "01273", "overdue": 1}, {"commune_code": "01304", "overdue": 1}]
    assert [(r["name"], r["overdue"]) for r in plans["overdue_by_agency"]] == [
        ("UBND phường Thục Phán", 1),
        ("UBND xã Quảng Lâm", 1),
    ]
    assert [(i["code"], i["days_overdue"], i["superior_agency"]) for i in plans["overdue_items"]] == [
        ("1.3", 46, "UBND tỉnh Cao Bằng"),
        ("1.2", 15, "UBND tỉnh Cao Bằng"),
    ]
    assert plans["overdue_items"][0]["link"].startswith("/api/v1/org/plan-items/")
    # deadlines in 2026: 2.1 done late (Quảng Lâm), 1.2 due (Quảng Lâm), 1.3 and 2.2 (Thục Phán); 2.3 cancelled
    on_time = {r["name"]: (r["due"], r["done_on_time"], r["done_late"], r["rate"]) for r in plans["on_time"]}
    assert on_time == {"UBND phường Thục Phán": (2, 0, 0, "0.0000"), "UBND xã Quảng Lâm": (2, 0, 1, "0.0000")}


async def test_one_more_overdue_item_moves_the_section_by_exactly_one(
    client: httpx.AsyncClient, sources: respx.MockRouter
) -> None:
    before = (await _summary(client))["plans"]
    fake_operations(sources, items=[*ITEMS, overdue_item("3.1", QUANG_LAM, date(2026, 4, 10))])
    # NOTE: another date, so the kept report is not the one answered
    after = (await _summary(client, to="2026-12-30"))["plans"]
    assert after["overdue"] == before["overdue"] + 1
    assert after["items"] == {**before["items"], "in_progress": before["items"]["in_progress"] + 1}
    commune = {r["commune_code"]: r["overdue"] for r in after["overdue_by_commune"]}
    assert commune == {"01273": 1, "01304": 2}
    assert [r["overdue"] for r in after["overdue_by_agency"]] == [1, 2]
    assert [i["code"] for i in after["overdue_items"]] == ["1.3", "1.2", "3.1"]


async def test_the_on_time_period_is_the_summarys_from_and_to_and_each_period_is_kept_apart(
    client: httpx.AsyncClient, sources: respx.MockRouter
) -> None:
    in_2025 = (await _summary(client, **{"from": "2025-01-01", "to": "2025-12-31"}))["plans"]
    # only 1.1 (Sở Nội vụ, deadline 2025-09-30, done 2025-09-20) falls in 2025
    assert in_2025["on_time"] == [
        {
            "agency_id": ITEMS[0].agency.id,
            "name": "Sở Nội vụ tỉnh Cao Bằng",
            "due": 1,
            "done_on_time": 1,
            "done_late": 0,
            "rate": "1.0000",
        }
    ]
    assert (in_2025["period_from"], in_2025["period_to"]) == ("2025-01-01", "2025-12-31")
    # NOTE: a report is kept per period: the year's figures are not 2025's
    year = (await _summary(client))["plans"]
    assert len(year["on_time"]) == 2
    # a period ending before it starts counts no item, as org-structure counts it
    assert (await _summary(client, **{"from": "2026-05-01", "to": "2026-04-01"}))["plans"]["on_time"] == []


async def test_the_task_difficulties_section(client: httpx.AsyncClient, sources: respx.MockRouter) -> None:
    difficulties = (await _summary(client))["task_difficulties"]
    assert difficulties["tasks_reported"] == len(STATUSES)
    assert difficulties["by_status"] == {"normal": 2, "with_difficulties": 2, "cannot_carry_out": 2}
    assert difficulties["by_reason"]["funding"] == 1
    assert difficulties["proposals"] == {
        "return_to_province": {"open": 1},
        "amend_legal_basis": {"resolved": 1},
        "train": {"accepted": 1},
    }
    assert difficulties["open_over_days"] == 1
    by_commune = {r["commune_code"]: r for r in difficulties["by_commune"]}
    assert (by_commune["01304"]["with_difficulties"], by_commune["01304"]["cannot_carry_out"]) == (1, 1)
    assert by_commune[None]["normal"] == 1
    assert {r["sector"]: r["cannot_carry_out"] for r in difficulties["by_sector"]}["Đất đai"] == 2


async def test_a_source_down_leaves_the_section_missing(client: httpx.AsyncClient, sources: respx.MockRouter) -> None:
    sources["plans_overdue"].mock(side_effect=httpx.ConnectError("refused"))
    report = (await client.get(SUMMARY, params={**AS_OF, "to": "2026-12-29"})).json()
    assert report["plans"] is None
    assert ("plans", "org-structure") in {(m["section"], m["service"]) for m in report["missing"]}
    assert report["task_difficulties"]["tasks_reported"] == len(STATUSES)


async def test_the_csv_and_xlsx_show_the_sections(client: httpx.AsyncClient, sources: respx.MockRouter) -> None:
    response = await client.get(SUMMARY, params={**AS_OF, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert ["Kế hoạch triển khai", "Nhiệm vụ quá hạn theo xã", "01304", "Quá hạn", "1"] in rows
    assert ["Kế hoạch triển khai", "Kế hoạch và nhiệm vụ trong kế hoạch", "Quá hạn", "Số lượng", "2"] in rows
    assert ["Khó khăn thực hiện nhiệm vụ", "Nguyên nhân", "Kinh phí", "Số nhiệm vụ", "1"] in rows
    response = await client.get(SUMMARY, params={**AS_OF, "format": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    plans = book["Kế hoạch triển khai"]
    cells = [row for row in plans.iter_rows(values_only=True) if row[0] is not None]
    assert ("Kế hoạch đang thực hiện", 1) in [row[:2] for row in cells]
    assert ("1.3", "Nhiệm vụ 1.3") in [row[:2] for row in cells]
    assert len(plans._charts) == 1
    assert len(book["Khó khăn thực hiện nhiệm vụ"]._charts) == 1


async def test_the_commune_profile_has_the_communes_plans_and_difficulties(
    client: httpx.AsyncClient, test_tokens: TestTokens, quang_lam: respx.MockRouter
) -> None:
    own = test_tokens.headers(Role.COMMUNE_OFFICER, province=PROVINCE, commune="01304")
    response = await client.get("/communes/01304/profile", params=AS_OF, headers=own)
    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["plans"]["overdue"] == 1
    assert [i["code"] for i in profile["plans"]["overdue_items"]] == ["1.2"]
    assert profile["plans"]["items"] == {"not_started": 0, "in_progress": 1, "done": 1, "cancelled": 0}
    assert profile["task_difficulties"]["by_status"] == {"normal": 0, "with_difficulties": 1, "cannot_carry_out": 1}
    assert quang_lam["plan_stats"].calls.last.request.url.params["commune"] == "01304"


async def test_the_gap_report_counts_the_feasibility_findings_by_commune_and_sector(
    client: httpx.AsyncClient, sources: respx.MockRouter
) -> None:
    counts = {"cannot_carry_out": 2, "difficulty_open": 1}
    sources.get("/api/v1/org/tasks/findings").respond(
        json={
            "as_of": "2026-04-15",
            "province": PROVINCE,
            "open_days": 30,
            "counts": counts,
            "total": 3,
            "items": [],
            "truncated": True,
            "by_commune": {"01304": {"cannot_carry_out": 1, "difficulty_open": 1}, "01273": {"cannot_carry_out": 1}},
            "by_sector": {"Đất đai": {"cannot_carry_out": 2}, "Tư pháp": {"difficulty_open": 1}},
        }
    )
    response = await client.get(f"/provinces/{PROVINCE}/transition-gaps", params={**AS_OF, "format": "json"})
    tasks = response.json()["tasks"]
    assert tasks["by_commune"]["01304"] == {"cannot_carry_out": 1, "difficulty_open": 1}
    assert tasks["by_sector"]["Đất đai"] == {"cannot_carry_out": 2}
    response = await client.get(f"/provinces/{PROVINCE}/transition-gaps", params={**AS_OF, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    table = "Nhiệm vụ chưa thực hiện được, có khó khăn theo xã"
    assert ["Nhiệm vụ", table, "01273", "Khó khăn chưa giải quyết", "0"] in rows
    assert ["Nhiệm vụ", table, "01304", "Chưa thực hiện được", "1"] in rows


def _measured_sources(sources: respx.MockRouter) -> None:
    """Assets' gaps on the plan's start (10 premises, 3 cars) and now (4 premises); personnel: 9 placed, 3 not."""

    def gaps(request: httpx.Request) -> httpx.Response:
        premises = 10 if request.url.params["as_of"] == "2025-07-01" else 4
        row = {
            "holder_kind": "agency",
            "holder_id": THUC_PHAN.id,
            "holder_name": "Phòng Tư pháp huyện Hòa An",
            "holder_level": "district",
            "holder_valid_to": "2025-06-30",
        }
        rows = [row | {"kind": "premises", "assets": premises}, row | {"kind": "car", "assets": 3}]
        return httpx.Response(
            200, json={"as_of": request.url.params["as_of"], "province": PROVINCE, "total": premises + 3, "rows": rows}
        )

    sources.get("/api/v1/assets/stats/gaps").mock(side_effect=gaps)
    scope = {"as_of": "2026-04-15", "province": PROVINCE, "commune": None, "level": None, "category": None, "by": []}
    sources.get("/api/v1/personnel/stats/gaps").respond(json={**scope, "rows": [], "total": 3, "sample": []})


async def test_the_plan_report_shows_reported_and_measured_progress(client: httpx.AsyncClient, sources: respx.MockRouter) -> None:
    _measured_sources(sources)
    response = await client.get(PLAN, params=AS_OF)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["complete"] is True, report["missing"]
    assert (report["report"], report["code"], report["plan_id"]) == ("plan_progress", "KH-01", PLAN_ID)
    items = {i["code"]: i for i in report["progress"]["items"]}
    assert len(items) == len(ITEMS)
    assert (items["1.2"]["reported_percent"], items["1.2"]["days_overdue"]) == (60, 15)
    assert (items["2.1"]["on_time"], items["2.1"]["days_overdue"]) == (False, None)
    measured = report["measured"]["items"]
    assert set(measured) == {"1.1", "1.2", "2.2"}
    # premises of ended holders: 10 on the plan's start, 4 now
    assert {k: measured["1.2"][k] for k in ("scope", "done", "of", "percent")} == {
        "scope": "04",
        "done": 6,
        "of": 10,
        "percent": 60,
    }
    # personnel: 9 placed (the headcount), 3 neither placed nor in a streamlining case
    assert {k: measured["1.1"][k] for k in ("scope", "done", "of", "percent")} == {
        "scope": "04",
        "done": 9,
        "of": 12,
        "percent": 75,
    }
    # Thục Phán's proposals: one resolved, one accepted
    assert {k: measured["2.2"][k] for k in ("scope", "done", "of", "percent")} == {
        "scope": "01273",
        "done": 1,
        "of": 2,
        "percent": 50,
    }
    assert response.headers["cache-control"] == "no-store"


async def test_a_commune_officer_reads_their_communes_items_only(
    client: httpx.AsyncClient, test_tokens: TestTokens, sources: respx.MockRouter
) -> None:
    _measured_sources(sources)
    own = test_tokens.headers(Role.COMMUNE_OFFICER, province=PROVINCE, commune="01273")
    report = (await client.get(PLAN, params=AS_OF, headers=own)).json()
    assert [i["code"] for i in report["progress"]["items"]] == ["1.3", "2.2"]
    assert set(report["measured"]["items"]) == {"2.2"}
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province=PROVINCE)
    assert len((await client.get(PLAN, params=AS_OF, headers=province)).json()["progress"]["items"]) == len(ITEMS)
    other_province = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    assert_problem(await client.get(PLAN, params=AS_OF, headers=other_province), 403, "outside_area")
    other_commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="08", commune="02000")
    assert_problem(await client.get(PLAN, params=AS_OF, headers=other_commune), 403, "outside_area")
    agency = test_tokens.headers(Role.AGENCY_OFFICER, province=PROVINCE)
    assert_problem(await client.get(PLAN, params=AS_OF, headers=agency), 403, "role_not_allowed")


async def test_the_plan_report_as_csv_and_xlsx_and_its_problems(client: httpx.AsyncClient, sources: respx.MockRouter) -> None:
    _measured_sources(sources)
    response = await client.get(PLAN, params={**AS_OF, "format": "csv"})
    assert response.headers["content-disposition"] == 'attachment; filename="ke-hoach-KH-01-2026-04-15.csv"'
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert ["Tiến độ các nhiệm vụ", "Nhiệm vụ của kế hoạch", "1.2", "Tiến độ báo cáo (%)", "60"] in rows
    assert ["Tiến độ đo từ dữ liệu", "Tiến độ đo từ dữ liệu", "1.2", "Tỷ lệ (%)", "60"] in rows
    book = load_workbook(io.BytesIO((await client.get(PLAN, params={**AS_OF, "format": "xlsx"})).content))
    assert book.sheetnames == ["Tổng quan", "Tiến độ các nhiệm vụ", "Tiến độ đo từ dữ liệu"]
    sources.get("/api/v1/personnel/stats/gaps").mock(side_effect=httpx.ConnectError("refused"))
    report = (await client.get(PLAN, params=AS_OF)).json()
    assert report["measured"] is None
    assert report["progress"] is not None
    assert [(m["section"], m["service"]) for m in report["missing"]] == [("measured", "personnel")]
    sources.get(f"/api/v1/org/plans/{UNKNOWN}").respond(
        404, json={"type": "about:blank", "title": "No such plan", "status": 404, "code": "plan_not_found"}
    )
    assert_problem(await client.get(f"/plans/{UNKNOWN}", params=AS_OF), 404, "plan_not_found")
    assert_fakes_match_producers(sources)
