"""Cars by kind: each kind held to its own price cap under the norm in force; cars counted by purpose."""

from typing import Any

import httpx

from haicap_shared.testing import assert_problem

from .helpers import car, create_asset

THUC_PHAN = {"kind": "unit", "code": "01273"}


def _car(code: str, seats: int, price: int, **fields: Any) -> dict[str, Any]:
    plate = f"11A-2{sum(map(ord, code)) % 100:02d}.{seats:02d}"
    return car(code, plate, seats=seats, original_value=price, residual_value=price // 2) | fields


async def test_a_lawful_16_seat_car_is_accepted_and_each_kind_has_its_own_cap(client: httpx.AsyncClient) -> None:
    # Decree 72/2023 Art. 15(1) as amended by Decree 153/2025: 950 M the common car, 1,300 M a 12-16-seat car,
    # 1,600 M a 7-8-seat (two-axle-drive) car.
    await create_asset(client, **_car("XE-16", 16, 1_250_000_000, name="Xe ô tô 16 chỗ"))
    await create_asset(client, **_car("XE-78", 7, 1_550_000_000, name="Xe ô tô 7 chỗ 2 cầu"))
    refused = [
        (_car("XE-05", 5, 960_000_000, holder=THUC_PHAN), 950_000_000, "common"),
        (_car("XE-10", 10, 960_000_000, holder=THUC_PHAN), 950_000_000, "common"),  # no kind of its own
        (_car("XE-17", 16, 1_350_000_000, holder=THUC_PHAN), 1_300_000_000, "seats_12_16"),
        (_car("XE-18", 8, 1_650_000_000, holder=THUC_PHAN), 1_600_000_000, "seats_7_8"),
    ]
    for body, cap, kind in refused:
        problem = assert_problem(await client.post("/assets", json=_create(body)), 409, "car_price_over_norm")
        assert (problem["max_price_vnd"], problem["car_kind"]) == (cap, kind)
    # A specialised car (an ambulance) is not counted against the commune's general-work cars and has no national cap.
    ambulance = _car("XE-CC", 16, 1_900_000_000, name="Xe cứu thương", purpose="specialised_car")
    await create_asset(client, **ambulance)
    stats = (await client.get("/stats/car-norms", params={"as_of": "2025-07-01", "province": "04"})).json()
    rows = {r["commune_code"]: r for r in stats["rows"]}
    assert (rows["01304"]["general_work_cars"], rows["01304"]["excess"], rows["01304"]["over_price"]) == (2, 0, 0)


def _create(fields: dict[str, Any]) -> dict[str, Any]:
    return {"name": "Xe", "province_code": "04", "allocated_from": "2025-07-01", "holder": {"kind": "unit", "code": "01304"}} | {
        k: v for k, v in fields.items() if k not in ("land_area_m2", "floor_area_m2", "year_built", "condition")
    }


async def test_the_caps_are_dated_norm_data(client: httpx.AsyncClient) -> None:
    norms = (await client.get("/car-norms")).json()
    assert len(norms) == 1
    kinds = {k["kind"]: k for k in norms[0]["kinds"]}
    assert next(k["kind"] for k in norms[0]["kinds"]) == "common"
    assert {kind: (k["min_seats"], k["max_seats"], k["max_price_vnd"], k["provisional"]) for kind, k in kinds.items()} == {
        "common": (None, None, 950_000_000, False),
        "seats_7_8": (7, 8, 1_600_000_000, False),
        "seats_12_16": (12, 16, 1_300_000_000, False),
        "specialised": (None, None, None, True),
    }
    # A later norm naming no kinds keeps those of the norm it replaces; one naming them replaces them.
    later = {"valid_from": "2027-01-01", "max_general_cars_per_commune": 2, "max_price_vnd": 1_000_000_000, "legal_basis": "NĐ X"}
    response = await client.post("/car-norms", json=later)
    assert response.status_code == 201, response.text
    assert {k["kind"]: k["max_price_vnd"] for k in response.json()["kinds"]} == {
        "common": 1_000_000_000,
        "seats_7_8": 1_600_000_000,
        "seats_12_16": 1_300_000_000,
        "specialised": None,
    }
    kinds_only = [{"kind": "seats_12_16", "min_seats": 12, "max_seats": 16, "max_price_vnd": 1_400_000_000, "source": "NĐ Y"}]
    response = await client.post("/car-norms", json=later | {"valid_from": "2028-01-01", "kinds": kinds_only})
    assert response.status_code == 201, response.text
    assert [(k["kind"], k["max_price_vnd"]) for k in response.json()["kinds"]] == [
        ("common", 1_000_000_000),
        ("seats_12_16", 1_400_000_000),
    ]
    overlap = [*kinds_only, {"kind": "seats_7_8", "min_seats": 7, "max_seats": 12, "source": "NĐ Y"}]
    response = await client.post("/car-norms", json=later | {"valid_from": "2029-01-01", "kinds": overlap})
    assert response.status_code == 422
    # The 2025 norm still holds a car bought under it to its own caps.
    assert (await client.get("/car-norms")).json()[0]["kinds"] == norms[0]["kinds"]


async def test_cars_are_counted_by_purpose_and_in_all(client: httpx.AsyncClient) -> None:
    await create_asset(client, **car("XE-01", "11A-300.01"))
    await create_asset(client, **_car("XE-CC", 16, 1_200_000_000, name="Xe cứu thương", purpose="specialised_car"))
    await create_asset(client, code="NĐ-01")
    await create_asset(client, code="NĐ-02", commune_code="01273", holder=THUC_PHAN)
    province = (await client.get("/stats/summary", params={"as_of": "2025-07-01", "province": "04"})).json()
    figures = (
        "premises_held_by_communes",
        "general_work_cars_held_by_communes",
        "specialised_cars_held_by_communes",
        "all_cars_held_by_communes",
        "assets_held_by_communes",
    )
    assert [province[f] for f in figures] == [2, 1, 1, 2, 4]
    assert (province["communes_holding_any_car"], province["communes_holding_general_work_cars"]) == (1, 1)
    cars = next(r for r in province["by_level"] if r["kind"] == "car")
    assert (cars["assets"], cars["general_work_cars"], cars["specialised_cars"]) == (2, 1, 1)
    # Each commune's figures add up to the province's.
    by_commune = [
        (await client.get("/stats/summary", params={"as_of": "2025-07-01", "province": "04", "commune": code})).json()
        for code in ("01304", "01273")
    ]
    assert by_commune[0]["commune"] == "01304"
    for f in figures:
        assert sum(c[f] for c in by_commune) == province[f], f


async def test_car_norm_figures_before_any_norm(client: httpx.AsyncClient) -> None:
    """Before Decree 153's norm (2025-07-01) no cap applies: the figures answer, no car over any cap."""
    lyb_bon = {"kind": "unit", "code": "01288"}
    await create_asset(
        client, **_car("XE-LB", 5, 1_200_000_000, commune_code="01288", holder=lyb_bon, allocated_from="2020-01-01")
    )
    stats = await client.get("/stats/car-norms", params={"as_of": "2025-06-30", "province": "04"})
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert (body["max_price_vnd"], body["max_general_cars_per_commune"]) == (None, None)
    rows = {r["commune_code"]: r for r in body["rows"]}
    assert (rows["01288"]["general_work_cars"], rows["01288"]["over_price"], rows["01288"]["excess"]) == (1, 0, 0)
