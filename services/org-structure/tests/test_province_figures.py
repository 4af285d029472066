"""A province's task statistics and decision progress read that province's rows only (issue 19).

At 3 M people and 50,000 tasks, Cao Bằng's ``/tasks/stats`` read every lead ownership of the
country to keep its 1,500 (30 to 45 ms a call, twice in a summary), and its
``/function-decisions/progress`` listed every agency of the country with a decision in force,
twice. The leads are now read by the ownership's copy of its task's province (migration 0012),
and each agency's decision is looked up on the decisions' index, in one grouping by level and
kind. The figures stay what they were; on PostgreSQL the plans read those indexes.
"""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from sqlalchemy import select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.agencies.models import AgencyKind
from haicap_org_structure.agencies.repository import decision_counts_query
from haicap_org_structure.tasks.models import task_table
from haicap_org_structure.tasks.repository import leads_on
from haicap_shared.testing import index_scans

from .task_helpers import add_agency, cao_bang_agencies, create_task, stats

ON = "2025-08-01"


async def test_a_provinces_task_statistics_count_its_own_leads(
    client: httpx.AsyncClient, session: AsyncSession, db_backend: str, cao_bang
) -> None:
    ag = await cao_bang_agencies(session)
    for n, owner in enumerate((ag.health, ag.health, ag.home_affairs, ag.hoa_an_commune)):
        await create_task(client, owner, f"NV-{n:03d}", valid_from="2025-07-01")
    await session.commit()
    everywhere = await stats(client, ON, by=["level", "sector"])
    in_cao_bang = await stats(client, ON, province="04", by=["level", "sector"])
    assert (in_cao_bang["total"], in_cao_bang["by_level"]["province"], in_cao_bang["by_level"]["commune"]) == (4, 3, 1)
    assert in_cao_bang | {"province": None} == everywhere
    # NOTE: a task's province never changes through the API; moved by a statement, its lead ownership's copy
    # follows, and the task is counted in its new province only
    moved = await client.get("/tasks", params={"q": "NV-000"})
    await session.execute(
        update(task_table).where(task_table.c.id == uuid.UUID(moved.json()["items"][0]["id"])).values(province_code="08")
    )
    await session.commit()
    assert (await stats(client, ON, province="04"))["total"] == 3
    assert (await stats(client, ON, province="08"))["total"] == 1
    if db_backend == "postgresql":
        leads = leads_on(date(2025, 8, 1), province="04")
        read = await index_scans(await session.connection(), select(leads.c.task_id))
        # NOTE: a range of the index by province, not the whole index
        assert "province_code = '04'" in read.get("ix_task_ownership_province_code_task_id_valid_from", ""), read


async def _issue(client: httpx.AsyncClient, agency: uuid.UUID, number: str, issued_on: str) -> None:
    draft = await client.post(
        "/function-decisions", json={"agency_id": str(agency), "number": number, "issuer": "UBND tỉnh Cao Bằng"}
    )
    assert draft.status_code == 201, draft.text
    issued = await client.post(
        f"/function-decisions/{draft.json()['id']}/issue", json={"issued_on": issued_on}, headers={"If-Match": '"1"'}
    )
    assert issued.status_code == 200, issued.text


async def test_decision_progress_by_level_is_the_sum_of_its_kinds(
    client: httpx.AsyncClient, session: AsyncSession, db_backend: str, cao_bang
) -> None:
    ag = await cao_bang_agencies(session)
    office = await add_agency(session, "Văn phòng UBND tỉnh", AgencyKind.PROVINCIAL_OFFICE, "04")
    await session.commit()
    await _issue(client, ag.health, "1/QĐ-UBND", "2025-07-15")
    await _issue(client, office, "2/QĐ-UBND", "2025-07-20")
    await _issue(client, ag.nam_tuan_commune, "3/QĐ-UBND", "2025-07-20")
    response = await client.get("/function-decisions/progress", params={"as_of": ON, "province": "04"})
    progress = response.json()
    by_kind = {(r["level"], r["kind"]): (r["required"], r["issued"]) for r in progress["by_kind"]}
    assert by_kind[("province", "provincial_department")] == (2, 1)
    assert by_kind[("province", "provincial_office")] == (1, 1)
    for level, figures in progress["by_level"].items():
        rows = [r for r in progress["by_kind"] if r["level"] == level]
        assert figures == {"required": sum(r["required"] for r in rows), "issued": sum(r["issued"] for r in rows)}
    assert progress["by_level"]["province"] == {"required": 3, "issued": 2}
    assert progress["by_level"]["commune"]["issued"] == 1
    # NOTE: a decision issued after the date does not count on it
    before = (await client.get("/function-decisions/progress", params={"as_of": "2025-07-16", "province": "04"})).json()
    assert before["by_level"]["province"] == {"required": 3, "issued": 1}
    if db_backend == "postgresql":
        read = await index_scans(await session.connection(), decision_counts_query(date(2025, 8, 1), "04", true()))
        assert "agency_id = agency.id" in read.get("ix_function_decision_agency_id_status", ""), read
        assert "province_code" in read.get("ix_agency_province_code_level_name_id", ""), read
