"""The bounded import pipeline on asset imports (issue 12), on SQLite and PostgreSQL: the zip-bomb XLSX
that took assets to 2.1 GB is refused from its zip directory, a long line and too many rows are
refused at once, and a good file read in many chunks is still checked as a whole (codes repeated
across chunks, partial import)."""

import time

import httpx
import pytest
from fastapi import FastAPI

from haicap_shared.import_samples import long_line_csv, many_rows_csv, with_import_limits, zip_bomb_xlsx
from haicap_shared.testing import assert_problem

from .test_import import GOOD, HEADER


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb_xlsx(HEADER.split(","))


async def _upload(client: httpx.AsyncClient, name: str, content: bytes, **params: str) -> httpx.Response:
    return await client.post("/assets/imports", files={"file": (name, content)}, params=params)


async def _assets(client: httpx.AsyncClient) -> int:
    return len((await client.get("/assets", params={"limit": 100})).json()["items"])


async def test_a_zip_bomb_is_refused_without_expanding_it(client: httpx.AsyncClient, bomb: bytes) -> None:
    started = time.perf_counter()
    refused = assert_problem(await _upload(client, "assets.xlsx", bomb), 413, "xlsx_too_large")
    assert time.perf_counter() - started < 5
    assert refused["limit"] == 32 * 1024 * 1024
    assert await _assets(client) == 0


async def test_a_zip_bomb_under_another_name(client: httpx.AsyncClient) -> None:
    # NOTE: the shared strings are found as the workbook declares them, not by their usual name.
    hidden = zip_bomb_xlsx(HEADER.split(","), strings=200_000, part="xl/worksheets/strings.xml")
    refused = assert_problem(await _upload(client, "assets.xlsx", hidden), 413, "xlsx_too_large")
    assert "xl/worksheets/strings.xml" in refused["detail"]


async def test_a_long_line_and_too_many_rows(client: httpx.AsyncClient, service_app: FastAPI) -> None:
    refused = assert_problem(await _upload(client, "assets.csv", long_line_csv(HEADER, 10_000_000)), 422, "line_too_long")
    assert refused["line"] == 2
    with_import_limits(service_app, max_rows=50, chunk_rows=20)
    assert_problem(await _upload(client, "assets.csv", many_rows_csv(HEADER, GOOD[0], 51)), 413, "too_many_rows")
    assert await _assets(client) == 0


async def test_a_file_read_in_many_chunks_is_checked_as_a_whole(client: httpx.AsyncClient, service_app: FastAPI) -> None:
    with_import_limits(service_app, chunk_rows=2)
    repeated = GOOD[0].replace("Trụ sở xã Lý Bôn (cũ)", "Trùng mã")
    content = "\n".join([HEADER, *GOOD, repeated]).encode()
    refused = assert_problem(await _upload(client, "assets.csv", content), 409, "import_rejected")
    assert (refused["report"]["rejected"], refused["report"]["problems"][0]["row"]) == (1, 6)
    assert await _assets(client) == 0
    response = await _upload(client, "assets.csv", content, partial="true")
    assert response.status_code == 201, response.text
    assert (response.json()["rows"], response.json()["written"], response.json()["rejected"]) == (5, 4, 1)
    assert await _assets(client) == 4
