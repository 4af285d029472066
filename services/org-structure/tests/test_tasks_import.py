"""Importing a province's task catalogue from CSV and XLSX: per-row report, all or nothing."""

import io
from datetime import datetime
from typing import Any

import httpx
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.agencies.models import AgencyKind
from haicap_org_structure.tasks.models import ownership_table, task_table
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .task_helpers import AFTER, add_agency, cao_bang_agencies, csv_file, stats

VIETNAMESE_HEADER = [
    "Mã nhiệm vụ",
    "Tên nhiệm vụ",
    "Lĩnh vực",
    "Căn cứ pháp lý",
    "Điều khoản",
    "Cơ quan chủ trì",
    "Từ ngày",
    "Dùng chung",
]


async def _tasks(session: AsyncSession) -> tuple[int, int]:
    tasks = await session.scalar(select(func.count()).select_from(task_table))
    owners = await session.scalar(select(func.count()).select_from(ownership_table))
    return int(tasks or 0), int(owners or 0)


async def _import(client: httpx.AsyncClient, content: bytes, name: str = "tasks.csv", **params: Any) -> httpx.Response:
    return await client.post("/tasks/imports", params={"province": "04"} | params, files={"file": (name, content)})


def _row(code: str, owner: str, valid_from: str = "01/01/2020", **overrides: str) -> dict[str, str]:
    return {
        "Mã nhiệm vụ": code,
        "Tên nhiệm vụ": f"Nhiệm vụ {code}",
        "Lĩnh vực": "Y tế",
        "Căn cứ pháp lý": "Luật Khám bệnh, chữa bệnh 2023",
        "Điều khoản": "Điều 5",
        "Cơ quan chủ trì": owner,
        "Từ ngày": valid_from,
        "Dùng chung": "Không",
    } | overrides


async def test_a_csv_with_vietnamese_headers_is_imported(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    rows = [
        _row("YT-001", str(ag.health)),
        _row("YT-002", "Sở Y tế", "2021-03-01"),  # an agency's exact name, unambiguous in the province
        _row("YT-003", "so y te", **{"Dùng chung": "Có", "Căn cứ pháp lý": ""}),  # diacritics-insensitive name
        _row("KT-001", "Phòng Kinh tế xã Hòa An", "01/07/2025", **{"Lĩnh vực": "Kinh tế"}),
    ]
    response = await _import(client, csv_file(rows, VIETNAMESE_HEADER))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["rows"], report["accepted"], report["rejected"], report["written"], report["problems"]) == (4, 4, 0, 4, [])
    assert await _tasks(session) == (4, 4)
    listed = {t["code"]: t for t in (await client.get("/tasks", params={"as_of": "2025-07-01"})).json()["items"]}
    assert listed["YT-002"]["owner_since"] == "2021-03-01"
    assert (listed["YT-003"]["shared"], listed["YT-003"]["legal_basis"]) == (True, None)
    assert (listed["KT-001"]["level"], listed["KT-001"]["owner_agency_name"]) == ("commune", "Phòng Kinh tế xã Hòa An")
    assert (await stats(client, "2025-07-01"))["by_level"] == {"province": 3, "district": 0, "commune": 1}
    events = (await client.get("/audit-events", params={"entity_type": "task_import"})).json()["items"]
    assert [(e["action"], e["after"]["written"]) for e in events] == [("import", 4)]


async def test_an_xlsx_form_is_imported(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["code", "title", "sector", "legal_basis", "legal_article", "owner_agency_id", "valid_from", "shared"])
    sheet.append(
        ["NV-1", "Quản lý biên chế", "Nội vụ", "Nghị định 62/2020/NĐ-CP", None, str(ag.home_affairs), datetime(2020, 1, 1), 0]
    )
    sheet.append(["NV-2", "Quản lý đất đai", "Đất đai", None, None, str(ag.hoa_an_office), "15/03/2019", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = await _import(client, buffer.getvalue(), "danh-muc.xlsx")
    assert response.status_code == 200, response.text
    assert response.json()["written"] == 2
    assert (await stats(client, "2025-06-30"))["by_level"] == {"province": 1, "district": 1, "commune": 0}


async def test_a_bad_row_refuses_the_whole_file(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    await _import(client, csv_file([_row("YT-001", str(ag.health))], VIETNAMESE_HEADER))
    rows = [
        _row("YT-010", str(ag.health)),
        _row("YT-001", str(ag.health)),  # code already recorded
        _row("YT-011", "Không có cơ quan này"),
        _row("YT-012", str(ag.hoa_an_commune), "2024-01-01"),  # before the commune office exists
        _row("YT-013", str(ag.health), "31/02/2024"),
        _row("YT-010", str(ag.health)),  # the same code twice in the file
        _row("", str(ag.health), **{"Tên nhiệm vụ": ""}),
        _row("YT-014", str(ag.health), **{"Dùng chung": "maybe"}),
        _row("YT-015", str(ag.health)),
    ]
    before = await _tasks(session)
    body = assert_problem(await _import(client, csv_file(rows, VIETNAMESE_HEADER)), 409, "import_rejected")
    report = body["report"]
    assert (report["rows"], report["accepted"], report["rejected"], report["written"], report["partial"]) == (9, 2, 7, 0, False)
    problems = {p["row"]: p["errors"] for p in report["problems"]}
    assert sorted(problems) == [3, 4, 5, 6, 7, 8, 9]
    assert problems[3][0].startswith("task_code_taken")
    assert problems[4] == ["owner_not_found: no agency named 'Không có cơ quan này' in this province"]
    assert problems[5][0].startswith("owner_not_in_force")
    assert problems[6][0].startswith("valid_from")
    assert problems[7][0].startswith("task_code_taken")
    assert problems[8] == ["code is missing", "title is missing"]
    assert problems[9][0].startswith("shared")
    assert await _tasks(session) == before

    # Asked for, a partial import writes the good rows and reports the others.
    response = await _import(client, csv_file(rows, VIETNAMESE_HEADER), partial="true")
    assert response.status_code == 200, response.text
    assert (response.json()["written"], response.json()["rejected"]) == (2, 7)
    assert await _tasks(session) == (before[0] + 2, before[1] + 2)


async def test_names_that_are_ambiguous_need_an_id(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    await cao_bang_agencies(session)
    await add_agency(session, "Văn phòng HĐND và UBND", AgencyKind.COMMUNE_OFFICE, "01654", valid_from=AFTER)
    await add_agency(session, "Văn phòng HĐND và UBND", AgencyKind.COMMUNE_OFFICE, "01660", valid_from=AFTER)
    await session.commit()
    body = assert_problem(
        await _import(client, csv_file([_row("VP-1", "Văn phòng HĐND và UBND", "2025-07-01")], VIETNAMESE_HEADER)),
        409,
        "import_rejected",
    )
    assert body["report"]["problems"][0]["errors"] == [
        "owner_not_found: 2 agencies are named 'Văn phòng HĐND và UBND'; give the agency's id"
    ]


async def test_unreadable_files_and_areas(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    ag = await cao_bang_agencies(session)
    assert_problem(await _import(client, b"\x00\x01", "tasks.pdf"), 422, "unreadable_file")
    assert_problem(await _import(client, b"foo,bar\n1,2\n"), 422, "unreadable_file")
    assert_problem(await _import(client, "Mã nhiệm vụ\nX\n".encode("utf-16")), 422, "invalid_encoding")
    elsewhere = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    content = csv_file([_row("YT-001", str(ag.health))], VIETNAMESE_HEADER)
    response = await client.post(
        "/tasks/imports", params={"province": "04"}, files={"file": ("t.csv", content)}, headers=elsewhere
    )
    assert_problem(response, 403, "outside_area")
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01654")
    response = await client.post("/tasks/imports", params={"province": "04"}, files={"file": ("t.csv", content)}, headers=commune)
    body = assert_problem(response, 409, "import_rejected")
    assert body["report"]["problems"][0]["errors"][0].startswith("outside_area")
    assert await _tasks(session) == (0, 0)


async def test_a_large_file_is_written_in_batches(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    rows = [_row(f"YT-{n:05d}", str(ag.health), **{"Tên nhiệm vụ": f"Nhiệm vụ số {n}"}) for n in range(2500)]
    response = await _import(client, csv_file(rows, VIETNAMESE_HEADER))
    assert response.status_code == 200, response.text
    assert response.json()["written"] == 2500
    assert (await stats(client, "2024-01-01"))["by_level"]["province"] == 2500
