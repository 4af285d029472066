"""A province's statistics read the copies of their asset's kind and province on allocations and events (issue 19).

Migration 0010 copies the asset's kind onto each allocation, so that a province's summary reads
its allocations alone; migration 0011 its province onto each history event, so that a province's
statuses on a date rank its own status events. The import writes the copies with the row, a
trigger fills them for every other writer. These tests write every way there is (a new asset, a
new holder, a status change, an import, a statement without the copy) and check the copies and
the figures that read them, on both databases; and, on PostgreSQL, the index the ranking reads.
"""

import uuid
from datetime import UTC, date, datetime

import httpx
from sqlalchemy import insert, select, text, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_assets.allocations.models import Purpose, allocation_table
from haicap_assets.register.models import AssetKind, AssetStatus, asset_table
from haicap_assets.stats import repository
from haicap_shared.testing import index_scans

from .fake_org import LAND_FUND
from .helpers import car, create_asset

IMPORTED = (
    "Mã tài sản,Tên tài sản,Loại tài sản,Mã tỉnh,Mã xã,Diện tích đất,Biển số,Số chỗ,Nguyên giá,Giá trị còn lại,"
    "Mã đơn vị sử dụng,Mã cơ quan sử dụng,Mục đích,Từ ngày\n"
    "XE-09,Xe ô tô công tác,ô tô,04,01304,,11A-909.09,7,800000000,400000000,01273,,general_work_car,2025-07-01\n"
    "NĐ-09,Nhà văn hoá,nhà đất,04,01304,300,,,1000000000,500000000,01273,,culture_sports,2025-07-01\n"
)
MISMATCHED = """SELECT count(*) FROM allocation JOIN asset ON asset.id = allocation.asset_id
WHERE allocation.asset_kind IS NULL OR allocation.asset_kind <> asset.kind"""
EVENTS_MISMATCHED = """SELECT count(*), sum(CASE WHEN asset_event.province_code = asset.province_code THEN 0 ELSE 1 END)
FROM asset_event JOIN asset ON asset.id = asset_event.asset_id"""


async def _copies(connection: AsyncConnection) -> dict[str, list[str]]:
    """Each asset's code: the kind copied onto each of its allocations, in the order they start."""
    rows = await connection.execute(
        text(
            "SELECT asset.code, allocation.asset_kind FROM allocation JOIN asset ON asset.id = allocation.asset_id "
            "ORDER BY asset.code, allocation.valid_from"
        )
    )
    copies: dict[str, list[str]] = {}
    for code, kind in rows.all():
        copies.setdefault(code, []).append(kind)
    return copies


async def test_every_allocation_carries_its_assets_kind_and_the_summary_counts_by_it(
    client: httpx.AsyncClient, db_connection: AsyncConnection
) -> None:
    premises = await create_asset(client)
    cars = [await create_asset(client, **car(f"XE-0{n}", f"11A-000.0{n}")) for n in (1, 2)]
    moved = {"holder": {"kind": "agency", "id": str(LAND_FUND.id)}, "purpose": "office", "valid_from": "2025-09-01"}
    response = await client.post(f"/assets/{premises['id']}/allocations", json=moved, headers={"If-Match": '"1"'})
    assert response.status_code == 201, response.text
    files = {"file": ("assets.csv", IMPORTED.encode(), "text/csv")}
    response = await client.post("/assets/imports", files=files)
    assert response.status_code == 201, response.text
    assert response.json()["written"] == 2

    assert await _copies(db_connection) == {
        "NĐ-001": ["premises", "premises"],
        "NĐ-09": ["premises"],
        "XE-01": ["car"],
        "XE-02": ["car"],
        "XE-09": ["car"],
    }
    summary = (await client.get("/stats/summary", params={"province": "04", "as_of": "2025-10-01"})).json()
    # NOTE: the premises moved to a province's agency, so the communes hold the imported one only
    assert (summary["premises_held_by_communes"], summary["communes_holding_premises"]) == (1, 1)
    assert (summary["general_work_cars_held_by_communes"], summary["communes_holding_general_work_cars"]) == (3, 2)
    before_move = (await client.get("/stats/summary", params={"province": "04", "as_of": "2025-08-01"})).json()
    assert before_move["premises_held_by_communes"] == 2
    gaps = (await client.get("/stats/gaps", params={"province": "04", "as_of": "2025-10-01"})).json()
    assert gaps["total"] == 0
    cars_ = (await client.get("/stats/car-norms", params={"province": "04", "as_of": "2025-10-01"})).json()
    held = {r["commune_code"]: (r["general_work_cars"], r["over_price"]) for r in cars_["rows"] if r["general_work_cars"]}
    assert (cars_["general_work_cars"], held) == (3, {"01273": (1, 0), "01304": (2, 0)})

    # NOTE: a writer that leaves the copy out (a statement of an operator, a future path): the trigger fills it
    written_at = datetime(2025, 1, 1, tzinfo=UTC)
    left_out = {"id": uuid.uuid4(), "created_at": written_at, "updated_at": written_at, "version": 1}
    left_out |= {"asset_id": uuid.UUID(cars[0]["id"]), "purpose": Purpose.OFFICE}
    left_out |= {"valid_from": date(2020, 1, 1), "valid_to": date(2020, 1, 1)}
    await db_connection.execute(insert(allocation_table).values(left_out))
    assert (await _copies(db_connection))["XE-01"] == ["car", "car"]
    # NOTE: an asset's kind never changes through the API; changed by a statement, its allocations follow
    await db_connection.execute(
        update(asset_table).where(asset_table.c.id == uuid.UUID(cars[1]["id"])).values(kind=AssetKind.EQUIPMENT)
    )
    assert (await _copies(db_connection))["XE-02"] == ["equipment"]
    assert (await db_connection.execute(text(MISMATCHED))).scalar_one() == 0
    # NOTE: the events of the API (three registered, one allocated: written without the copy) and of the
    # import (two, with it) carry the province
    assert tuple((await db_connection.execute(text(EVENTS_MISMATCHED))).one()) == (6, 0)
    await db_connection.execute(
        update(asset_table).where(asset_table.c.id == uuid.UUID(cars[1]["id"])).values(province_code="08")
    )
    assert tuple((await db_connection.execute(text(EVENTS_MISMATCHED))).one()) == (6, 0)


async def test_a_provinces_statuses_on_a_date_rank_its_own_status_events(
    client: httpx.AsyncClient, db_connection: AsyncConnection, db_backend: str
) -> None:
    first = await create_asset(client, code="NĐ-01")
    await create_asset(client, code="NĐ-02", province_code="04")
    changed = await client.patch(
        f"/assets/{first['id']}", json={"status": "surplus", "status_since": "2025-09-01"}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    # NOTE: every event, the API's included (written without the copy), carries its asset's province
    events = await db_connection.execute(text("SELECT province_code, count(*) FROM asset_event GROUP BY province_code"))
    assert dict(events.all()) == {"04": 4}  # NOTE: two registered, one status change, one update
    for as_of, surplus in (("2025-08-31", 0), ("2025-09-01", 1)):
        value = (await client.get("/stats/value", params={"province": "04", "as_of": as_of})).json()
        assert sum(r["assets"] for r in value["rows"] if r["status"] == "surplus") == surplus
    if db_backend != "postgresql":
        return
    status_on = repository.status_on(date(2025, 10, 1), "04")
    surplus = select(asset_table.c.kind).select_from(status_on.join(asset_table, asset_table.c.id == status_on.c.asset_id))
    surplus = surplus.where(status_on.c.status == AssetStatus.SURPLUS, true())
    assert "ix_asset_event_province_code_asset_id_event_date_id" in await index_scans(db_connection, surplus)


async def test_an_asset_counts_as_surplus_while_its_latest_status_on_the_date_is_surplus(
    client: httpx.AsyncClient, db_connection: AsyncConnection, db_backend: str
) -> None:
    back_and_forth = await create_asset(client, code="NĐ-11")
    same_day = await create_asset(client, code="NĐ-12")
    version = 1
    for status, since in (("surplus", "2025-07-10"), ("in_use", "2025-08-01"), ("surplus", "2025-09-01")):
        changed = await client.patch(
            f"/assets/{back_and_forth['id']}",
            json={"status": status, "status_since": since},
            headers={"If-Match": f'"{version}"'},
        )
        assert changed.status_code == 200, changed.text
        version = int(changed.headers["etag"].strip('"'))
    version = 1
    # NOTE: two changes dated the same day: the one recorded last stands.
    for status in ("surplus", "in_use"):
        changed = await client.patch(
            f"/assets/{same_day['id']}",
            json={"status": status, "status_since": "2025-07-10"},
            headers={"If-Match": f'"{version}"'},
        )
        assert changed.status_code == 200, changed.text
        version = int(changed.headers["etag"].strip('"'))
    for as_of, surplus in (
        ("2025-07-09", {}),
        ("2025-07-10", {"premises": 1}),
        ("2025-08-15", {}),
        ("2025-09-01", {"premises": 1}),
    ):
        for scope in ({"province": "04"}, {}):
            stats = (await client.get("/stats/dispositions", params={"as_of": as_of, **scope})).json()
            assert stats["surplus_without_plan"] == surplus, (as_of, scope)
        country = (await client.get("/stats/dispositions/by-province", params={"as_of": as_of})).json()
        assert {r["province"]: r["surplus_without_plan"] for r in country["rows"]}.get("04", {}) == surplus, as_of
        value = (await client.get("/stats/value", params={"as_of": as_of})).json()
        assert sum(r["assets"] for r in value["rows"] if r["status"] == "surplus") == sum(surplus.values()), as_of
    if db_backend != "postgresql":
        return
    # NOTE: each surplus event is checked against its asset's latest one in the events' index.
    standing = repository.standing_status_events(AssetStatus.SURPLUS, date(2025, 9, 1), "04")
    assert "ix_asset_event_asset_id_event_date_id" in await index_scans(db_connection, standing)
