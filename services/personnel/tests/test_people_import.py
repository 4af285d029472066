"""Bulk import of people: CSV and XLSX, the same per-row report on SQLite and PostgreSQL, all or nothing."""

import io
from typing import Any

import httpx
from openpyxl import Workbook

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import national_id

HEADER = ["Họ và tên", "Ngày sinh", "Giới tính", "Số định danh", "Đối tượng", "Trình độ chuyên môn", "Chuyên ngành",
          "Lý luận chính trị", "Hệ số lương", "Mã cơ quan", "Ghi chú"]  # fmt: skip


def _row(world: World, **changes: str) -> list[str]:
    values = {
        "name": "Hoàng Thị Lan",
        "birth": "12/05/1990",
        "sex": "Nữ",
        "nid": national_id(1990, "female"),
        "category": "Công chức",
        "education": "Đại học",
        "field": "Kế toán",
        "theory": "Trung cấp",
        "coefficient": "2,67",
        "agency": str(world.new_office.id),
        "note": "",
    } | changes
    return list(values.values())


def _csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(f'"{c}"' if "," in c else c for c in row) for row in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode()


async def _upload(client: httpx.AsyncClient, name: str, content: bytes, **params: Any) -> httpx.Response:
    return await client.post("/people/imports", files={"file": (name, content)}, params=params)


def _bad_rows(world: World, taken: str) -> list[list[str]]:
    duplicate = national_id(1985, "male")
    return [
        _row(world),  # row 2: good
        _row(world, nid="12345"),  # 3
        _row(world, nid=national_id(1990, "male")),  # 4: a man's digit for a woman
        _row(world, birth="31/02/1990", sex="Nam", category="ông chủ"),  # 5
        _row(world, agency=str(world.elsewhere.id)),  # 6
        _row(world, agency="not-an-id", coefficient="99"),  # 7
        _row(world, nid=taken, birth="01/01/1980"),  # 8: already recorded
        _row(world, nid=duplicate, sex="Nam", birth="1985-01-01"),  # 9: good
        _row(world, nid=duplicate, sex="Nam", birth="1985-01-01"),  # 10: repeated
        _row(world, name=""),  # 11
    ]


EXPECTED = [
    {"row": 3, "errors": ["national_id must be 12 digits"]},
    {"row": 4, "errors": ["national_id digits 4-6 are 090; a female born in 1990 has 190"]},
    {
        "row": 5,
        "errors": [
            "category ông chủ is not one of: cadre, civil_servant, public_employee, non_specialised, contract"
            " (or their Vietnamese names)",
            "birth_date 31/02/1990 is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
        ],
    },
    {"row": 6, "errors": ["agency Sở Nội vụ Bắc Kạn is outside your area"]},
    {"row": 7, "errors": ["salary_coefficient 99 is not a number from 0 to 30", "agency_id not-an-id is not an id"]},
    {"row": 8, "errors": ["a person with this national_id is already recorded"]},
    {"row": 10, "errors": ["national_id appears earlier in the file (row 9)"]},
    {"row": 11, "errors": ["full_name is missing"]},
]


async def _people(client: httpx.AsyncClient) -> int:
    return len((await client.get("/people", params={"limit": 500})).json()["items"])


async def _taken(client: httpx.AsyncClient, world: World) -> str:
    number = national_id(1980, "female")
    body = {"full_name": "Đã Có", "category": "cadre", "birth_date": "1980-01-01", "sex": "female", "national_id": number,
            "education_level": "university", "agency_id": str(world.department.id)}  # fmt: skip
    assert (await client.post("/people", json=body)).status_code == 201
    return number


async def test_bad_rows_are_reported_and_nothing_is_written(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    taken = await _taken(client, world)
    client.headers.update(test_tokens.headers(Role.PROVINCE_OFFICER, province="04"))
    refused = assert_problem(await _upload(client, "people.csv", _csv(_bad_rows(world, taken))), 409, "import_rejected")
    report = refused["report"]
    assert (report["rows"], report["rejected"], report["written"]) == (10, 8, 0)
    assert sorted(report["problems"], key=lambda p: p["row"]) == EXPECTED
    assert await _people(client) == 1


async def test_partial_writes_the_good_rows(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    taken = await _taken(client, world)
    client.headers.update(test_tokens.headers(Role.PROVINCE_OFFICER, province="04"))
    response = await _upload(client, "people.csv", _csv(_bad_rows(world, taken)), partial="true")
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["rows"], report["accepted"], report["rejected"], report["written"]) == (10, 2, 8, 2)
    assert await _people(client) == 3
    written = (await client.get("/people", params={"q": "hoang thi lan"})).json()["items"]
    assert sorted((p["sex"], p["education_level"], p["political_theory"], p["salary_coefficient"]) for p in written) == [
        ("female", "university", "intermediate", "2.67"),
        ("male", "university", "intermediate", "2.67"),
    ]
    admin = test_tokens.headers(Role.ADMIN)
    events = (await client.get("/audit-events", params={"entity_type": "person_import"}, headers=admin)).json()["items"]
    assert events[0]["after"]["written"] == 2


async def test_a_clean_file_is_imported_whole_and_a_blank_line_is_skipped(client: httpx.AsyncClient, world: World) -> None:
    content = _csv([_row(world), _row(world)]).replace(b"\n", b"\n\n", 1)
    response = await _upload(client, "people.csv", content)
    assert response.status_code == 201, response.text
    assert (response.json()["rows"], response.json()["written"]) == (2, 2)
    assert await _people(client) == 2


async def test_xlsx_and_unreadable_files(client: httpx.AsyncClient, world: World) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(_row(world))
    sheet.append(_row(world, nid="1"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    refused = assert_problem(await _upload(client, "people.xlsx", buffer.getvalue()), 409, "import_rejected")
    assert refused["report"]["problems"] == [{"row": 3, "errors": ["national_id must be 12 digits"]}]
    assert (await _upload(client, "people.xlsx", buffer.getvalue(), partial="true")).json()["written"] == 1
    assert_problem(await _upload(client, "people.pdf", b"%PDF"), 422, "unreadable_file")
    assert_problem(await _upload(client, "people.csv", b"a,b\n1,2\n"), 422, "unreadable_file")
    assert await _people(client) == 1


async def test_dates_outside_1900_2100_are_no_dates_on_either_database(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    client.headers.update(test_tokens.headers(Role.PROVINCE_OFFICER, province="04"))
    rows = [_row(world), _row(world, birth="0001-01-01"), _row(world, birth="12/05/1890"), _row(world, birth="01/01/2101")]
    refused = assert_problem(await _upload(client, "people.csv", _csv(rows)), 409, "import_rejected")
    assert sorted(refused["report"]["problems"], key=lambda p: p["row"]) == [
        {"row": row, "errors": [f"birth_date {birth} is not a date (use YYYY-MM-DD or DD/MM/YYYY)"]}
        for row, birth in [(3, "0001-01-01"), (4, "12/05/1890"), (5, "01/01/2101")]
    ]
    assert await _people(client) == 0
