"""Cao Bằng's published task figures, reproduced from one set of records.

At 2025-06-30: 2,039 tasks (province 1,330, district 596, commune 113). At 2026-04-15:
2,214 (province 1,687, commune 527): the district tasks were taken over by communes (414)
and the province (182), the former communes' tasks went to the new communes, and 175
tasks were decentralised from ministries.
"""

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.agencies.models import AgencyKind
from haicap_org_structure.units.models import unit_table
from haicap_shared.codes import UnitLevel
from haicap_shared.testing import assert_problem

from .task_helpers import AFTER, BEFORE, add_agency, csv_file, findings, stats

DEPARTMENTS = [
    "Văn phòng UBND tỉnh",
    "Sở Nội vụ",
    "Sở Tài chính",
    "Sở Tư pháp",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Xây dựng",
    "Sở Nông nghiệp và Môi trường",
    "Sở Công Thương",
    "Sở Khoa học và Công nghệ",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Dân tộc và Tôn giáo",
    "Sở Ngoại vụ",
    "Thanh tra tỉnh",
]
SECTORS = ["Nội vụ", "Tài chính", "Tư pháp", "Y tế", "Giáo dục", "Xây dựng", "Nông nghiệp", "Công thương"]
LAW = "Luật Tổ chức chính quyền địa phương 72/2025/QH15"


def _row(code: str, owner: uuid.UUID, valid_from: str, n: int) -> dict[str, Any]:
    return {
        "code": code,
        "title": f"Nhiệm vụ quản lý nhà nước {code}",
        "sector": SECTORS[n % len(SECTORS)],
        "legal_basis": "Nghị định 150/2025/NĐ-CP",
        "owner_agency_id": str(owner),
        "valid_from": valid_from,
    }


async def _codes(session: AsyncSession, level: UnitLevel, *, ended: bool) -> list[str]:
    c = unit_table.c
    stmt = select(c.code).where(c.province_code == "04", c.level == level)
    stmt = stmt.where(c.valid_to == BEFORE) if ended else stmt.where(c.valid_from == AFTER)
    return list((await session.scalars(stmt.order_by(c.code))).all())


async def _bulk(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/task-transfers/bulk", json=body)
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_cao_bang_task_figures_before_and_after_the_reform(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    departments = [await add_agency(session, name, AgencyKind.PROVINCIAL_DEPARTMENT, "04") for name in DEPARTMENTS]
    district_codes = await _codes(session, UnitLevel.DISTRICT, ended=True)
    districts = [
        await add_agency(session, f"Phòng Kinh tế huyện {code}", AgencyKind.DISTRICT_OFFICE, code, valid_to=BEFORE)
        for code in district_codes
    ]
    former_communes = [
        await add_agency(session, f"UBND xã cũ {code}", AgencyKind.COMMUNE_OFFICE, code, valid_to=BEFORE)
        for code in (await _codes(session, UnitLevel.COMMUNE, ended=True))[:5]
    ]
    new_communes = [
        await add_agency(session, f"Văn phòng HĐND và UBND {code}", AgencyKind.COMMUNE_OFFICE, code, valid_from=AFTER)
        for code in (await _codes(session, UnitLevel.COMMUNE, ended=False))[:10]
    ]
    await session.commit()
    assert (len(departments), len(districts)) == (14, 10)

    district_sizes = [60] * 6 + [59] * 4
    rows = [_row(f"T-{n:04d}", departments[n % 14], "2020-01-01", n) for n in range(1330)]
    for d, size in enumerate(district_sizes):
        rows += [_row(f"H{d}-{n:03d}", districts[d], "2020-01-01", n) for n in range(size)]
    rows += [_row(f"X-{n:03d}", former_communes[n % 5], "2020-01-01", n) for n in range(113)]
    response = await client.post("/tasks/imports", params={"province": "04"}, files={"file": ("cao-bang.csv", csv_file(rows))})
    assert response.status_code == 200, response.text
    assert response.json()["written"] == 2039

    before = await stats(client, "2025-06-30", province="04")
    assert (before["total"], before["by_level"]) == (2039, {"province": 1330, "district": 596, "commune": 113})

    # 1 July 2025: each former district office hands 41 or 42 tasks to new communes, the rest to the province.
    to_communes = [42] * 4 + [41] * 6
    for d, size in enumerate(district_sizes):
        report = await _bulk(
            client,
            {
                "from_agency_id": str(districts[d]),
                "effective_date": "2025-07-01",
                "mode": "taken_over_from_district",
                "legal_basis": LAW,
                "rows": [
                    {"task_code": f"H{d}-{n:03d}", "to_agency_id": str(new_communes[n % 10])} for n in range(to_communes[d])
                ],
                "default_to_agency_id": str(departments[d]),
            },
        )
        assert (report["written"], report["remaining_with_from_agency"]) == (size, 0)
    for office in former_communes:
        report = await _bulk(
            client,
            {
                "from_agency_id": str(office),
                "effective_date": "2025-07-01",
                "mode": "reassigned",
                "legal_basis": "Nghị quyết 1657/NQ-UBTVQH15",
                "default_to_agency_id": str(new_communes[0]),
            },
        )
        assert report["remaining_with_from_agency"] == 0

    # 175 tasks decentralised from ministries: 5 recorded one by one with their origin, 170 imported.
    for n in range(5):
        body = _row(f"PC-{n:03d}", departments[4], "2025-08-01", n) | {
            "origin": {"mode": "decentralised", "from_authority": "Bộ Y tế", "legal_basis": "Nghị định 148/2025/NĐ-CP"}
        }
        assert (await client.post("/tasks", json=body)).status_code == 201
    rows = [_row(f"PC-{n:03d}", departments[n % 14], "2025-07-01", n) for n in range(5, 175)]
    response = await client.post("/tasks/imports", params={"province": "04"}, files={"file": ("phan-cap.csv", csv_file(rows))})
    assert response.json()["written"] == 170

    after = await stats(client, "2026-04-15", province="04")
    assert (after["total"], after["by_level"]) == (2214, {"province": 1687, "district": 0, "commune": 527})
    # The same records still give the figures of 30 June 2025.
    again = await stats(client, "2025-06-30", province="04")
    assert again == before
    assert sum(s["count"] for s in after["by_sector"]) == 2214
    assert (after["by"], after["by_unit"], after["by_agency"]) == (["level", "sector"], None, None)
    await _stats_by_unit_and_agency(client, after)

    moved = (
        await client.get("/task-transfers/stats", params={"province": "04", "from": "2025-07-01", "to": "2026-04-15"})
    ).json()
    assert moved["by_mode"] == {
        "taken_over_from_district": 596,
        "decentralised": 5,
        "delegated": 0,
        "authorised": 0,
        "returned": 0,
        "reassigned": 113,
    }
    for day in ("2025-06-30", "2026-04-15"):
        assert (await findings(client, day))["total"] == 0


async def _pages(client: httpx.AsyncClient, dimension: str, limit: int) -> list[dict[str, Any]]:
    """Every row of ``by_<dimension>``, following its cursor ``limit`` rows at a time."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"by": dimension, "limit": str(limit)} | ({f"{dimension}_cursor": cursor} if cursor else {})
        page = await stats(client, "2026-04-15", province="04", **params)
        assert len(page[f"by_{dimension}"]) <= limit
        rows += page[f"by_{dimension}"]
        cursor = page[f"next_{dimension}"]
        if cursor is None:
            return rows


async def _stats_by_unit_and_agency(client: httpx.AsyncClient, after: dict[str, Any]) -> None:
    """The long lists come when asked for, a page at a time; a unit's own count; a bad cursor is a problem."""
    every = await stats(client, "2026-04-15", province="04", by="unit", limit="500")
    # NOTE: only what was asked for: the unit list, the total, no other breakdown.
    assert (every["by"], every["total"], every["by_level"], every["by_sector"]) == (["unit"], 2214, None, None)
    assert every["next_unit"] is None
    assert sum(u["count"] for u in every["by_unit"]) == 2214
    assert [u["unit_code"] for u in every["by_unit"]] == sorted(u["unit_code"] for u in every["by_unit"])
    assert await _pages(client, "unit", 3) == every["by_unit"]
    agencies = await stats(client, "2026-04-15", province="04", by="agency", limit="500")
    assert sum(a["count"] for a in agencies["by_agency"]) == 2214
    assert await _pages(client, "agency", 4) == agencies["by_agency"]
    both = await client.get(
        "/tasks/stats", params=[("as_of", "2026-04-15"), ("province", "04"), ("by", "level"), ("by", "province"), ("by", "level")]
    )
    assert both.status_code == 200, both.text
    assert both.json()["by"] == ["level", "province"]
    assert (both.json()["by_level"], both.json()["by_province"]) == (after["by_level"], [{"province_code": "04", "count": 2214}])
    commune = every["by_unit"][-1]
    own = await stats(client, "2026-04-15", province="04", unit_id=commune["unit_id"], by="unit")
    assert (own["total"], own["by_unit"]) == (commune["count"], [commune])
    bad = await client.get("/tasks/stats", params={"as_of": "2026-04-15", "by": "unit", "unit_cursor": "nonsense"})
    assert_problem(bad, 422, "invalid_cursor")
    # NOTE: both lists' keys are a text and an id, so only the cursor's list tells them apart.
    unit_cursor = (await stats(client, "2026-04-15", province="04", by="unit", limit="3"))["next_unit"]
    assert unit_cursor is not None
    crossed = await client.get(
        "/tasks/stats", params={"as_of": "2026-04-15", "province": "04", "by": "agency", "agency_cursor": unit_cursor}
    )
    assert_problem(crossed, 422, "invalid_cursor")
    assert_problem(await client.get("/tasks/stats", params={"as_of": "2026-04-15", "by": "district"}), 422, "validation_error")
