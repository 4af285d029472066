"""Procedures the catalogue tests share: a district-level procedure that became a commune's on 2025-07-01, and a province's."""

from __future__ import annotations

from typing import Any

import httpx

REFORM_BASIS = "Luật Tổ chức chính quyền địa phương số 72/2025/QH15; Nghị định 150/2025/NĐ-CP"


def moved_procedure(code: str = "1.000804", **overrides: Any) -> dict[str, Any]:
    """A commendation by the district's chairman until 2025-06-30, by the commune's from 2025-07-01."""
    return {
        "code": code,
        "name": "Thủ tục tặng Giấy khen về thành tích đột xuất",
        "sector": "Thi đua - Khen thưởng",
        "levels": [
            {
                "level": "district",
                "agency_in_charge": "Phòng Nội vụ cấp huyện",
                "processing_days": 8,
                "basis": "Nghị định 91/2017/NĐ-CP",
                "valid_from": "2017-07-31",
                "valid_to": "2025-06-30",
            },
            {
                "level": "commune",
                "agency_in_charge": "Ủy ban nhân dân cấp xã",
                "processing_days": 8,
                "basis": REFORM_BASIS,
                "valid_from": "2025-07-01",
            },
        ],
    } | overrides


def province_procedure(code: str = "1.009319", **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Thẩm định thành lập đơn vị sự nghiệp công lập thuộc thẩm quyền quyết định của Ủy ban nhân dân cấp tỉnh",
        "sector": "Tổ chức - Biên chế",
        "levels": [
            {
                "level": "province",
                "agency_in_charge": "Sở Nội vụ",
                "processing_days": 10,
                "basis": "Nghị định 120/2020/NĐ-CP",
                "valid_from": "2020-12-10",
            }
        ],
    } | overrides


async def create_procedure(client: httpx.AsyncClient, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = await client.post("/procedures", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
