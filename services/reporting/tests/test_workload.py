"""The workload (issue #18): tasks held, people placed and tasks per person, computed from stand-in records."""

import csv
import io
from decimal import Decimal
from types import SimpleNamespace

import httpx
import pytest
import respx
from openpyxl import load_workbook

from haicap_reporting.sections.workload import median, per_person
from haicap_shared.roles import Role
from haicap_shared.testing import UPSTREAMS, TestTokens, assert_problem

from .conftest import GATEWAY
from .producers import assert_fakes_match_producers
from .test_reports import CAO_BANG, fake_quang_lam, org  # noqa: F401 (the fixture)
from .workload_fakes import HOA_AN, NAM_TUAN, PROVINCE, Commune, Ownership, Placement, Records, _agency, fake_workload

AS_OF = "2026-04-15"


@pytest.fixture
def gateway():
    """The province, org-structure's workload and personnel's headcount answering for the stand-in records."""
    with respx.mock(base_url=GATEWAY, assert_all_called=False, using=UPSTREAMS) as mock:
        mock.get(f"/api/v1/org/units/by-code/{PROVINCE}", name="province").respond(json=CAO_BANG)
        yield SimpleNamespace(mock=mock, records=fake_workload(mock))
        assert_fakes_match_producers(mock)


async def _workload(client: httpx.AsyncClient, as_of: str = AS_OF, **params: str) -> httpx.Response:
    response = await client.get(f"/provinces/{PROVINCE}/workload", params={"as_of": as_of} | params)
    assert response.status_code == 200, response.text
    return response


def test_tasks_per_person_and_the_median_are_exact_decimals() -> None:
    assert (per_person(7, 2), per_person(2, 3), per_person(1, 8), per_person(5, 0)) == (
        Decimal("3.50"),
        Decimal("0.67"),
        Decimal("0.13"),  # 0.125 half up
        None,
    )
    assert (median([Decimal("3.50"), Decimal("0.50"), Decimal("1.50")]), median([Decimal("0.67"), Decimal("0.50")])) == (
        Decimal("1.50"),
        Decimal("0.59"),  # 0.585 half up
    )
    assert median([]) is None


async def test_the_workload_of_each_commune_and_agency(client: httpx.AsyncClient, gateway) -> None:
    response = await _workload(client)
    report = response.json()
    assert (report["report"], report["province"], report["complete"], report["missing"]) == ("province_workload", "04", True, [])
    assert response.headers["cache-control"] == "private, max-age=300"
    workload = report["workload"]
    assert (workload["baseline_date"], workload["median_tasks_per_person"]) == ("2025-06-30", "1.50")
    communes = {c["commune_code"]: c for c in workload["communes"]}
    assert list(communes) == ["01273", "01654", "01660"]
    thuc_phan = communes["01273"]
    assert thuc_phan == {
        "commune_code": "01273",
        "name": "Phường Thục Phán",
        "agencies": 1,
        "tasks_lead": 6,
        "tasks_shared": 1,
        "tasks_held": 7,
        "people": 2,
        "people_by_category": {"cadre": 1, "civil_servant": 1},
        "quota": 3,
        "tasks_per_person": "3.50",
        "predecessor_codes": ["01267", "01273"],
        # Hợp Giang's two tasks and Sông Hiến's one, one person each, on 2025-06-30
        "baseline": {"tasks_held": 3, "people": 2, "tasks_per_person": "1.50"},
        "change": {"tasks_held": 4, "people": 0, "tasks_per_person": "2.00"},
    }
    hoa_an = communes["01654"]
    assert (hoa_an["tasks_held"], hoa_an["people"], hoa_an["tasks_per_person"]) == (2, 4, "0.50")
    # No one was placed in Hồng Việt: no tasks per person then, and no change of it.
    assert hoa_an["baseline"] == {"tasks_held": 1, "people": 0, "tasks_per_person": None}
    assert hoa_an["change"] == {"tasks_held": 1, "people": 4, "tasks_per_person": None}
    nam_tuan = communes["01660"]
    assert (nam_tuan["tasks_lead"], nam_tuan["tasks_shared"], nam_tuan["tasks_held"]) == (3, 0, 3)
    assert (nam_tuan["people_by_category"], nam_tuan["tasks_per_person"]) == ({"civil_servant": 1, "public_employee": 1}, "1.50")
    assert workload["above_median"] == [
        {"commune_code": "01273", "name": "Phường Thục Phán", "tasks_per_person": "3.50", "ratio_to_median": "2.33"}
    ]
    agencies = {a["name"]: a for a in workload["agencies"]}
    assert list(agencies) == ["Sở Nội vụ", "UBND phường Thục Phán", "UBND xã Hòa An", "UBND xã Nam Tuấn"]
    home_affairs = agencies["Sở Nội vụ"]
    assert (home_affairs["level"], home_affairs["tasks_held"], home_affairs["people"], home_affairs["quota"]) == (
        "province",
        5,
        10,
        9,
    )
    assert home_affairs["tasks_per_person"] == "0.50"
    assert home_affairs["baseline"] == {"tasks_held": 5, "people": 10, "tasks_per_person": "0.50"}
    assert home_affairs["change"] == {"tasks_held": 0, "people": 0, "tasks_per_person": "0.00"}
    # Formed on 2025-07-01: no baseline.
    assert (agencies["UBND xã Hòa An"]["baseline"], agencies["UBND xã Hòa An"]["change"]) == (None, None)


async def test_one_record_moves_the_figures_by_exactly_that(client: httpx.AsyncClient, gateway) -> None:
    before = (await _workload(client)).json()["workload"]
    records: Records = gateway.records
    records.ownerships.append(Ownership("T12", HOA_AN))
    after = (await _workload(client, "2026-04-16")).json()["workload"]
    moved = {c["commune_code"]: c for c in after["communes"]}
    kept = {c["commune_code"]: c for c in before["communes"]}
    assert (moved["01654"]["tasks_lead"], moved["01654"]["tasks_held"], moved["01654"]["tasks_per_person"]) == (3, 3, "0.75")
    assert moved["01654"]["change"]["tasks_held"] == kept["01654"]["change"]["tasks_held"] + 1
    assert {k: v for k, v in moved.items() if k != "01654"} == {k: v for k, v in kept.items() if k != "01654"}
    hoa_an = next(a for a in after["agencies"] if a["name"] == "UBND xã Hòa An")
    assert hoa_an["tasks_held"] == 3
    # One more person in Nam Tuấn: 3 / 3 = 1.00 becomes the median; Thục Phán is 3.5 times it.
    records.placements.append(Placement(NAM_TUAN, "cadre"))
    after = (await _workload(client, "2026-04-17")).json()["workload"]
    nam_tuan = next(c for c in after["communes"] if c["commune_code"] == "01660")
    assert (nam_tuan["people"], nam_tuan["people_by_category"]["cadre"], nam_tuan["tasks_per_person"]) == (3, 1, "1.00")
    assert after["median_tasks_per_person"] == "1.00"
    assert [(a["commune_code"], a["ratio_to_median"]) for a in after["above_median"]] == [("01273", "3.50")]


async def test_at_most_ten_communes_above_the_median(client: httpx.AsyncClient, gateway) -> None:
    records: Records = gateway.records
    for i in range(30):
        code = f"{1700 + i:05d}"
        agency = _agency(f"UBND xã {code}", "commune", code)
        records.communes.append(Commune(code, f"Xã {code}", ()))
        records.agencies.append(agency)
        records.ownerships.extend(Ownership(f"X{i}-{t}", agency) for t in range(20 + i))
        records.placements.append(Placement(agency, "civil_servant"))
    workload = (await _workload(client)).json()["workload"]
    # 33 communes: 0.50, 1.50, 3.50 and 20..49 tasks for one person each; the median is the 17th, 33.00;
    # 16 communes are above it, the 10 furthest listed.
    assert workload["median_tasks_per_person"] == "33.00"
    above = workload["above_median"]
    assert [a["commune_code"] for a in above] == [f"{1729 - i:05d}" for i in range(10)]
    assert (above[0]["tasks_per_person"], above[0]["ratio_to_median"]) == ("49.00", "1.48")
    assert (above[-1]["tasks_per_person"], above[-1]["ratio_to_median"]) == ("40.00", "1.21")


async def test_the_csv_and_the_xlsx_with_its_chart(client: httpx.AsyncClient, gateway) -> None:
    response = await _workload(client, format="csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert ["Khối lượng nhiệm vụ", "Khối lượng nhiệm vụ theo xã", "01273", "Nhiệm vụ/người", "3.50"] in rows
    assert ["Khối lượng nhiệm vụ", "Khối lượng nhiệm vụ theo xã", "01654", "Nhiệm vụ đảm nhận", "2"] in rows
    assert ["Khối lượng nhiệm vụ", "Người làm việc theo xã và loại", "01660", "Viên chức", "1"] in rows
    response = await _workload(client, format="xlsx")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Khối lượng nhiệm vụ"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    header = cells[1]
    assert header[:3] == ["Mã xã", "Tên xã", "Số cơ quan"]
    per_person_column = header.index("Nhiệm vụ/người")
    assert [row[per_person_column] for row in cells[2:5]] == [3.5, 0.5, 1.5]
    [chart] = sheet._charts
    assert chart.tagname == "barChart"
    assert chart.title.tx.rich.p[0].r[0].t == "Nhiệm vụ bình quân mỗi người theo xã"


async def test_the_province_summary_and_the_commune_profile_show_the_workload(
    client: httpx.AsyncClient,
    test_tokens: TestTokens,
    org,  # noqa: F811
) -> None:
    records = Records()
    quang_lam = _agency("UBND xã Quảng Lâm", "commune", "01304")
    records.communes.append(Commune("01304", "Xã Quảng Lâm", ("01303",)))
    records.agencies.append(quang_lam)
    records.ownerships.extend(Ownership(f"Q{i}", quang_lam) for i in range(9))
    records.placements.extend(Placement(quang_lam, "civil_servant") for _ in range(3))
    fake_workload(org, records)  # NOTE: personnel's headcount too, in place of the fixture's
    summary = await client.get(f"/provinces/{PROVINCE}/summary", params={"as_of": AS_OF})
    assert summary.status_code == 200, summary.text
    workload = summary.json()["workload"]
    assert [c["commune_code"] for c in workload["communes"]] == ["01273", "01304", "01654", "01660"]
    assert workload["median_tasks_per_person"] == "2.25"  # 0.50, 1.50, 3.00, 3.50: (1.50 + 3.00) / 2
    fake_quang_lam(org)
    own = test_tokens.headers(Role.COMMUNE_OFFICER, province=PROVINCE, commune="01304")
    response = await client.get("/communes/01304/profile", params={"as_of": AS_OF}, headers=own)
    assert response.status_code == 200, response.text
    mine = response.json()["workload"]
    assert [c["commune_code"] for c in mine["communes"]] == ["01304"]
    assert [a["name"] for a in mine["agencies"]] == ["UBND xã Quảng Lâm"]
    assert mine["communes"][0]["tasks_held"] == 9


async def test_who_may_read_the_workload(client: httpx.AsyncClient, test_tokens: TestTokens, gateway) -> None:
    other = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    response = await client.get(f"/provinces/{PROVINCE}/workload", params={"as_of": AS_OF}, headers=other)
    assert_problem(response, 403, "outside_area")
    own = test_tokens.headers(Role.PROVINCE_OFFICER, province=PROVINCE)
    response = await client.get(f"/provinces/{PROVINCE}/workload", params={"as_of": AS_OF}, headers=own)
    assert response.status_code == 200, response.text
