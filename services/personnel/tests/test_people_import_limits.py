"""The bounded import pipeline on people imports (issue 12): each limit refuses the file at once, with its
own problem, on SQLite and PostgreSQL, and the service keeps answering while an upload is read.

The files are generated here: a CSV with one 100 MB line, a zip-bomb XLSX (a million shared
strings, about 250 MB expanded, in about 1 MB), more rows than allowed, bytes that are not UTF-8.
"""

import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from haicap_shared.import_samples import long_line_csv, many_rows_csv, wide_row_xlsx, with_import_limits, zip_bomb_xlsx
from haicap_shared.imports import import_slots
from haicap_shared.testing import assert_problem, while_polling_healthz

from .conftest import World
from .helpers import national_id

HEADER = "Họ và tên,Ngày sinh,Giới tính,Số định danh,Đối tượng,Trình độ chuyên môn,Mã cơ quan"
MiB = 1024 * 1024


def _row(world: World) -> str:
    return f"Hoàng Thị Lan,12/05/1990,Nữ,{national_id(1990, 'female')},Công chức,Đại học,{world.new_office.id}"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb_xlsx(HEADER.split(","))


async def _upload(client: httpx.AsyncClient, name: str, content: bytes, **params: Any) -> httpx.Response:
    return await client.post("/people/imports", files={"file": (name, content)}, params=params)


async def _people(client: httpx.AsyncClient) -> int:
    return len((await client.get("/people", params={"limit": 500})).json()["items"])


async def test_a_100_mb_line_is_refused_at_once_and_healthz_answers(client: httpx.AsyncClient, world: World) -> None:
    content = long_line_csv(HEADER, 100 * MiB)
    started = time.perf_counter()
    response, slowest = await while_polling_healthz(client, _upload(client, "people.csv", content))
    elapsed = time.perf_counter() - started
    refused = assert_problem(response, 422, "line_too_long")
    assert (refused["line"], refused["limit"]) == (2, 64 * 1024)
    # NOTE: generous bounds for a shared 2-core machine; it took 31 minutes before issue 12.
    assert elapsed < 30, elapsed
    assert slowest < 1.0, slowest
    assert await _people(client) == 0


async def test_a_zip_bomb_is_refused_without_expanding_it(client: httpx.AsyncClient, bomb: bytes) -> None:
    assert len(bomb) < 2 * MiB
    started = time.perf_counter()
    refused = assert_problem(await _upload(client, "people.xlsx", bomb), 413, "xlsx_too_large")
    assert "xl/sharedStrings.xml" in refused["detail"]
    assert time.perf_counter() - started < 5
    assert await _people(client) == 0


async def test_too_many_shared_strings(client: httpx.AsyncClient, service_app: FastAPI) -> None:
    with_import_limits(service_app, max_shared_strings=1000)
    small = zip_bomb_xlsx(HEADER.split(","), strings=2000, length=5)
    assert_problem(await _upload(client, "people.xlsx", small), 413, "xlsx_too_large")


async def test_a_row_too_wide_or_a_cell_too_long(client: httpx.AsyncClient) -> None:
    # NOTE: openpyxl builds a row whole: this 33 KB file took 450 MB and 6 s before the sheet was scanned first.
    wide = wide_row_xlsx(HEADER.split(","))
    assert len(wide) < 100_000
    refused = assert_problem(await _upload(client, "people.xlsx", wide), 413, "xlsx_too_large")
    assert refused["limit"] == 2000
    long = wide_row_xlsx(HEADER.split(","), cells=1, cell_chars=100_000)
    assert assert_problem(await _upload(client, "people.xlsx", long), 413, "xlsx_too_large")["limit"] == 64 * 1024
    assert await _people(client) == 0


async def test_more_rows_than_allowed(client: httpx.AsyncClient, service_app: FastAPI, world: World) -> None:
    with_import_limits(service_app, max_rows=100, chunk_rows=30)
    refused = assert_problem(await _upload(client, "people.csv", many_rows_csv(HEADER, _row(world), 101)), 413, "too_many_rows")
    assert refused["limit"] == 100
    # NOTE: partial does not change it: the whole file is refused, and nothing of it written.
    assert_problem(
        await _upload(client, "people.csv", many_rows_csv(HEADER, _row(world), 101), partial="true"), 413, "too_many_rows"
    )
    assert await _people(client) == 0


async def test_an_upload_over_the_limit(client: httpx.AsyncClient, service_app: FastAPI, world: World) -> None:
    with_import_limits(service_app, max_upload_bytes=10_000)
    refused = assert_problem(
        await _upload(client, "people.csv", many_rows_csv(HEADER, _row(world), 200)), 413, "upload_too_large"
    )
    assert refused["limit"] == 10_000

    async def streamed() -> Any:
        # NOTE: no Content-Length: the body is counted as it arrives and cut off at the limit.
        yield b"--b\r\nContent-Disposition: form-data; name=file; filename=p.csv\r\n\r\n" + HEADER.encode() + b"\n"
        for _ in range(100):
            yield _row(world).encode() * 10 + b"\n"

    response = await client.post(
        "/people/imports", content=streamed(), headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert_problem(response, 413, "upload_too_large")


async def test_bytes_that_are_not_utf8(client: httpx.AsyncClient, world: World) -> None:
    # NOTE: "Hoàng" as Windows-1258 or Latin-1 would write it: one byte that is not UTF-8.
    content = HEADER.encode() + b"\n" + _row(world).encode().replace("Hoàng".encode(), b"Ho\xe0ng") + b"\n"
    refused = assert_problem(await _upload(client, "people.csv", content), 422, "invalid_encoding")
    assert refused["line"] == 2


async def test_imports_beyond_the_concurrent_limit_are_told_to_retry(client: httpx.AsyncClient, service_app: FastAPI) -> None:
    with_import_limits(service_app, max_concurrent=1, retry_after_seconds=7)
    async with import_slots(service_app):
        response = await _upload(client, "people.csv", HEADER.encode())
    assert_problem(response, 503, "imports_busy")
    assert response.headers["Retry-After"] == "7"


async def test_a_good_file_in_many_chunks(client: httpx.AsyncClient, service_app: FastAPI, world: World) -> None:
    with_import_limits(service_app, chunk_rows=2)
    rows = [
        f"Người {i},01/01/{1980 + i},Nam,{national_id(1980 + i, 'male')},Công chức,Đại học,{world.new_office.id}"
        for i in range(7)
    ]
    response = await _upload(client, "people.csv", (HEADER + "\n" + "\n".join(rows) + "\n").encode())
    assert response.status_code == 201, response.text
    assert (response.json()["rows"], response.json()["written"]) == (7, 7)
    assert await _people(client) == 7
