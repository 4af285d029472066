"""Importing career events from CSV and XLSX: every row checked as the API would, all or nothing, one event each."""

import io
from typing import Any

import httpx
import openpyxl

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import person_body

HEADER = (
    "Số định danh,Loại,Ngày hiệu lực,Đến ngày,Số quyết định,Ngày quyết định,Người ký,Cơ quan ban hành,"
    "Đến cơ quan,Bậc lương,Hệ số lương,Ghi chú"
)
SIGNED = "Chủ tịch UBND tỉnh,UBND tỉnh Cao Bằng"


async def _import(client: httpx.AsyncClient, content: bytes, name: str = "qua-trinh.csv", **headers: str) -> httpx.Response:
    return await client.post("/career-events/imports", files={"file": (name, content)}, headers=headers)


async def create_person(client: httpx.AsyncClient, agency_id: Any, **changes: Any) -> dict[str, Any]:
    """A person, with their national id in full (``national_id_full``) for the file."""
    body = person_body(agency_id, **changes)
    response = await client.post("/people", json=body)
    assert response.status_code == 201, response.text
    person: dict[str, Any] = response.json()
    return person | {"national_id_full": body["national_id"]}


def _csv(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


async def test_a_good_file_is_written_with_one_event_each(client: httpx.AsyncClient, world: World) -> None:
    an = await create_person(client, world.new_office.id)
    binh = await create_person(client, world.new_office.id, full_name="Lý Thị Bình", sex="female", birth_date="1990-01-02")
    content = _csv(
        f"{an['national_id_full']},Tuyển dụng,01/07/2025,,12/QĐ-UBND,2025-06-20,{SIGNED},,,,",
        f'{binh["national_id_full"]},Nâng bậc lương,2025-08-01,,13/QĐ-UBND,2025-07-25,{SIGNED},,4,"3,33",Đúng hạn',
        f"{binh['national_id_full']},Điều động,2025-09-01,,14/QĐ-UBND,2025-08-25,{SIGNED},{world.department.id},,,",
    )
    response = await _import(client, content)
    assert response.status_code == 201, response.text
    assert response.json() == {"rows": 3, "accepted": 3, "rejected": 0, "written": 3, "partial": False, "problems": []}
    events = (await client.get("/career-events")).json()["items"]
    assert [(e["person_id"], e["type"], e["effective_date"]) for e in events] == [
        (an["id"], "recruitment", "2025-07-01"),
        (binh["id"], "salary_step_change", "2025-08-01"),
        (binh["id"], "transfer", "2025-09-01"),
    ]
    assert (events[1]["salary_step"], events[1]["salary_coefficient"], events[1]["note"]) == (4, "3.33", "Đúng hạn")
    assert events[1]["decision"] == {
        "number": "13/QĐ-UBND",
        "date": "2025-07-25",
        "signer": "Chủ tịch UBND tỉnh",
        "issuer": "UBND tỉnh Cao Bằng",
    }
    assert (events[2]["to_agency_id"], events[2]["commune_code"]) == (str(world.department.id), "01010")
    feed = (await client.get("/events", params={"after": 0, "type": "vn.gov.haicap.personnel.career_event"})).json()["events"]
    assert [e["type"].rsplit(".", 1)[1] for e in feed] == ["created", "created", "created"]
    assert feed[1]["data"]["record"] == events[1]
    summary = (await client.get("/events", params={"after": 0, "type": "vn.gov.haicap.personnel.career_event_import"})).json()
    assert [e["data"]["record"]["written"] for e in summary["events"]] == [3]
    assert summary["events"][0]["sequence"] > feed[-1]["sequence"]


async def test_a_file_with_bad_rows_writes_nothing_and_says_why(client: httpx.AsyncClient, world: World) -> None:
    an = await create_person(client, world.department.id, birth_date="2005-03-01")
    number = an["national_id_full"]
    content = _csv(
        f"{number},Tuyển dụng,2025-07-01,,1/QĐ,2025-06-20,{SIGNED},,,,",
        f"004199000000,Tuyển dụng,2025-07-01,,2/QĐ,2025-06-20,{SIGNED},,,,",
        f"{number},Thăng chức,2025-07-01,,3/QĐ,2025-06-20,{SIGNED},,,,",
        f"{number},Điều động,2025-07-01,,4/QĐ,2025-06-20,{SIGNED},,,,",
        f"{number},Tuyển dụng,2019-07-01,,5/QĐ,2019-06-20,{SIGNED},,,,",
        f"{number},Nâng bậc lương,2025-07-01,,6/QĐ,2025-06-20,{SIGNED},,0,,",
        f"{number},Điều động,2025-07-01,,7/QĐ,2025-06-20,{SIGNED},00000000-0000-0000-0000-000000000999,,,",
        f",Tuyển dụng,32/13/2025,,,2025-06-20,{SIGNED},,,,",
    )
    response = await _import(client, content)
    report = assert_problem(response, 409, "import_rejected")["report"]
    assert (report["rows"], report["accepted"], report["rejected"], report["written"]) == (8, 1, 7, 0)
    assert {p["row"]: p["errors"] for p in report["problems"]} == {
        3: ["no person has national_id 004199000000 in your area"],
        4: [
            "type Thăng chức is not one of: recruitment, election, appointment, reappointment, transfer, rotation, "
            "secondment, grade_change, salary_step_change, resignation, retirement, dismissal (or their Vietnamese names)"
        ],
        5: ["a transfer needs to_agency_id (the agency the person goes to)"],
        6: ["effective_date 2019-07-01 is before the person turns 15 (2020-03-01)"],
        7: ["salary_step 0 is not a step from 1 to 20"],
        8: ["org-structure has no agency 00000000-0000-0000-0000-000000000999"],
        9: [
            "national_id is missing",
            "decision_number is missing",
            "effective_date 32/13/2025 is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
        ],
    }
    assert (await client.get("/career-events")).json()["items"] == []
    assert (await client.get("/events", params={"after": 0, "type": "vn.gov.haicap.personnel.career_event"})).json()[
        "events"
    ] == []


async def test_an_xlsx_file_and_the_callers_area(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    communal = await create_person(client, world.new_office.id)
    provincial = await create_person(client, world.department.id)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    rows: list[list[Any]] = [
        ["Số định danh", "Loại", "Ngày hiệu lực", "Số quyết định", "Ngày quyết định", "Người ký", "Cơ quan ban hành"],
        [communal["national_id_full"], "nghỉ hưu", "2025-07-01", "8/QĐ", "2025-06-20", "Chủ tịch UBND xã", "UBND xã Mới"],
        [provincial["national_id_full"], "retirement", "2025-07-01", "9/QĐ", "2025-06-20", "Giám đốc", "Sở Nội vụ"],
    ]
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    refused = await _import(client, out.getvalue(), "qua-trinh.xlsx", **commune)
    report = assert_problem(refused, 409, "import_rejected")["report"]
    assert report["problems"] == [
        {"row": 3, "errors": [f"no person has national_id {provincial['national_id_full']} in your area"]}
    ]
    written = await _import(client, out.getvalue(), "qua-trinh.xlsx")
    assert written.status_code == 201, written.text
    assert written.json()["written"] == 2
    listed = (await client.get("/career-events", headers=commune)).json()["items"]
    assert [(e["person_id"], e["type"]) for e in listed] == [(communal["id"], "retirement")]
