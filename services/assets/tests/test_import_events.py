"""An import's audit records and change events are the same whether SQL (PostgreSQL) or Python built them.

On PostgreSQL the audit records and events of the imported assets and allocations are built in
SQL from the staged rows (``haicap_shared.bulk_audit``); on SQLite (and on PostgreSQL when the
Python path is forced here) they are read back and built by the audit trail. The same file
imported both ways writes the same rows, in the same order, but for generated ids and times.
"""

import json
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_assets.register import repository
from haicap_assets.register import service as register_service
from haicap_shared.testing import TestTokens

from .fake_org import SCHOOL

HEADER = (
    "Mã tài sản,Tên tài sản,Loại tài sản,Mã tỉnh,Mã xã,Diện tích đất,Diện tích sàn,Năm xây dựng,Hiện trạng,"
    "Giấy chứng nhận,Biển số,Số chỗ,Năm sản xuất,Nguyên giá,Giá trị còn lại,Tình trạng,Mã đơn vị sử dụng,"
    "Mã cơ quan sử dụng,Mục đích,Từ ngày,Số quyết định,Địa chỉ"
)
ROWS = [
    "NĐ-01,Trụ sở cũ,nhà đất,4,1304,900,120.5,2001,good,GCN 1,,,,2 000 000,1000000,,01304,,office,01/07/2025,QĐ 1,Số 1",
    "NĐ-02,Đất trống,premises,04,01273,0.00005,,,,,,,,1,1,surplus,01273,,office,2025-07-01,,",
    "NĐ-03,Sai loại,castle,04,01304,1,,,,,,,,1,1,,01304,,office,2025-07-01,,",
    'XE-01,"Xe ""7 chỗ"" của O\'Brien",car,04,01304,,,,,,"11 a 123 45",7,2020,800,400,,01304,,general work car,,,',
    f"TB-01,Máy  phát   điện,Thiết bị,04,,,,,,,,,,1e3,10,,,{SCHOOL.id},Education,2025-07-01,,Đường Lê Lợi",
    "NĐ-04,Nhà văn hoá,premises,04,01304,1234567.25,,,,,,,,,,,01304,,culture_sports,2025-07-01,,",
    # NOTE: text that JSON escapes (a backslash, quotes, a tab): SQL writes it by ``to_json``, Python by ``json.dumps``.
    'NĐ-05,"Kho \\ ""số"" 2",premises,04,01304,10,,,,,,,,1,1,,01304,,office,2025-07-01,,Ngõ\t5',
]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|\+00:00)")

AUDIT = """SELECT entity_type, entity_id, action, actor, actor_role, request_id, consumer_system, before::text, after::text
FROM audit_event ORDER BY id"""
OUTBOX = """SELECT id::text, aggregatetype, aggregateid, type, payload::text, province_code, commune_code, agency_id::text
FROM event_outbox ORDER BY sequence"""


async def _import(client: httpx.AsyncClient, headers: dict[str, str], connection: AsyncConnection) -> list[list[Any]]:
    """Import the file (the good rows), and the audit records and events it wrote, rolled back after."""
    files = {"file": ("assets.csv", "\n".join([HEADER, *ROWS]).encode(), "text/csv")}
    savepoint = await connection.begin_nested()
    try:
        response = await client.post("/assets/imports", files=files, params={"partial": "true"}, headers=headers)
        assert response.status_code == 201, response.text
        assert (response.json()["written"], response.json()["rejected"]) == (6, 1)
        audit = [list(row) for row in (await connection.execute(text(AUDIT))).all()]
        events = [list(row) for row in (await connection.execute(text(OUTBOX))).all()]
    finally:
        await savepoint.rollback()
    return [*audit, *events]


def _comparable(rows: list[list[Any]]) -> str:
    """The rows as JSON text (key order and number spelling kept), each generated id named by where it first appears."""
    records = {row[1] for row in rows if row[0] in ("asset", "allocation")}
    generated = records | {row[0] for row in rows if UUID.fullmatch(row[0])}
    names: dict[str, str] = {}

    def named(value: str) -> str:
        value = UUID.sub(lambda m: names.setdefault(m[0], f"<id {len(names)}>") if m[0] in generated else m[0], value)
        # NOTE: a time's spelling stays (``Z`` or ``+00:00``, microseconds), not its digits.
        return TIMESTAMP.sub(lambda m: re.sub(r"\d", "d", m[0]), value)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return named(value) if isinstance(value, str) else value

    parsed = [[json.loads(v) if isinstance(v, str) and (v == "null" or v.startswith("{")) else v for v in row] for row in rows]
    return "\n".join(json.dumps(walk(row), ensure_ascii=False) for row in parsed)


async def test_sql_and_python_write_the_same_audit_records_and_events(
    client: httpx.AsyncClient,
    db_connection: AsyncConnection,
    db_backend: str,
    test_tokens: TestTokens,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if db_backend != "postgresql":
        pytest.skip("SQLite has the Python path only")
    # NOTE: a batch of two, so the order of several batches of assets and allocations is compared too.
    monkeypatch.setattr(register_service, "EVENTS_BATCH", 2)
    headers = test_tokens.headers(system_code="VN:GOV:000.00.00.H12:HAICAP") | {"X-Request-ID": "import-compared"}
    in_sql = await _import(client, headers, db_connection)

    async def python_path(_session: object) -> bool:
        return False

    monkeypatch.setattr(repository, "on_postgresql", python_path)
    in_python = await _import(client, headers, db_connection)
    assert len(in_sql) == 6 * 2 + 1 + (6 * 2 + 1)
    assert [row[0] for row in in_sql[:4]] == ["asset", "asset", "allocation", "allocation"]
    assert _comparable(in_sql) == _comparable(in_python)
