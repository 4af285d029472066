"""The national roll-up's routes: every province's figures in one call, each row what the
per-province route answers for that province, in the caller's area only."""

import uuid
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.agencies.models import AgencyKind
from haicap_org_structure.units.models import unit_table
from haicap_org_structure.units.reference import ImportPlan, province_plan
from haicap_shared.codes import UnitLevel
from haicap_shared.roles import Role
from haicap_shared.testing import NO_AUTH, TestTokens, assert_problem
from haicap_shared.validity import in_force_on

from .conftest import run_import
from .plan_helpers import create_plan, item_body, plan_body, report, service_app, setting, world
from .task_helpers import AFTER, add_agency, create_task

__all__ = ["service_app", "world"]

AS_OF = "2025-10-15"
TUYEN_QUANG = "08"
ROUTES = {
    "tasks": "/tasks/stats/by-province",
    "decisions": "/function-decisions/progress/by-province",
    "plans": "/plans/stats/by-province",
    "findings": "/tasks/findings/by-province",
}


async def _get(client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    response = await client.get(path, params={"as_of": AS_OF} | params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _issue(client: httpx.AsyncClient, agency_id: uuid.UUID, number: str) -> None:
    draft = await client.post("/function-decisions", json={"agency_id": str(agency_id), "number": number, "issuer": "UBND tỉnh"})
    assert draft.status_code == 201, draft.text
    issued = await client.post(
        f"/function-decisions/{draft.json()['id']}/issue", json={"issued_on": "2025-08-01"}, headers={"If-Match": '"1"'}
    )
    assert issued.status_code == 200, issued.text


async def _first_commune(session: AsyncSession, province: str) -> str:
    stmt = (
        select(unit_table.c.code)
        .where(unit_table.c.province_code == province, unit_table.c.level == UnitLevel.COMMUNE, in_force_on(unit_table, AFTER))
        .order_by(unit_table.c.code)
        .limit(1)
    )
    code: str = (await session.execute(stmt)).scalar_one()
    return code


@pytest_asyncio.fixture
async def two_provinces(client: httpx.AsyncClient, session: AsyncSession, country_plan: ImportPlan, cao_bang) -> None:
    """Cao Bằng and Tuyên Quang with tasks, decisions, plans and findings of their own, in different numbers."""
    await run_import(session, province_plan(country_plan, TUYEN_QUANG), f"province:{TUYEN_QUANG}")
    cb = await setting(session)
    tq_department = await add_agency(session, "Sở Nội vụ tỉnh Tuyên Quang", AgencyKind.PROVINCIAL_DEPARTMENT, TUYEN_QUANG)
    tq_health = await add_agency(session, "Sở Y tế tỉnh Tuyên Quang", AgencyKind.PROVINCIAL_DEPARTMENT, TUYEN_QUANG)
    tq_commune = await add_agency(
        session, "Phòng Kinh tế xã", AgencyKind.COMMUNE_ECONOMIC_OFFICE, await _first_commune(session, TUYEN_QUANG)
    )
    await session.commit()
    # Cao Bằng: four tasks over two levels and sectors, one without legal basis, two alike (a duplicate).
    await create_task(client, cb.health, "NV-01")
    await create_task(client, cb.health, "NV-02", title="Cấp phép", legal_basis=None)
    await create_task(client, cb.hoa_an, "NV-03", title="Cấp phép", valid_from="2025-07-01")
    await create_task(client, cb.nam_tuan, "NV-04", sector="Xây dựng", valid_from="2025-07-01")
    # Tuyên Quang: two tasks, one at the commune, one without legal basis.
    await create_task(client, tq_health, "NV-01", valid_from="2025-07-01")
    await create_task(client, tq_commune, "NV-02", sector="Giáo dục", legal_basis=None, valid_from="2025-07-01")
    await _issue(client, cb.home_affairs, "1/QĐ-UBND")
    await _issue(client, tq_health, "2/QĐ-UBND")
    await _issue(client, tq_commune, "3/QĐ-UBND")
    plan = await create_plan(
        client,
        plan_body(
            cb,
            items=[
                item_body("1", cb.hoa_an_unit, deadline="2025-09-30"),
                item_body("2", cb.nam_tuan, deadline="2025-08-31"),
                item_body("3", cb.health, deadline="2025-08-31"),
            ],
        ),
    )
    done = next(item for item in plan["items"] if item["code"] == "3")
    assert (await report(client, done["id"], reported_on="2025-08-30", percent=100, done=True)).status_code == 201
    tq = {"owner_agency_id": str(tq_department), "decision_issuer": "UBND tỉnh Tuyên Quang"}
    await create_plan(client, plan_body(cb, "KH-01", items=[item_body("1", tq_commune, deadline="2025-09-15")], **tq))
    await create_plan(client, plan_body(cb, "KH-02", **tq))  # no item: counted in the province's open plans only


def _task_row(code: str, stats: dict[str, Any]) -> dict[str, Any]:
    return {"province": code, "total": stats["total"], "by_level": stats["by_level"], "by_sector": stats["by_sector"]}


async def _per_province(client: httpx.AsyncClient, route: str, code: str) -> dict[str, Any]:
    """What the per-province route answers for ``code``, in the shape of a by-province row."""
    if route == "tasks":
        return _task_row(code, await _get(client, "/tasks/stats", province=code, by=["level", "sector"]))
    if route == "decisions":
        progress: dict[str, Any] = await _get(client, "/function-decisions/progress", province=code)
        return progress
    if route == "plans":
        stats: dict[str, Any] = await _get(client, "/plans/stats", province=code)
        return stats
    found = await _get(client, "/tasks/findings", province=code)
    return {"province": code, "total": found["total"], "counts": found["counts"]}


@pytest.mark.parametrize("route", ROUTES)
async def test_each_row_is_the_province_route_answer(client: httpx.AsyncClient, two_provinces: None, route: str) -> None:
    body = await _get(client, ROUTES[route])
    assert body["as_of"] == AS_OF
    assert [row["province"] for row in body["rows"]] == ["04", TUYEN_QUANG]
    for row in body["rows"]:
        assert row == await _per_province(client, route, row["province"])
    # The two provinces' figures differ, so a row cannot pass for the other's.
    assert body["rows"][0] != body["rows"][1] | {"province": "04"}


async def test_the_rows_count_what_each_province_holds(client: httpx.AsyncClient, two_provinces: None) -> None:
    tasks = {row["province"]: row for row in (await _get(client, ROUTES["tasks"]))["rows"]}
    assert (tasks["04"]["total"], tasks["04"]["by_level"]) == (4, {"province": 2, "district": 0, "commune": 2})
    assert (tasks[TUYEN_QUANG]["total"], tasks[TUYEN_QUANG]["by_level"]) == (2, {"province": 1, "district": 0, "commune": 1})
    findings = {row["province"]: row["counts"] for row in (await _get(client, ROUTES["findings"]))["rows"]}
    assert (findings["04"]["no_legal_basis"], findings["04"]["duplicate"]) == (1, 2)
    assert (findings[TUYEN_QUANG]["no_legal_basis"], findings[TUYEN_QUANG]["duplicate"]) == (1, 0)
    plans = {row["province"]: row for row in (await _get(client, ROUTES["plans"]))["rows"]}
    assert (plans["04"]["plans_open"], plans["04"]["overdue"]) == (1, 2)
    assert (plans[TUYEN_QUANG]["plans_open"], plans[TUYEN_QUANG]["overdue"]) == (2, 1)


async def test_later_figures_and_other_options_follow_the_province_route(client: httpx.AsyncClient, two_provinces: None) -> None:
    """Another date, another period, another `open_days`: still each province's own answer."""
    plans = await _get(client, ROUTES["plans"], **{"from": "2025-09-01", "to": "2025-09-30"})
    for row in plans["rows"]:
        assert row == await _get(client, "/plans/stats", province=row["province"], **{"from": "2025-09-01", "to": "2025-09-30"})
    early = await _get(client, ROUTES["tasks"], as_of="2024-01-01")
    assert early["rows"] == [_task_row("04", await _get(client, "/tasks/stats", as_of="2024-01-01", province="04"))]
    findings = await _get(client, ROUTES["findings"], open_days=5)
    for row in findings["rows"]:
        found = await _get(client, "/tasks/findings", province=row["province"], open_days=5)
        assert (row["total"], row["counts"]) == (found["total"], found["counts"])


@pytest.mark.parametrize("route", ROUTES)
async def test_a_province_officer_sees_only_their_province(
    client: httpx.AsyncClient, test_tokens: TestTokens, two_provinces: None, route: str
) -> None:
    everything = await _get(client, ROUTES[route])
    mine = await _get(client, ROUTES[route], test_tokens.headers(Role.PROVINCE_OFFICER, province=TUYEN_QUANG))
    assert mine["rows"] == [row for row in everything["rows"] if row["province"] == TUYEN_QUANG]
    assert mine["rows"] != []


@pytest.mark.parametrize("route", ROUTES)
async def test_a_call_without_token_or_with_a_bad_date_is_a_problem(client: httpx.AsyncClient, route: str) -> None:
    assert_problem(await client.get(ROUTES[route], params={"as_of": AS_OF}, headers=NO_AUTH), 401, "not_authenticated")
    assert_problem(await client.get(ROUTES[route], params={"as_of": "2025-02-30"}), 422, "validation_error")
    assert_problem(await client.get(ROUTES[route]), 422, "validation_error")
