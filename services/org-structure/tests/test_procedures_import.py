"""Importing the procedure catalogue from CSV and XLSX: a row per version, all or nothing, and the reference set."""

import csv
import io
import re
from importlib.resources import files
from typing import Any

import httpx
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.procedures.models import level_table, procedure_table
from haicap_shared.procedures.schemas import PROCEDURE_CODE_PATTERN
from haicap_shared.testing import assert_problem

from .task_helpers import csv_file

REFERENCE = files("haicap_org_structure.procedures") / "data" / "home_affairs_procedures.csv"
HEADER = ["code", "name", "sector", "level", "agency_in_charge", "processing_days", "valid_from", "valid_to", "basis"]


def _row(code: str, level: str = "province", valid_from: str = "2020-01-01", **overrides: str) -> dict[str, str]:
    return {
        "code": code,
        "name": f"Thủ tục {code}",
        "sector": "Công chức, viên chức",
        "level": level,
        "agency_in_charge": "Sở Nội vụ",
        "processing_days": "30",
        "valid_from": valid_from,
        "valid_to": "",
        "basis": "Nghị định 161/2018/NĐ-CP",
    } | overrides


async def _counts(session: AsyncSession) -> tuple[int, int]:
    procedures = await session.scalar(select(func.count()).select_from(procedure_table))
    levels = await session.scalar(select(func.count()).select_from(level_table))
    return int(procedures or 0), int(levels or 0)


async def _import(client: httpx.AsyncClient, content: bytes, name: str = "procedures.csv") -> httpx.Response:
    return await client.post("/procedures/imports", files={"file": (name, content)})


async def test_rows_of_one_code_are_its_versions(client: httpx.AsyncClient, session: AsyncSession) -> None:
    rows = [
        _row("1.005384"),
        _row("1.000804", "huyện", "31/07/2017", valid_to="30/06/2025"),
        _row("1.000804", "Cấp xã", "01/07/2025", basis="Nghị định 150/2025/NĐ-CP"),
    ]
    response = await _import(client, csv_file(rows, HEADER))
    assert response.status_code == 200, response.text
    assert {k: v for k, v in response.json().items() if k != "problems"} == {
        "rows": 3,
        "accepted": 3,
        "rejected": 0,
        "written": 3,
        "partial": False,
    }
    assert await _counts(session) == (2, 3)
    moved = (await client.get("/procedures/1.000804", params={"as_of": "2025-07-01"})).json()
    assert [(v["level"], v["valid_from"], v["valid_to"]) for v in moved["levels"]] == [
        ("district", "2017-07-31", "2025-06-30"),
        ("commune", "2025-07-01", None),
    ]
    assert moved["basis"] == "Nghị định 150/2025/NĐ-CP"
    events = (await client.get("/audit-events", params={"entity_type": "procedure_import"})).json()["items"]
    assert [(e["action"], e["after"]["written"]) for e in events] == [("import", 3)]


async def test_a_bad_row_refuses_the_whole_file_with_every_problem(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await client.post("/procedures/imports", files={"file": ("first.csv", csv_file([_row("1.009319")], HEADER))})
    rows = [
        _row("1.005384"),
        _row("1.000804", "district", valid_to="2025-07-01"),
        _row("1.000804", "commune", "2025-07-01"),  # shares 2025-07-01 with the row before
        _row("1.009319"),  # already in the catalogue
        _row("12345", level="ward", processing_days="400"),
        _row("1.005385", valid_from="", name=""),
    ]
    response = await _import(client, csv_file(rows, HEADER))
    body = assert_problem(response, 409, "import_rejected")
    # NOTE: the catalogue is all or nothing: the problem does not offer a partial import it has not.
    assert "partial" not in body["detail"]
    problems = {p["row"]: " | ".join(p["errors"]) for p in body["report"]["problems"]}
    assert sorted(problems) == [4, 5, 6, 7]
    assert "procedure_levels_overlap" in problems[4]
    assert "procedure_code_taken" in problems[5]
    assert all(word in problems[6] for word in ("code", "level", "processing_days"))
    assert "name is missing" in problems[7]
    assert "valid_from is missing" in problems[7]
    assert (body["report"]["written"], await _counts(session)) == (0, (1, 1))


async def test_an_xlsx_with_vietnamese_headers(client: httpx.AsyncClient, session: AsyncSession) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["Mã TTHC", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện", "Cơ quan thực hiện", "Thời hạn giải quyết", "Từ ngày", "Căn cứ"]
    )
    sheet.append(
        [
            "2.000509",
            "Thủ tục đăng ký hoạt động tín ngưỡng",
            "Tín ngưỡng, tôn giáo",
            "xã",
            "UBND cấp xã",
            10,
            "2018-01-01",
            "Nghị định 162/2017/NĐ-CP",
        ]
    )
    content = io.BytesIO()
    book.save(content)
    response = await _import(client, content.getvalue(), "procedures.xlsx")
    assert response.status_code == 200, response.text
    procedure = (await client.get("/procedures/2.000509")).json()
    assert (procedure["level"], procedure["processing_days"], procedure["valid_from"]) == ("commune", 10, "2018-01-01")


def _reference_rows() -> list[dict[str, Any]]:
    return list(csv.DictReader(io.StringIO(REFERENCE.read_text(encoding="utf-8"))))


async def test_the_reference_set_imports_cleanly(client: httpx.AsyncClient, session: AsyncSession) -> None:
    rows = _reference_rows()
    codes = {row["code"] for row in rows}
    assert 25 <= len(codes) <= 40
    assert all(re.match(PROCEDURE_CODE_PATTERN, code) for code in codes)
    response = await _import(client, REFERENCE.read_bytes(), "home_affairs_procedures.csv")
    assert response.status_code == 200, response.text
    assert (response.json()["written"], await _counts(session)) == (len(rows), (len(codes), len(rows)))
    expected_moves = sorted(row["code"] for row in rows if row["level"] == "commune" and row["valid_from"] == "2025-07-01")
    moved = (await client.get("/procedures/moved")).json()
    assert [p["code"] for p in moved["procedures"]] == expected_moves
    assert all(p["basis"] for p in moved["procedures"])
    sectors = {row["sector"] for row in rows}
    assert {"Tổ chức - Biên chế", "Công chức, viên chức", "Thi đua - Khen thưởng", "Tín ngưỡng, tôn giáo"} <= sectors
