"""A person's history: career events and conduct in one ordered list, read in the area, exported formula-safe."""

import csv
import io

import httpx
import openpyxl

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .career_helpers import DECISION, record
from .conftest import World
from .helpers import create_person


async def test_the_history_is_one_list_by_day(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.new_office.id)
    later = await record(
        client, person["id"], "salary_step_change", salary_step=3, salary_coefficient="2.67", effective_date="2025-09-01"
    )
    first = await record(client, person["id"], effective_date="2025-07-01")
    appointed = await record(
        client,
        person["id"],
        "appointment",
        position_code="chu-tich-ubnd-tinh",
        effective_date="2025-07-01",
        end_date="2030-06-30",
    )
    evaluation = await client.post(
        "/evaluations",
        json={
            "person_id": person["id"],
            "year": 2024,
            "grade": "good",
            "evaluator": "Chủ tịch UBND xã",
            "evaluation_date": "2024-12-20",
        },
    )
    assert evaluation.status_code == 201, evaluation.text
    other = await create_person(client, world.new_office.id)
    await record(client, other["id"])

    response = await client.get(f"/people/{person['id']}/history")
    assert response.status_code == 200, response.text
    history = response.json()
    assert history["person_id"] == person["id"]
    lines = [(e["on"], e["kind"], e["type"], e["record_id"]) for e in history["entries"]]
    assert lines == [
        ("2024-12-31", "evaluation", "good", evaluation.json()["id"]),
        ("2025-07-01", "career_event", "recruitment", first["id"]),
        ("2025-07-01", "career_event", "appointment", appointed["id"]),
        ("2025-09-01", "career_event", "salary_step_change", later["id"]),
    ]
    step = history["entries"][3]
    assert step["title"] == "Nâng bậc lương, bậc 3 (hệ số 2,67)"
    assert step["decision"] == DECISION
    assert step["path"] == f"/api/v1/personnel/career-events/{later['id']}"
    assert history["entries"][2]["title"] == "Bổ nhiệm, chức vụ chu-tich-ubnd-tinh, đến 30/06/2030"


async def test_the_history_is_read_by_who_reads_the_person(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    person = await create_person(client, world.new_office.id)
    await record(client, person["id"])
    url = f"/people/{person['id']}/history"
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    assert len((await client.get(url, headers=commune)).json()["entries"]) == 1
    assert len((await client.get(url, headers=test_tokens.headers(Role.SERVICE))).json()["entries"]) == 1
    other = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01001")
    assert_problem(await client.get(url, headers=other), 403, "outside_area")
    assert_problem(await client.get(url, headers=test_tokens.headers(Role.VIEWER)), 403, "role_not_allowed")
    assert_problem(await client.get("/people/00000000-0000-0000-0000-000000000999/history"), 404, "person_not_found")


async def test_the_export_never_runs_a_formula(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.department.id)
    hostile = DECISION | {"number": '=HYPERLINK("http://x")', "issuer": "@SUM(A1)"}
    made = await client.post(
        "/career-events",
        json={"person_id": person["id"], "type": "retirement", "effective_date": "2025-07-01", "decision": hostile},
    )
    assert made.status_code == 201, made.text
    url = f"/people/{person['id']}/history"

    exported = await client.get(url, params={"format": "csv"})
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"] == f'attachment; filename="qua-trinh-{person["id"]}.csv"'
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Ngày", "Loại", "Nội dung", "Số quyết định"]
    assert rows[1][:7] == [
        "01/07/2025",
        "Quá trình công tác",
        "Nghỉ hưu",
        '\'=HYPERLINK("http://x")',
        "20/06/2025",
        DECISION["signer"],
        "'@SUM(A1)",
    ]
    assert len(rows) == 2

    workbook = await client.get(url, params={"format": "xlsx"})
    assert workbook.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(min_row=2)]
    assert len(cells) == 1
    number = cells[0][3]
    assert (number.value, number.data_type) == ('=HYPERLINK("http://x")', "s")
    assert (cells[0][6].value, cells[0][6].data_type) == ("@SUM(A1)", "s")
