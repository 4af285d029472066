"""Reading units: by code on a date, lineage, search, filters and paging."""

import httpx

from haicap_shared.testing import assert_problem


async def _by_code(client: httpx.AsyncClient, code: str, as_of: str) -> dict:
    response = await client.get(f"/units/by-code/{code}", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_code_passes_to_the_successor_unit(client: httpx.AsyncClient, cao_bang) -> None:
    assert (await _by_code(client, "01273", "2025-06-01"))["name"] == "Phường Hợp Giang"
    assert (await _by_code(client, "01273", "2025-08-01"))["name"] == "Phường Thục Phán"


async def test_lineage_of_thuc_phan(client: httpx.AsyncClient, cao_bang) -> None:
    thuc_phan = await _by_code(client, "01273", "2025-08-01")
    response = await client.get(f"/units/{thuc_phan['id']}/lineage")
    assert response.status_code == 200
    lineage = response.json()
    communes = {s["unit"]["name"] for s in lineage["predecessors"] if s["depth"] == 1}
    assert communes == {"Phường Sông Hiến", "Phường Hợp Giang", "Phường Đề Thám", "Xã Hưng Đạo", "Xã Hoàng Tung"}
    step = lineage["predecessors"][0]
    assert step["change"]["kind"] == "merge"
    assert step["change"]["effective_date"] == "2025-07-01"
    assert "1657/NQ-UBTVQH15" in step["change"]["legal_basis"]
    assert lineage["successors"] == []


async def test_successor_of_hoang_tung(client: httpx.AsyncClient, cao_bang) -> None:
    hoang_tung = (await client.get("/units", params={"q": "hoang tung", "as_of": "2025-06-30"})).json()["items"]
    assert [u["name"] for u in hoang_tung] == ["Xã Hoàng Tung"]
    lineage = (await client.get(f"/units/{hoang_tung[0]['id']}/lineage")).json()
    assert [(s["unit"]["name"], s["unit"]["code"], s["depth"]) for s in lineage["successors"]] == [
        ("Phường Thục Phán", "01273", 1)
    ]
    assert lineage["predecessors"] == []


async def test_search_ignores_diacritics(client: httpx.AsyncClient, cao_bang) -> None:
    for query in ("thuc phan", "Thục Phán", "THUC PHAN", "thục"):
        items = (await client.get("/units", params={"q": query, "as_of": "2025-08-01"})).json()["items"]
        assert [u["name"] for u in items] == ["Phường Thục Phán"], query
    # "d" finds "đ": Đề Thám
    items = (await client.get("/units", params={"q": "de tham"})).json()["items"]
    assert [u["name"] for u in items] == ["Phường Đề Thám"]


async def test_filters_by_parent_and_kind(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _by_code(client, "04", "2025-08-01")
    wards = (await client.get("/units", params={"parent_id": province["id"], "kind": "phuong", "as_of": "2025-08-01"})).json()
    assert [u["name"] for u in wards["items"]] == ["Phường Thục Phán", "Phường Nùng Trí Cao", "Phường Tân Giang"]


async def test_unknown_code_is_a_problem(client: httpx.AsyncClient, cao_bang) -> None:
    body = assert_problem(await client.get("/units/by-code/99999", params={"as_of": "2025-08-01"}), 404, "unit_not_found")
    assert "99999" in body["detail"]
    # A real code on a day it did not exist.
    assert_problem(await client.get("/units/by-code/01267", params={"as_of": "2025-08-01"}), 404, "unit_not_found")


async def test_malformed_queries_are_problems(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/units", params={"as_of": "2025-13-45"}), 422, "validation_error")
    assert body["errors"][0]["location"] == ["query", "as_of"]
    assert_problem(await client.get("/units", params={"level": "hamlet"}), 422, "validation_error")
    assert_problem(await client.get("/units", params={"cursor": "not-a-cursor"}), 422, "invalid_cursor")
    assert_problem(await client.get("/units/not-a-uuid"), 422, "validation_error")
    assert_problem(await client.get("/units/by-code/12a"), 422, "validation_error")
