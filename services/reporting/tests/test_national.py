"""The national roll-up: the country's figures are the sums of the provinces' rows; JSON, CSV, XLSX; a national area only."""

import csv
import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from openpyxl import load_workbook

from haicap_shared.roles import Role
from haicap_shared.testing import UPSTREAMS, TestTokens, assert_problem

from .conftest import GATEWAY
from .producers import assert_fakes_match_producers
from .test_reports import ASSETS_SUMMARY, CAO_BANG, CAR_NORMS, DISPOSITIONS, PROGRESS, _qualification

AS_OF = "2026-04-15"
# NOTE: two provinces, so every national figure is a sum of two different rows
PROVINCES = {"04": "Tỉnh Cao Bằng", "79": "Thành phố Hồ Chí Minh"}
FACTOR = {"04": 1, "79": 3}


def _units(provinces: dict[str, str]) -> dict[str, Any]:
    """``GET /units?level=province``: the provinces in force."""
    items = [
        {**CAO_BANG, "id": f"00000000-0000-4000-8000-0000000000{code}", "code": code, "name": name, "province_code": code}
        for code, name in provinces.items()
    ]
    return {"items": items, "next": None}


def _scaled(body: dict[str, Any], province: str, keys: tuple[str, ...]) -> dict[str, Any]:
    return {**body, "province": province, **{k: body[k] * FACTOR[province] for k in keys}}


def _by_province(row: Callable[[str], dict[str, Any]], **top: Any) -> dict[str, Any]:
    """A ``/…/by-province`` answer: ``row`` for each province with something to count (the two of ``FACTOR``)."""
    return {"as_of": AS_OF, **top, "rows": [row(code) for code in FACTOR]}


def _tasks(code: str) -> dict[str, Any]:
    n = FACTOR[code]
    return {
        "province": code,
        "total": 150 * n,
        "by_level": {"province": 100 * n, "district": 0, "commune": 50 * n},
        "by_sector": [{"sector": "Nội vụ", "count": 100 * n}],
    }


def _progress(code: str) -> dict[str, Any]:
    n = FACTOR[code]
    by_level = {
        "province": {"required": 14 * n, "issued": 12 * n},
        "district": {"required": 0, "issued": 0},
        "commune": {"required": 200 * n, "issued": 199 * n},
    }
    return {**PROGRESS, "province": code, "by_level": by_level}


def _summary(code: str) -> dict[str, Any]:
    keys = tuple(k for k in ASSETS_SUMMARY if k.endswith("_communes") or k.startswith("communes_"))
    return _scaled(ASSETS_SUMMARY, code, keys)


CAR_NORM = {k: CAR_NORMS[k] for k in ("norm_legal_basis", "max_general_cars_per_commune", "max_price_vnd")}


def _car_norms(code: str) -> dict[str, Any]:
    counts = {k: CAR_NORMS[k] for k in ("communes", "general_work_cars", "communes_under_norm")}
    keys = ("communes", "general_work_cars", "communes_over_norm", "communes_under_norm")
    return _scaled({**counts, "communes_over_norm": 1, "over_price": 0}, code, keys)


def _dispositions(code: str) -> dict[str, Any]:
    rows = [{**r, "plans": r["plans"] * FACTOR[code]} for r in DISPOSITIONS["rows"]]
    return {**DISPOSITIONS, "province": code, "rows": rows, "overdue_decisions": FACTOR[code]}


def _findings(code: str) -> dict[str, Any]:
    counts = {"no_owner": 2 * FACTOR[code], "overlap": FACTOR[code]}
    return {"province": code, "total": sum(counts.values()), "counts": counts}


def _asset_gaps(code: str) -> dict[str, Any]:
    return {"province": code, "total": 5 * FACTOR[code], "by_kind": {"premises": 5 * FACTOR[code]}}


def _plans(code: str) -> dict[str, Any]:
    n = FACTOR[code]
    return {
        "as_of": AS_OF,
        "province": code,
        "commune": None,
        "from": "2026-01-01",
        "to": "2026-12-31",
        "plans_open": n,
        "items": {"not_started": 2 * n, "in_progress": 3 * n, "done": 5 * n},
        "overdue": 2 * n,
        "overdue_by_agency": [],
        "overdue_by_commune": [],
        "on_time": [],
    }


# NOTE: one call per statistic for the whole country; a per-province call would find no fake (respx refuses it)
BY_PROVINCE = {
    "/api/v1/org/tasks/stats/by-province": _by_province(_tasks),
    "/api/v1/org/function-decisions/progress/by-province": _by_province(_progress),
    "/api/v1/org/tasks/findings/by-province": _by_province(_findings),
    "/api/v1/org/plans/stats/by-province": _by_province(_plans),
    "/api/v1/assets/stats/summary/by-province": _by_province(_summary),
    "/api/v1/assets/stats/car-norms/by-province": _by_province(_car_norms, **CAR_NORM),
    "/api/v1/assets/stats/dispositions/by-province": _by_province(_dispositions),
    "/api/v1/assets/stats/gaps/by-province": _by_province(_asset_gaps),
}


SCOPE = {"as_of": AS_OF, "province": None, "commune": None, "level": None, "category": None}


def _grouped(code: str, row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "group": {"province": code, **row["group"]}}


def _qualifications() -> dict[str, Any]:
    rows = []
    for code, n in FACTOR.items():
        rows += [
            _grouped(code, _qualification("cadre", "province", 100 * n, 100 * n, 40 * n, 50 * n)),
            _grouped(code, _qualification("civil_servant", "commune", 500 * n, 487 * n, 47 * n, 301 * n)),
            _grouped(code, _qualification("public_employee", "commune", 120 * n, 103 * n, 1 * n, 11 * n)),
        ]
    return {**SCOPE, "by": ["province", "category", "level"], "rows": rows, "total": {**rows[0], "group": {}}}


POLICIES = (("early_retirement", "paid", 3, 2234364375), ("resignation", "approved", 1, 150000000))


def _streamlining() -> dict[str, Any]:
    rows = [
        {"group": {"province": code}, "policy": policy, "status": status, "cases": cases * n, "amount_vnd": str(amount * n)}
        for code, n in FACTOR.items()
        for policy, status, cases, amount in POLICIES
    ]
    return {
        **SCOPE,
        "by": ["province"],
        "rows": rows,
        "cases": sum(r["cases"] for r in rows),
        "amount_vnd": str(sum(int(r["amount_vnd"]) for r in rows)),
    }


def _headcount() -> dict[str, Any]:
    rows = [
        {"group": {"province": "04", "agency": "Phòng Kinh tế xã Quảng Lâm"}, "headcount": 9, "quota": 8, "over_quota": 1},
        {"group": {"province": "79", "agency": "Sở Nội vụ"}, "headcount": 90, "quota": 80, "over_quota": 10},
        {"group": {"province": "79", "agency": "Sở Y tế"}, "headcount": 50, "quota": 60, "over_quota": 0},
    ]
    return {**SCOPE, "by": ["province", "agency"], "year": 2026, "rows": rows, "total": {**rows[0], "group": {}}}


@pytest.fixture
def country():
    """The gateway as reporting sees it for the whole country: two provinces in force."""
    with respx.mock(base_url=GATEWAY, assert_all_called=False, using=UPSTREAMS) as mock:
        mock.get("/api/v1/org/units", name="provinces").respond(json=_units(PROVINCES))
        for path, body in BY_PROVINCE.items():
            mock.get(path).respond(json=body)
        mock.get("/api/v1/personnel/stats/qualifications").respond(json=_qualifications())
        mock.get("/api/v1/personnel/stats/streamlining").respond(json=_streamlining())
        late = [{"group": {"province": "04"}, "people": 3}, {"group": {"province": "79"}, "people": 4}]
        not_completed = {**SCOPE, "year": 2025, "by": ["province"], "rows": late, "total": 7}
        not_completed.pop("as_of")
        mock.get("/api/v1/personnel/stats/tasks-not-completed", name="tasks_not_completed").respond(json=not_completed)
        gap_rows = [{"group": {"province": "04"}, "people": 2}, {"group": {"province": "79"}, "people": 6}]
        gaps = {**SCOPE, "by": ["province"], "rows": gap_rows, "total": 8, "sample": ["p-1", "p-2"]}
        mock.get("/api/v1/personnel/stats/gaps").respond(json=gaps)
        mock.get("/api/v1/personnel/stats/headcount").respond(json=_headcount())
        yield mock
        assert_fakes_match_producers(mock)


async def _summary_report(client: httpx.AsyncClient, **params: str) -> httpx.Response:
    return await client.get("/national/summary", params={"as_of": AS_OF, **params})


async def test_a_national_summary_for_1945_or_before_counts_no_failed_evaluations(
    client: httpx.AsyncClient, country: respx.MockRouter
) -> None:
    response = await client.get("/national/summary", params={"as_of": "1945-06-30"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["complete"], report["missing"]) == (True, [])
    staff = report["staff"]
    assert staff["tasks_not_completed_two_years"] == {"year": 1944, "people": 0}
    assert [r["tasks_not_completed_two_years"] for r in staff["by_province"]] == [0, 0]
    assert not country.routes["tasks_not_completed"].called


async def test_the_national_summary_adds_up_the_provinces(client: httpx.AsyncClient, country: respx.MockRouter) -> None:
    response = await _summary_report(client)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["report"], report["complete"], report["missing"]) == ("national_summary", True, [])
    tasks = report["tasks"]
    assert [(r["province"], r["name"], r["total"]) for r in tasks["by_province"]] == [
        ("04", "Tỉnh Cao Bằng", 150),
        ("79", "Thành phố Hồ Chí Minh", 450),
    ]
    assert tasks["by_level"] == {"province": 400, "district": 0, "commune": 200}
    assert tasks["total"] == 600
    assert tasks["by_sector"] == [{"sector": "Nội vụ", "count": 400}]
    decisions = report["decisions"]
    assert decisions["by_level"]["province"] == {"required": 56, "issued": 48}
    assert [(r["required"], r["issued"], r["missing"]) for r in decisions["by_province"]] == [(214, 211, 3), (642, 633, 9)]
    assert decisions["agencies_without_decision"] == 12
    staff = report["staff"]
    assert staff["by_category"] == {"cadre": 400, "civil_servant": 2000, "public_employee": 480}
    assert staff["cadres_and_civil_servants"]["all"]["headcount"] == 2400
    assert staff["cadres_and_civil_servants"]["all"]["university_or_higher"] == {"count": 2348, "share": 0.9783}
    assert (staff["people_placed_at_communes"], staff["cadres_and_civil_servants_at_communes"]) == (2480, 2000)
    assert staff["tasks_not_completed_two_years"] == {"year": 2025, "people": 7}
    cao_bang = staff["by_province"][0]
    assert (cao_bang["province"], cao_bang["headcount"], cao_bang["cadres_and_civil_servants"]) == ("04", 720, 600)
    assert cao_bang["university_or_higher"] == {"count": 690, "share": 0.9583}
    assert cao_bang["tasks_not_completed_two_years"] == 3
    assert sum(r["headcount"] for r in staff["by_province"]) == sum(staff["by_category"].values())
    assets = report["assets"]
    assert assets["premises_held_by_communes"] == 4 * 2098
    assert assets["car_norm"] == {"max_per_commune": 2, "communes": 224, "over_norm": 4, "under_norm": 0}
    first = assets["by_province"][0]
    assert (first["communes"], first["premises_per_commune"], first["cars_per_commune"]) == (56, 37.46, 1.07)
    for name in ("premises_held_by_communes", "all_cars_held_by_communes", "general_work_cars_held_by_communes"):
        assert assets[name] == sum(r[name] for r in assets["by_province"])
    streamlining = report["streamlining"]
    assert (streamlining["cases"], streamlining["amount_vnd"]) == (16, 4 * 2384364375)
    assert [(r["cases"], r["paid"]) for r in streamlining["by_province"]] == [(4, 3), (12, 9)]
    assert streamlining["by_policy"]["early_retirement"]["by_status"] == {"paid": 12}
    dispositions = report["dispositions"]
    assert dispositions["by_status"] == {"proposed": 0, "submitted": 12, "approved": 8, "rejected": 0, "executed": 28}
    assert dispositions["plans"] == sum(r["plans"] for r in dispositions["by_province"]) == 48
    assert (dispositions["overdue_decisions"], dispositions["surplus_without_plan"]) == (4, {"premises": 8})
    plans = report["plans"]
    assert (plans["plans_open"], plans["overdue"]) == (4, 8)
    assert plans["items"] == {"done": 20, "in_progress": 12, "not_started": 8}
    assert [(r["province"], r["items"], r["overdue"]) for r in plans["by_province"]] == [("04", 10, 2), ("79", 30, 6)]
    assert response.headers["cache-control"] == "private, max-age=300"


async def test_the_national_gaps_count_each_province(client: httpx.AsyncClient, country: respx.MockRouter) -> None:
    response = await client.get("/national/transition-gaps", params={"as_of": AS_OF})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["report"], report["complete"]) == ("national_transition_gaps", True)
    assert report["tasks"]["counts"] == {"no_owner": 8, "overlap": 4}
    assert [r["total"] for r in report["tasks"]["by_province"]] == [3, 9]
    assert report["agencies"]["total"] == 12
    people = report["people"]
    assert (people["total"], people["agencies_over_quota"]) == (8, 2)
    assert [(r["unplaced"], r["agencies_over_quota"], r["people_over_quota"]) for r in people["by_province"]] == [
        (2, 1, 1),
        (6, 1, 10),
    ]
    assert people["sample"] == [{"person": "/api/v1/personnel/people/p-1"}, {"person": "/api/v1/personnel/people/p-2"}]
    assert report["assets"] == {
        "total": 20,
        "overdue_decisions": 4,
        "by_province": [
            {"province": "04", "name": "Tỉnh Cao Bằng", "assets_without_plan": 5, "overdue_decisions": 1},
            {"province": "79", "name": "Thành phố Hồ Chí Minh", "assets_without_plan": 15, "overdue_decisions": 3},
        ],
    }


async def test_the_csv_and_xlsx_hold_the_provinces_rows(client: httpx.AsyncClient, country: respx.MockRouter) -> None:
    response = await _summary_report(client, format="csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="tong-hop-toan-quoc-2026-04-15.csv"'
    lines = list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert lines[0] == ["muc", "bang", "chi_tieu", "cot", "gia_tri"]
    table = "Nhiệm vụ quản lý nhà nước theo tỉnh và cấp"
    assert ["Nhiệm vụ quản lý nhà nước", table, "Tỉnh Cao Bằng", "Tổng", "150"] in lines
    assert ["Nhiệm vụ quản lý nhà nước", table, "Cả nước", "Tổng", "600"] in lines
    response = await _summary_report(client, format="xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:3] == ["Tổng quan", "Nhiệm vụ quản lý nhà nước", "Quyết định chức năng, nhiệm vụ"]
    values = [row for row in book["Tài sản công"].iter_rows(values_only=True) if row and row[0] == "Thành phố Hồ Chí Minh"]
    assert values
    assert values[0][1:4] == ("79", 168, 3 * 2098)


async def test_a_source_down_leaves_its_national_sections_missing(client: httpx.AsyncClient, country: respx.MockRouter) -> None:
    country.get("/api/v1/assets/stats/dispositions/by-province").respond(503)
    response = await _summary_report(client)
    report = response.json()
    assert report["complete"] is False
    assert [(m["section"], m["service"]) for m in report["missing"]] == [("dispositions", "assets")]
    assert report["dispositions"] is None
    assert report["tasks"]["total"] == 600
    assert response.headers["cache-control"] == "no-store"


async def test_a_kept_national_report_is_reused(client: httpx.AsyncClient, country: respx.MockRouter) -> None:
    await _summary_report(client)
    calls = country.calls.call_count
    assert (await _summary_report(client, format="xlsx")).status_code == 200
    assert country.calls.call_count == calls


async def test_only_a_national_area_reads_the_national_reports(
    client: httpx.AsyncClient, test_tokens: TestTokens, country: respx.MockRouter
) -> None:
    for path in ("/national/summary", "/national/transition-gaps"):
        params = {"as_of": AS_OF}
        for allowed in (test_tokens.headers(Role.VIEWER), test_tokens.headers(Role.AUDITOR), test_tokens.headers(Role.ADMIN)):
            assert (await client.get(path, params=params, headers=allowed)).status_code == 200
        officer = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
        assert_problem(await client.get(path, params=params, headers=officer), 403, "outside_area")
        viewer = test_tokens.headers(Role.VIEWER, province="04")
        assert_problem(await client.get(path, params=params, headers=viewer), 403, "outside_area")
        commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
        assert_problem(await client.get(path, params=params, headers=commune), 403, "role_not_allowed")


async def test_the_national_reports_are_documented_in_three_media_types(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path, model in (("/national/summary", "NationalSummary"), ("/national/transition-gaps", "NationalGaps")):
        ok = spec["paths"][path]["get"]["responses"]["200"]
        assert set(ok["content"]) == {
            "application/json",
            "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
        assert ok["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
        assert {"as_of", "format"} <= {p["name"] for p in spec["paths"][path]["get"]["parameters"]}


# NOTE: the reads each national report makes, each once: org-structure's and assets' one per statistic for the country
SUMMARY_READS = [
    "/api/v1/org/units",
    "/api/v1/org/tasks/stats/by-province",
    "/api/v1/org/function-decisions/progress/by-province",
    "/api/v1/org/plans/stats/by-province",
    "/api/v1/assets/stats/summary/by-province",
    "/api/v1/assets/stats/car-norms/by-province",
    "/api/v1/assets/stats/dispositions/by-province",
    "/api/v1/personnel/stats/qualifications",
    "/api/v1/personnel/stats/tasks-not-completed",
    "/api/v1/personnel/stats/streamlining",
]
GAPS_READS = [
    "/api/v1/org/units",
    "/api/v1/org/tasks/findings/by-province",
    "/api/v1/org/function-decisions/progress/by-province",
    "/api/v1/assets/stats/gaps/by-province",
    "/api/v1/assets/stats/dispositions/by-province",
    "/api/v1/personnel/stats/gaps",
    "/api/v1/personnel/stats/headcount",
]


async def test_each_statistic_is_read_once_for_the_whole_country(client: httpx.AsyncClient, country: respx.MockRouter) -> None:
    for path, reads in (("/national/summary", SUMMARY_READS), ("/national/transition-gaps", GAPS_READS)):
        country.reset()
        response = await client.get(path, params={"as_of": AS_OF})
        assert response.json()["complete"] is True
        assert sorted(call.request.url.path for call in country.calls) == sorted(reads)
        assert {call.request.url.params.get("province") for call in country.calls} == {None}


async def test_a_province_with_nothing_to_count_has_a_row_of_zeros(client: httpx.AsyncClient, country: respx.MockRouter) -> None:
    """Hà Nội is in force but absent from every by-province answer; a row for a province not in force is left out."""
    country.get("/api/v1/org/units", name="provinces").respond(json=_units({"01": "Thành phố Hà Nội", **PROVINCES}))
    findings = BY_PROVINCE["/api/v1/org/tasks/findings/by-province"]
    former = {"province": "02", "total": 7, "counts": {"no_owner": 7}}
    country.get("/api/v1/org/tasks/findings/by-province").respond(json={**findings, "rows": [*findings["rows"], former]})
    summary = (await _summary_report(client)).json()
    gaps = (await client.get("/national/transition-gaps", params={"as_of": AS_OF})).json()
    hanoi = {"province": "01", "name": "Thành phố Hà Nội"}
    no_level = {"province": 0, "district": 0, "commune": 0}
    expected = {
        "tasks": {**hanoi, "total": 0, "by_level": no_level},
        "decisions": {**hanoi, "required": 0, "issued": 0, "missing": 0},
        "assets": {
            **hanoi,
            "communes": 0,
            "premises_held_by_communes": 0,
            "general_work_cars_held_by_communes": 0,
            "all_cars_held_by_communes": 0,
            "premises_per_commune": None,
            "cars_per_commune": None,
            "communes_over_norm": 0,
            "communes_under_norm": 0,
        },
        "dispositions": {**hanoi, "plans": 0, "executed": 0, "overdue_decisions": 0, "surplus_without_plan": 0},
        "plans": {**hanoi, "plans_open": 0, "items": 0, "overdue": 0},
    }
    for section, row in expected.items():
        assert [r["province"] for r in summary[section]["by_province"]] == ["01", *PROVINCES], section
        assert summary[section]["by_province"][0] == row, section
    assert summary["tasks"]["total"] == sum(r["total"] for r in summary["tasks"]["by_province"])
    expected = {
        "tasks": {**hanoi, "total": 0, "counts": {}},
        "agencies": {**hanoi, "total": 0},
        "assets": {**hanoi, "assets_without_plan": 0, "overdue_decisions": 0},
    }
    for section, row in expected.items():
        assert [r["province"] for r in gaps[section]["by_province"]] == ["01", *PROVINCES], section
        assert gaps[section]["by_province"][0] == row, section
    counted = [r for r in findings["rows"] if r["province"] in PROVINCES]
    assert gaps["tasks"]["total"] == sum(r["total"] for r in counted)
    response = await client.get("/national/transition-gaps", params={"as_of": AS_OF, "format": "csv"})
    lines = list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))
    table = "Nhiệm vụ chưa rõ người, rõ việc theo tỉnh"
    assert [line[3:] for line in lines if line[1:3] == [table, "Thành phố Hà Nội"]] == [
        ["Mã", "01"],
        *([kind, "0"] for kind in [*sorted(gaps["tasks"]["counts"]), "Tổng"]),
    ]
