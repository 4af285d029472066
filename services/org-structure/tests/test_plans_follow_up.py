"""Follow-up: the overdue list with escalation to the superior agency, and the statistics computed from the items."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens

from .plan_helpers import Setting, by_code, create_plan, item_body, plan_body, report, service_app, setting, world

__all__ = ["service_app", "world"]

AS_OF = "2025-10-15"


async def _plan(client: httpx.AsyncClient, s: Setting) -> dict[str, dict[str, Any]]:
    """Five items: two late (Hòa An's unit, Nam Tuấn), one done on time, one done late, one not due yet."""
    plan = await create_plan(
        client,
        plan_body(
            s,
            items=[
                item_body("1", s.hoa_an_unit, deadline="2025-09-30"),
                item_body("2", s.nam_tuan, deadline="2025-08-31"),
                item_body("3", s.health, deadline="2025-08-31"),
                item_body("4", s.health, deadline="2025-09-15"),
                item_body("5", s.hoa_an, deadline="2025-11-30"),
            ],
        ),
    )
    items = by_code(plan)
    assert (await report(client, items["3"]["id"], reported_on="2025-08-30", percent=100, done=True)).status_code == 201
    assert (await report(client, items["4"]["id"], reported_on="2025-09-20", percent=100, done=True)).status_code == 201
    return items


async def _overdue(client: httpx.AsyncClient, headers: dict[str, str] | None = None, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/plans/overdue", params={"as_of": AS_OF} | params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _stats(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/plans/stats", params={"as_of": AS_OF, "province": "04"} | params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_overdue_items_are_escalated_to_the_superior_agency(
    client: httpx.AsyncClient, session: AsyncSession, test_tokens: TestTokens, cao_bang
) -> None:
    s = await setting(session)
    await _plan(client, s)
    late = await _overdue(client, province="04")
    assert [(i["code"], i["days_overdue"], i["assignee_agency_id"], i["superior_agency_id"]) for i in late] == [
        ("2", 45, str(s.nam_tuan), str(s.home_affairs)),
        ("1", 15, str(s.hoa_an_unit), str(s.hoa_an)),
    ]
    assert late[1]["superior_agency_name"] == "Phòng Kinh tế xã Hòa An"
    # The superior agency's officer sees the late item of the agency under theirs; another agency's officer nothing.
    superior = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(s.hoa_an))
    assert [i["code"] for i in await _overdue(client, superior)] == ["1"]
    owner = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(s.home_affairs))
    assert [i["code"] for i in await _overdue(client, owner)] == ["2"]
    assert await _overdue(client, test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(s.health))) == []
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01660")
    assert [i["code"] for i in await _overdue(client, commune)] == ["2"]
    assert [i["code"] for i in await _overdue(client, agency_id=str(s.hoa_an))] == ["1"]
    assert [i["code"] for i in await _overdue(client, commune="01654")] == ["1"]
    # Before the deadlines nothing was late; the day after Nam Tuấn's deadline, one item.
    assert await _overdue(client, as_of="2025-08-31") == []
    assert [i["code"] for i in await _overdue(client, as_of="2025-09-01")] == ["2"]
    page = (await client.get("/plans/overdue", params={"as_of": AS_OF, "limit": 1})).json()
    assert [i["code"] for i in page["items"]] == ["2"]
    rest = (await client.get("/plans/overdue", params={"as_of": AS_OF, "limit": 1, "cursor": page["next"]})).json()
    assert ([i["code"] for i in rest["items"]], rest["next"]) == (["1"], None)


async def test_the_statistics_move_by_exactly_one_changed_item(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    s = await setting(session)
    items = await _plan(client, s)
    stats = await _stats(client)
    assert (stats["plans_open"], stats["overdue"], stats["from"], stats["to"]) == (1, 2, "2025-01-01", "2025-12-31")
    assert stats["items"] == {"not_started": 3, "in_progress": 0, "done": 2, "cancelled": 0}
    assert [(a["name"], a["overdue"]) for a in stats["overdue_by_agency"]] == [
        ("Phòng Kinh tế xã Nam Tuấn", 1),
        ("Trung tâm Phục vụ hành chính công xã Hòa An", 1),
    ]
    assert stats["overdue_by_commune"] == [{"commune_code": "01654", "overdue": 1}, {"commune_code": "01660", "overdue": 1}]
    on_time = {a["name"]: (a["due"], a["done_on_time"], a["done_late"], a["rate"]) for a in stats["on_time"]}
    assert on_time == {
        "Sở Y tế": (2, 1, 1, "0.5000"),
        "Phòng Kinh tế xã Nam Tuấn": (1, 0, 0, "0.0000"),
        "Trung tâm Phục vụ hành chính công xã Hòa An": (1, 0, 0, "0.0000"),
        "Phòng Kinh tế xã Hòa An": (1, 0, 0, "0.0000"),
    }
    # Nam Tuấn finishes its item (late): one overdue item fewer, one done late more, nothing else moves.
    assert (await report(client, items["2"]["id"], reported_on="2025-10-01", percent=100, done=True)).status_code == 201
    after = await _stats(client)
    assert after["overdue"] == stats["overdue"] - 1
    assert after["items"] == stats["items"] | {"not_started": 2, "done": 3}
    assert after["overdue_by_commune"] == [{"commune_code": "01654", "overdue": 1}]
    moved = {a["name"]: (a["due"], a["done_on_time"], a["done_late"], a["rate"]) for a in after["on_time"]}
    assert moved == on_time | {"Phòng Kinh tế xã Nam Tuấn": (1, 0, 1, "0.0000")}
    # On a day before the report it was still late: the figures are those of the day asked.
    assert (await _stats(client, as_of="2025-09-30"))["overdue"] == 1
    # A narrower period, a commune.
    period = await _stats(client, **{"from": "2025-09-01", "to": "2025-09-30"})
    assert {a["name"]: a["due"] for a in period["on_time"]} == {"Sở Y tế": 1, "Trung tâm Phục vụ hành chính công xã Hòa An": 1}
    commune = await _stats(client, commune="01654")
    assert (commune["overdue"], commune["items"]["not_started"]) == (1, 2)
    assert (await _stats(client, province="06"))["plans_open"] == 0
