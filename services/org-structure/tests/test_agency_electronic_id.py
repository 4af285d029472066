"""Agencies' electronic identifier codes (Decision 20/2020/QĐ-TTg): their form, one holder a day, the filter, the import."""

import uuid

import httpx
import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.agencies.models import agency_table
from haicap_shared.testing import assert_problem


async def _unit(client: httpx.AsyncClient, code: str, as_of: str = "2026-01-01") -> dict:
    response = await client.get(f"/units/by-code/{code}", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    return response.json()


async def _patch(client: httpx.AsyncClient, agency: dict, version: int, **body: object) -> httpx.Response:
    return await client.patch(f"/agencies/{agency['id']}", json=body, headers={"If-Match": f'"{version}"'})


async def _create(client: httpx.AsyncClient, **body: object) -> httpx.Response:
    return await client.post("/agencies", json={"kind": "provincial_department"} | body)


def _csv(rows: list[str]) -> bytes:
    return ("Tên cơ quan,Loại,Mã đơn vị hành chính,Từ ngày,Đến ngày,Mã định danh điện tử\n" + "\n".join(rows)).encode()


async def test_an_agency_carries_its_code_and_is_found_by_it(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04")
    created = await _create(
        client, name="Văn phòng UBND tỉnh Cao Bằng", unit_id=province["id"], electronic_id_code="000.01.00.h14"
    )
    assert created.status_code == 201, created.text
    assert created.json()["electronic_id_code"] == "000.01.00.H14"
    other = await _create(client, name="Sở Nội vụ tỉnh Cao Bằng", unit_id=province["id"])
    assert other.json()["electronic_id_code"] is None

    found = await client.get("/agencies", params={"electronic_id_code": "000.01.00.H14"})
    assert [a["name"] for a in found.json()["items"]] == ["Văn phòng UBND tỉnh Cao Bằng"]
    assert (await client.get("/agencies", params={"electronic_id_code": "000.09.00.H14"})).json()["items"] == []
    assert_problem(await client.get("/agencies", params={"electronic_id_code": "H14"}), 422, "invalid_electronic_id_code")

    events = (await client.get("/audit-events", params={"entity_id": created.json()["id"]})).json()["items"]
    assert [e["after"]["electronic_id_code"] for e in events] == ["000.01.00.H14"]


@pytest.mark.parametrize(
    "code",
    ["000.00.00.41", "00.00.00.H14", "000.00.00.HH1", "000-00-00-H14", "000.00.00.H141", "0a0.00.00.H14", "H14.00.00.000"],
)
async def test_the_form_of_the_decision(client: httpx.AsyncClient, cao_bang, code: str) -> None:
    province = await _unit(client, "04")
    body = assert_problem(
        await _create(client, name="Sở X tỉnh Cao Bằng", unit_id=province["id"], electronic_id_code=code),
        422,
        "invalid_electronic_id_code",
    )
    assert "000.00.00.H14" in body["detail"]
    assert (await client.get("/agencies")).json()["items"] == []


async def test_one_holder_of_a_code_on_any_day(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04")
    code = "000.05.00.H14"
    first = (
        await _create(
            client,
            name="Sở Thông tin và Truyền thông",
            unit_id=province["id"],
            valid_to="2025-02-28",
            electronic_id_code=code,
        )
    ).json()
    # NOTE: the code of an agency that ceased may be given to one that begins after it.
    later = await _create(
        client,
        name="Sở Khoa học và Công nghệ",
        unit_id=province["id"],
        valid_from="2025-03-01",
        electronic_id_code=code,
    )
    assert later.status_code == 201, later.text
    body = assert_problem(
        await _create(client, name="Sở Y tế", unit_id=province["id"], valid_from="2025-02-01", electronic_id_code=code),
        409,
        "electronic_id_code_taken",
    )
    assert body["conflicting_agency_id"] in {first["id"], later.json()["id"]}

    health = (await _create(client, name="Sở Y tế", unit_id=province["id"], electronic_id_code="000.06.00.H14")).json()
    assert_problem(
        await client.patch(f"/agencies/{health['id']}", json={"electronic_id_code": code}, headers={"If-Match": '"1"'}),
        409,
        "electronic_id_code_taken",
    )
    # Extending the first one's interval into the later one's is refused too.
    assert_problem(
        await _patch(client, first, 1, valid_to=None),
        409,
        "electronic_id_code_taken",
    )
    assert_problem(
        await _patch(client, health, 1, electronic_id_code="000.6.00.H14"),
        422,
        "invalid_electronic_id_code",
    )
    cleared = await _patch(client, health, 1, electronic_id_code=None)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["electronic_id_code"] is None
    taken = await client.patch(
        f"/agencies/{health['id']}", json={"electronic_id_code": "000.07.00.H14"}, headers={"If-Match": '"2"'}
    )
    assert (taken.status_code, taken.json()["electronic_id_code"]) == (200, "000.07.00.H14")
    listed = (await client.get("/agencies", params={"limit": 10})).json()["items"]
    assert sorted((a["name"], a["electronic_id_code"]) for a in listed) == [
        ("Sở Khoa học và Công nghệ", "000.05.00.H14"),
        ("Sở Thông tin và Truyền thông", "000.05.00.H14"),
        ("Sở Y tế", "000.07.00.H14"),
    ]


async def test_the_database_refuses_a_second_holder_on_postgresql(
    client: httpx.AsyncClient, cao_bang, session: AsyncSession, db_backend: str
) -> None:
    if db_backend != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite relies on the service's check")
    province = await _unit(client, "04")
    await _create(client, name="Sở Tài chính", unit_id=province["id"], electronic_id_code="000.08.00.H14")
    row = {
        "name": "Sở Tài chính (bản sao)",
        "kind": "provincial_department",
        "unit_id": uuid.UUID(province["id"]),
        "level": "province",
        "province_code": "04",
        "search_key": "so tai chinh",
        "electronic_id_code": "000.08.00.H14",
    }
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await session.execute(agency_table.insert(), [row])


async def test_import_with_codes(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04")
    await _create(client, name="Sở Nội vụ tỉnh Cao Bằng", unit_id=province["id"], electronic_id_code="000.02.00.H14")
    rows = [
        "Sở Y tế tỉnh Cao Bằng,provincial_department,04,,,000.03.00.H14",
        "Sở Tư pháp tỉnh Cao Bằng,provincial_department,04,,,",
        "Sở Xây dựng tỉnh Cao Bằng,provincial_department,04,,,000.02.00.H14",
        "Sở Công Thương tỉnh Cao Bằng,provincial_department,04,,,000.03.00.H14",
        "Sở Tài chính tỉnh Cao Bằng,provincial_department,04,,,3.00.H14",
    ]
    rejected = await client.post("/agencies/imports", files={"file": ("agencies.csv", _csv(rows), "text/csv")})
    report = assert_problem(rejected, 409, "import_rejected")["report"]
    assert (report["rows"], report["accepted"], report["rejected"], report["written"]) == (5, 2, 3, 0)
    assert [p["row"] for p in report["problems"]] == [4, 5, 6]
    assert "Sở Nội vụ tỉnh Cao Bằng holds" in report["problems"][0]["errors"][0]
    assert "Sở Y tế tỉnh Cao Bằng holds" in report["problems"][1]["errors"][0]
    assert "not an electronic identifier code" in report["problems"][2]["errors"][0]

    partial = await client.post(
        "/agencies/imports", params={"partial": "true"}, files={"file": ("agencies.csv", _csv(rows), "text/csv")}
    )
    assert partial.json()["written"] == 2
    listed = (await client.get("/agencies", params={"limit": 10})).json()["items"]
    assert sorted((a["name"], a["electronic_id_code"]) for a in listed) == [
        ("Sở Nội vụ tỉnh Cao Bằng", "000.02.00.H14"),
        ("Sở Tư pháp tỉnh Cao Bằng", None),
        ("Sở Y tế tỉnh Cao Bằng", "000.03.00.H14"),
    ]
