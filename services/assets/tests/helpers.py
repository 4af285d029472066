"""Building blocks of the assets tests."""

from typing import Any

import httpx


async def create_asset(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """Record an asset (premises held by Xã Quảng Lâm unless told otherwise) and return it."""
    body: dict[str, Any] = {
        "kind": "premises",
        "code": "NĐ-001",
        "name": "Trụ sở UBND xã",
        "province_code": "04",
        "commune_code": "01304",
        "holder": {"kind": "unit", "code": "01304"},
        "purpose": "office",
        "allocated_from": "2025-07-01",
        "land_area_m2": 1200.0,
        "floor_area_m2": 450.0,
        "year_built": 2005,
        "condition": "fair",
        "original_value": 3_000_000_000,
        "residual_value": 1_200_000_000,
    } | fields
    response = await client.post("/assets", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def car(code: str, plate: str, **fields: Any) -> dict[str, Any]:
    """The fields of a general-work car held by Xã Quảng Lâm."""
    return {
        "kind": "car",
        "code": code,
        "name": "Xe ô tô 7 chỗ",
        "plate": plate,
        "seats": 7,
        "model_year": 2020,
        "purpose": "general_work_car",
        "original_value": 850_000_000,
        "residual_value": 500_000_000,
        "land_area_m2": None,
        "floor_area_m2": None,
        "year_built": None,
        "condition": None,
    } | fields
