"""The bounded import pipeline on agency and task imports (issue 12), on SQLite and PostgreSQL: a long
line, too many rows and an upload over the limit are refused at once with their own problems, and a
file read in many chunks is checked as a whole."""

import httpx
from fastapi import FastAPI

from haicap_shared.import_samples import long_line_csv, many_rows_csv, with_import_limits
from haicap_shared.testing import assert_problem

AGENCIES = "Tên cơ quan,Loại,Mã đơn vị hành chính,Từ ngày"
TASKS = "Mã nhiệm vụ,Tên nhiệm vụ,Lĩnh vực,Cơ quan chủ trì,Từ ngày"


async def _agencies(client: httpx.AsyncClient, content: bytes, **params: str) -> httpx.Response:
    return await client.post("/agencies/imports", files={"file": ("agencies.csv", content)}, params=params)


async def _tasks(client: httpx.AsyncClient, content: bytes) -> httpx.Response:
    return await client.post("/tasks/imports", files={"file": ("tasks.csv", content)}, params={"province": "04"})


async def test_limits_of_both_imports(client: httpx.AsyncClient, service_app: FastAPI) -> None:
    assert_problem(await _agencies(client, long_line_csv(AGENCIES, 5_000_000)), 422, "line_too_long")
    assert_problem(await _tasks(client, long_line_csv(TASKS, 5_000_000)), 422, "line_too_long")
    with_import_limits(service_app, max_rows=30, chunk_rows=7)
    agency = "Sở Y tế tỉnh Cao Bằng,provincial_department,04,"
    assert_problem(await _agencies(client, many_rows_csv(AGENCIES, agency, 31)), 413, "too_many_rows")
    assert_problem(await _tasks(client, many_rows_csv(TASKS, "YT-1,Nhiệm vụ,Y tế,Sở Y tế,01/01/2020", 31)), 413, "too_many_rows")
    with_import_limits(service_app, max_upload_bytes=2000)
    assert_problem(await _agencies(client, many_rows_csv(AGENCIES, agency, 60)), 413, "upload_too_large")
    assert_problem(
        await _tasks(client, many_rows_csv(TASKS, "YT-1,Nhiệm vụ,Y tế,Sở Y tế,01/01/2020", 60)), 413, "upload_too_large"
    )


async def test_agencies_in_many_chunks(client: httpx.AsyncClient, service_app: FastAPI, cao_bang) -> None:
    with_import_limits(service_app, chunk_rows=2, max_problems=2)
    rows = [f"Trạm Y tế số {i},public_service_unit,01304,01/07/2025" for i in range(5)]
    bad = ["Sở X,provincial_department,99,", "Trạm Y tế số 0,public_service_unit,01304,01/07/2025", "Sở Y,castle,04,"]
    content = (AGENCIES + "\n" + "\n".join(rows + bad) + "\n").encode()
    refused = assert_problem(await _agencies(client, content), 409, "import_rejected")
    report = refused["report"]
    # NOTE: every bad row counted; the first max_problems listed; the repeat found across chunks.
    assert (report["rows"], report["accepted"], report["rejected"], report["written"]) == (8, 5, 3, 0)
    assert [p["row"] for p in report["problems"]] == [7, 8]
    assert report["problems"][1]["errors"] == ["the same agency appears twice in the file"]
    assert (await client.get("/agencies", params={"q": "tram y te so"})).json()["items"] == []
    response = await _agencies(client, content, partial="true")
    assert response.status_code == 201, response.text
    assert response.json()["written"] == 5
