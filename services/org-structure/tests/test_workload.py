"""Workload per commune and per agency: tasks held on a date, and over the communes each came from on the baseline."""

import uuid
from datetime import date
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.agencies.models import AgencyKind
from haicap_org_structure.tasks.models import ownership_table
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens

from .task_helpers import AFTER, BEFORE, Agencies, add_agency, cao_bang_agencies, create_task

NEW_MODEL = AFTER.isoformat()


async def _get(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await client.get(path, params={"province": "04", "as_of": NEW_MODEL} | params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _communes(client: httpx.AsyncClient, **params: Any) -> dict[str, dict[str, Any]]:
    return {row["commune_code"]: row for row in (await _get(client, "/workload/communes", **params))["rows"]}


async def _agencies(client: httpx.AsyncClient, **params: Any) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in (await _get(client, "/workload/agencies", **params))["rows"]}


def _held(row: dict[str, Any]) -> tuple[int, int, int]:
    return row["tasks_lead"], row["tasks_shared"], row["tasks_held"]


async def _former_communes(session: AsyncSession) -> tuple[uuid.UUID, uuid.UUID]:
    """Offices of two communes Xã Hòa An (01654) was formed from: the former Hòa An (01654) and 01666."""
    former_hoa_an = await add_agency(
        session, "UBND xã Hòa An (cũ)", AgencyKind.COMMUNE_OFFICE, "01654", valid_to=BEFORE, unit_on_day=BEFORE
    )
    other = await add_agency(session, "UBND xã 01666 (cũ)", AgencyKind.COMMUNE_OFFICE, "01666", valid_to=BEFORE)
    await session.commit()
    return former_hoa_an, other


async def _scenario(client: httpx.AsyncClient, session: AsyncSession) -> Agencies:
    """Three tasks of Hòa An's former communes (one shared by both) and two of the new communes."""
    ag = await cao_bang_agencies(session)
    former_hoa_an, other = await _former_communes(session)
    before = {"valid_from": "2020-01-01"}
    await create_task(client, former_hoa_an, "NV-001", **before)
    await create_task(client, other, "NV-002", **before)
    await create_task(client, former_hoa_an, "NV-003", shared=True, co_owner_agency_ids=[str(other)], **before)
    await create_task(client, ag.health, "NV-004", **before)
    after = {"valid_from": NEW_MODEL}
    await create_task(client, ag.hoa_an_commune, "NV-101", **after)
    await create_task(client, ag.nam_tuan_commune, "NV-102", shared=True, co_owner_agency_ids=[str(ag.hoa_an_commune)], **after)
    # NOTE: the former communes' tasks end with them.
    former = ownership_table.c.agency_id.in_([former_hoa_an, other])
    await session.execute(update(ownership_table).where(former).values(valid_to=BEFORE))
    await session.commit()
    return ag


async def test_communes_count_their_agencies_tasks_and_their_predecessors(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    ag = await _scenario(client, session)
    body = await _get(client, "/workload/communes")
    assert (body["as_of"], body["baseline"], body["province"], len(body["rows"])) == (NEW_MODEL, "2025-06-30", "04", 56)
    rows = {row["commune_code"]: row for row in body["rows"]}
    hoa_an, nam_tuan, bao_lam = rows["01654"], rows["01660"], rows["01290"]
    assert (hoa_an["name"], hoa_an["agencies"], _held(hoa_an)) == ("Xã Hòa An", 1, (1, 1, 2))
    assert hoa_an["predecessor_codes"] == ["01654", "01666", "01687"]
    # NV-001 and NV-003 led by the former Hòa An, NV-002 by 01666 which co-owns NV-003: three distinct tasks.
    assert _held(hoa_an["baseline"]) == (3, 1, 3)
    assert (_held(nam_tuan), _held(nam_tuan["baseline"])) == ((1, 0, 1), (0, 0, 0))
    assert (bao_lam["agencies"], _held(bao_lam)) == (1, (0, 0, 0))
    assert sum(row["tasks_held"] for row in body["rows"]) == 3  # NV-102 counts at both of its holders

    # One more task for Hòa An's office moves Hòa An's lead and held by exactly one; ending one moves them back.
    extra = await create_task(client, ag.hoa_an_commune, "NV-103", valid_from=NEW_MODEL)
    moved = await _communes(client)
    assert _held(moved["01654"]) == (2, 1, 3)
    assert {code: _held(row) for code, row in moved.items() if code != "01654"} == {
        code: _held(row) for code, row in rows.items() if code != "01654"
    }
    await session.execute(
        update(ownership_table).where(ownership_table.c.task_id == uuid.UUID(extra["id"])).values(valid_to=date(2025, 12, 31))
    )
    await session.commit()
    assert _held((await _communes(client, as_of="2026-01-01"))["01654"]) == (1, 1, 2)
    # The baseline is any date: before the tasks began, the former communes held none.
    assert _held((await _communes(client, baseline="2019-12-31"))["01654"]["baseline"]) == (0, 0, 0)


async def test_a_commune_in_force_on_the_baseline_is_its_own_baseline(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    await _scenario(client, session)
    rows = await _communes(client, as_of="2025-06-30")
    assert len(rows) > 56  # the communes before the reorganisation
    assert (rows["01666"]["predecessor_codes"], rows["01666"]["agencies"], _held(rows["01666"])) == ([], 1, (1, 1, 2))
    assert _held(rows["01666"]["baseline"]) == (1, 1, 2)
    assert _held(rows["01654"]) == _held(rows["01654"]["baseline"]) == (2, 0, 2)


async def test_agencies_with_tasks_now_and_on_the_baseline(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    await _scenario(client, session)
    body = await _get(client, "/workload/agencies")
    rows = {row["name"]: row for row in body["rows"]}
    assert set(rows) == {
        "Sở Y tế",
        "Sở Nội vụ",
        "Phòng Kinh tế xã Hòa An",
        "Phòng Kinh tế xã Nam Tuấn",
        "Phòng Văn hóa - Xã hội xã Bảo Lâm",
    }
    hoa_an = rows["Phòng Kinh tế xã Hòa An"]
    assert (hoa_an["level"], hoa_an["commune_code"], _held(hoa_an)) == ("commune", "01654", (1, 1, 2))
    assert hoa_an["baseline_tasks_held"] is None
    health = rows["Sở Y tế"]
    assert (_held(health), health["baseline_tasks_held"]) == ((1, 0, 1), 1)
    assert (_held(rows["Sở Nội vụ"]), rows["Sở Nội vụ"]["baseline_tasks_held"]) == ((0, 0, 0), 0)
    provincial = await _agencies(client, level="province")
    assert set(provincial) == {"Sở Y tế", "Sở Nội vụ"}
    before = await _agencies(client, as_of="2025-06-30")
    assert _held(before["UBND xã 01666 (cũ)"]) == (1, 1, 2)


async def test_workload_within_the_callers_area(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    await _scenario(client, session)
    nam_tuan = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01660")
    params = {"province": "04", "as_of": NEW_MODEL}
    response = await client.get("/workload/communes", params=params, headers=nam_tuan)
    assert [row["commune_code"] for row in response.json()["rows"]] == ["01660"]
    response = await client.get("/workload/agencies", params=params, headers=nam_tuan)
    assert [row["name"] for row in response.json()["rows"]] == ["Phòng Kinh tế xã Nam Tuấn"]
    other_province = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    response = await client.get("/workload/communes", params=params, headers=other_province)
    assert (response.status_code, response.json()["code"]) == (403, "outside_area")
    bad = await client.get("/workload/communes", params={"province": "4", "as_of": NEW_MODEL})
    assert bad.status_code == 422
    missing = await client.get("/workload/agencies", params={"province": "04"})
    assert missing.status_code == 422
