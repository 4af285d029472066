"""Progress reports: who reports, percentages that only grow, done only after the dependencies, events."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .plan_helpers import by_code, count, create_plan, item_body, plan_body, report, service_app, setting, world

__all__ = ["service_app", "world"]

TYPE = "vn.gov.haicap.org"


async def test_the_assignee_reports_and_an_outsider_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, test_tokens: TestTokens, cao_bang
) -> None:
    s = await setting(session)
    plan = await create_plan(client, plan_body(s, items=[item_body("1", s.hoa_an_unit), item_body("2", s.nam_tuan)]))
    items = by_code(plan)
    own_commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01654")
    other_commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01660")
    superior = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(s.hoa_an))
    unrelated = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(s.health))
    auditor = test_tokens.headers(Role.AUDITOR)

    assert_problem(
        await report(client, items["1"]["id"], other_commune, reported_on="2025-08-01", percent=10), 403, "outside_area"
    )
    assert_problem(await report(client, items["1"]["id"], unrelated, reported_on="2025-08-01", percent=10), 403, "outside_area")
    assert_problem(await report(client, items["1"]["id"], auditor, reported_on="2025-08-01", percent=10), 403, "role_not_allowed")
    assert await count(session, "plan_progress") == 0

    first = await report(
        client,
        items["1"]["id"],
        own_commune,
        reported_on="2025-08-01",
        percent=30,
        narrative="Đã kiểm kê trụ sở",
        evidence=[{"title": "Biên bản kiểm kê", "document_number": "12/BB-UBND", "issued_on": "2025-07-30"}],
    )
    assert first.status_code == 201, first.text
    assert first.headers["etag"] == '"2"'
    assert first.json()["evidence"] == [
        {"title": "Biên bản kiểm kê", "document_number": "12/BB-UBND", "issued_on": "2025-07-30", "url": None}
    ]
    # An agency officer of the assignee's parent reports too (the assignee "or above").
    second = await report(client, items["1"]["id"], superior, reported_on="2025-08-10", percent=40)
    assert second.status_code == 201, second.text
    item = (await client.get(f"/plan-items/{items['1']['id']}")).json()
    assert (item["status"], item["progress_percent"], item["version"]) == ("in_progress", 40, 3)
    history = (await client.get(f"/plan-items/{items['1']['id']}/progress")).json()
    assert [(h["reported_on"], h["percent"], h["reporter"]) for h in history] == [
        ("2025-08-10", 40, "test-agency_officer"),
        ("2025-08-01", 30, "test-commune_officer"),
    ]
    bad_url = {"title": "Ảnh", "url": "ftp://x/y"}
    assert_problem(
        await report(client, items["1"]["id"], reported_on="2025-08-11", percent=45, evidence=[bad_url]), 422, "validation_error"
    )
    too_many = [{"title": f"Tài liệu {n}"} for n in range(21)]
    assert_problem(
        await report(client, items["1"]["id"], reported_on="2025-08-11", percent=45, evidence=too_many), 422, "validation_error"
    )


async def test_a_percentage_never_falls_unless_corrected(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    s = await setting(session)
    plan = await create_plan(client, plan_body(s, items=[item_body("1", s.health)]))
    item_id = plan["items"][0]["id"]
    assert (await report(client, item_id, reported_on="2025-08-01", percent=60)).status_code == 201
    body = assert_problem(await report(client, item_id, reported_on="2025-08-05", percent=50), 409, "percent_below_previous")
    assert body["previous_percent"] == 60
    assert_problem(await report(client, item_id, reported_on="2025-07-20", percent=70), 409, "report_before_previous")
    assert_problem(await report(client, item_id, reported_on="2025-08-05", percent=50, correction=True), 422, "validation_error")
    corrected = await report(client, item_id, reported_on="2025-08-05", percent=50, correction=True, narrative="Tính lại")
    assert corrected.status_code == 201, corrected.text
    assert (await client.get(f"/plan-items/{item_id}")).json()["progress_percent"] == 50
    assert_problem(await report(client, item_id, reported_on="2025-08-06", percent=90, done=True), 422, "validation_error")


async def test_an_item_is_done_only_after_its_dependencies(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    s = await setting(session)
    plan = await create_plan(
        client,
        plan_body(
            s,
            items=[
                item_body("1", s.health, deadline="2025-08-31"),
                item_body("2", s.health, deadline="2025-09-30", depends_on=["1"]),
            ],
        ),
    )
    items = by_code(plan)
    start = int((await client.get("/events/latest")).json()["latest_sequence"])
    body = assert_problem(
        await report(client, items["2"]["id"], reported_on="2025-09-10", percent=100, done=True), 409, "dependency_not_done"
    )
    assert body["item_codes"] == ["1"]
    # 100 without `done` is a report, not the end.
    assert (await report(client, items["2"]["id"], reported_on="2025-09-10", percent=100)).status_code == 201
    late = await report(client, items["1"]["id"], reported_on="2025-09-05", percent=100, done=True)
    assert late.status_code == 201, late.text
    one = (await client.get(f"/plan-items/{items['1']['id']}")).json()
    assert (one["status"], one["completed_on"], one["on_time"]) == ("done", "2025-09-05", False)
    done = await report(client, items["2"]["id"], reported_on="2025-09-20", percent=100, done=True)
    assert done.status_code == 201, done.text
    two = (await client.get(f"/plan-items/{items['2']['id']}")).json()
    assert (two["status"], two["completed_on"], two["on_time"]) == ("done", "2025-09-20", True)
    events = (await client.get("/events", params={"after": start})).json()["events"]
    assert [e["type"] for e in events] == [f"{TYPE}.plan_item.progress_reported"] * 3
    assert events[-1]["data"]["record"] == two
    assert set(events[-1]["data"]["changed_fields"]) == {"status", "completed_on", "on_time"}
    # A correction below 100 takes a done item back.
    back = await report(client, items["2"]["id"], reported_on="2025-09-21", percent=80, correction=True, narrative="Thiếu hồ sơ")
    assert back.status_code == 201
    two = (await client.get(f"/plan-items/{items['2']['id']}")).json()
    assert (two["status"], two["completed_on"], two["on_time"]) == ("in_progress", None, None)


async def test_a_cancelled_item_takes_no_report(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    s = await setting(session)
    plan = await create_plan(client, plan_body(s, items=[item_body("1", s.health)]))
    item_id = plan["items"][0]["id"]
    cancelled = await client.patch(f"/plan-items/{item_id}", json={"status": "cancelled"}, headers={"If-Match": '"1"'})
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert_problem(await report(client, item_id, reported_on="2025-08-01", percent=10), 409, "plan_item_cancelled")
