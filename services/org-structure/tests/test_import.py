"""The import from vietnamadminunits: Cao Bằng and the whole country, and idempotence."""

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.units.models import change_table, unit_table
from haicap_org_structure.units.reference import ImportPlan, province_plan

from .conftest import run_import


async def _stats(client: httpx.AsyncClient, as_of: str, province: str | None = None) -> dict:
    params = {"as_of": as_of} | ({"province": province} if province else {})
    response = await client.get("/units/stats", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _kinds(stats: dict) -> dict[str, int]:
    return {row["kind"]: row["count"] for row in stats["by_kind"]}


async def test_cao_bang_before_and_after_the_reform(client: httpx.AsyncClient, cao_bang) -> None:
    before = await _stats(client, "2025-06-30", "04")
    assert before["by_level"] == {"province": 1, "district": 10, "commune": 161}
    assert _kinds(before) == {"tinh": 1, "huyen": 9, "thanh_pho_thuoc_tinh": 1, "xa": 139, "thi_tran": 14, "phuong": 8}

    after = await _stats(client, "2025-07-01", "04")
    assert after["by_level"] == {"province": 1, "district": 0, "commune": 56}
    assert _kinds(after) == {"tinh": 1, "xa": 53, "phuong": 3}


async def test_cao_bang_lists_page_through_every_commune(client: httpx.AsyncClient, cao_bang) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"province": "04", "level": "commune", "as_of": "2025-06-30", "limit": 50} | (
            {"cursor": cursor} if cursor else {}
        )
        page = (await client.get("/units", params=params)).json()
        seen += [u["code"] for u in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == 161
    assert seen == sorted(seen)
    assert len(set(seen)) == 161


async def test_the_summary_says_what_was_imported(cao_bang) -> None:
    assert cao_bang.units_created == 228
    assert cao_bang.changes_created == 66
    assert cao_bang.changes_by_kind == {"merge": 56, "abolish": 10}
    assert cao_bang.ambiguous_splits == []


async def test_importing_twice_changes_nothing(session: AsyncSession, cao_bang, country_plan: ImportPlan) -> None:
    counts_before = (
        await session.scalar(select(func.count()).select_from(unit_table)),
        await session.scalar(select(func.count()).select_from(change_table)),
    )
    again = await run_import(session, province_plan(country_plan, "04"), "province:04")
    assert (again.units_created, again.changes_created) == (0, 0)
    assert (again.units_already_present, again.changes_already_present) == (228, 66)
    counts_after = (
        await session.scalar(select(func.count()).select_from(unit_table)),
        await session.scalar(select(func.count()).select_from(change_table)),
    )
    assert counts_after == counts_before == (228, 66)


async def test_national_import(client: httpx.AsyncClient, session: AsyncSession, cao_bang, country_plan: ImportPlan) -> None:
    summary = await run_import(session, country_plan, "national")
    # Cao Bằng was already there: only the rest of the country is new.
    assert summary.units_already_present == 228
    assert summary.units_created == len(country_plan.units) - 228

    after = await _stats(client, "2025-07-01")
    assert after["by_level"] == {"province": 34, "district": 0, "commune": 3321}
    assert _kinds(after) == {"tinh": 28, "thanh_pho_truc_thuoc_tw": 6, "xa": 2621, "phuong": 687, "dac_khu": 13}

    before = await _stats(client, "2025-06-30")
    assert before["by_level"] == {"province": 63, "district": 696, "commune": 10035}

    # The measured national figures (README): 14,234 units and 4,534 changes, of which 96 units
    # and 96 changes are Đồng Nai's of 2026-04-30; 31 links of the package dropped, 1 code corrected.
    assert len(country_plan.units) == 14234
    assert summary.changes_by_kind == {"merge": 3071, "split": 442, "rename": 93, "reorganise": 237, "abolish": 691}
    assert len(summary.dropped_links) == 31
    assert summary.corrections == [c.describe() for c in country_plan.corrections]
    assert len(summary.corrections) == 1

    # Former communes divided between several new ones are recorded as splits and reported.
    assert summary.changes_by_kind["split"] == len(summary.ambiguous_splits) > 0
    splits = (await client.get("/unit-changes", params={"kind": "split", "limit": 1})).json()["items"]
    assert len(splits[0]["sources"]) == 1
    assert len(splits[0]["results"]) >= 2
    assert "Ambiguous" in splits[0]["note"]


async def test_merged_provinces_end_and_a_new_one_begins(client: httpx.AsyncClient, session: AsyncSession, country_plan) -> None:
    await run_import(session, province_plan(country_plan, "08"), "province:08")
    new = (await client.get("/units/by-code/08", params={"as_of": "2025-07-01"})).json()
    old = (await client.get("/units/by-code/08", params={"as_of": "2025-06-30"})).json()
    assert new["id"] != old["id"]
    assert new["valid_from"] == "2025-07-01"
    assert old["valid_to"] == "2025-06-30"
    lineage = (await client.get(f"/units/{new['id']}/lineage")).json()
    former = {step["unit"]["name"] for step in lineage["predecessors"] if step["unit"]["level"] == "province"}
    assert former == {"Tỉnh Hà Giang", "Tỉnh Tuyên Quang"}
