"""The plan-reminders worker: due-soon, overdue and escalated reminders recorded once each, each an event."""

from datetime import date

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from haicap_org_structure.cli import import_trail
from haicap_org_structure.plans.models import reminder_table
from haicap_org_structure.plans.reminders import PlanRemindersWorker, ReminderSchedule
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens

from .plan_helpers import by_code, count, create_plan, item_body, plan_body, report, service_app, setting, world

__all__ = ["service_app", "world"]

TYPE = "vn.gov.haicap.org"
DAY = date(2025, 9, 28)


async def test_the_worker_records_each_reminder_once(
    client: httpx.AsyncClient, session: AsyncSession, db_connection: AsyncConnection, test_tokens: TestTokens, cao_bang
) -> None:
    s = await setting(session)
    plan = await create_plan(
        client,
        plan_body(
            s,
            items=[
                item_body("1", s.hoa_an_unit, deadline="2025-09-15"),  # 13 days late: overdue and escalated
                item_body("2", s.nam_tuan, deadline="2025-09-25"),  # 3 days late: overdue
                item_body("3", s.health, deadline="2025-09-30"),  # due in 2 days
                item_body("4", s.health, deadline="2025-10-31"),  # not yet
                item_body("5", s.health, deadline="2025-09-01"),  # done
            ],
        ),
    )
    items = by_code(plan)
    assert (await report(client, items["5"]["id"], reported_on="2025-08-30", percent=100, done=True)).status_code == 201
    start = int((await client.get("/events/latest")).json()["latest_sequence"])
    sessions = async_sessionmaker(bind=db_connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
    worker = PlanRemindersWorker(
        sessions, ReminderSchedule(due_soon_days=3, escalate_after_days=7), import_trail("http://testserver"), today=lambda: DAY
    )
    assert await worker.step() == 4
    rows = (await session.execute(select(reminder_table.c.item_id, reminder_table.c.kind, reminder_table.c.sent_on))).all()
    code_of = {item["id"]: code for code, item in items.items()}
    assert sorted((code_of[str(i)], k, d) for i, k, d in rows) == [
        ("1", "escalated", DAY),
        ("1", "overdue", DAY),
        ("2", "overdue", DAY),
        ("3", "due_soon", DAY),
    ]
    events = (await client.get("/events", params={"after": start})).json()["events"]
    assert sorted((e["type"], e["data"]["record"]["code"]) for e in events) == [
        (f"{TYPE}.plan_item.due_soon", "3"),
        (f"{TYPE}.plan_item.escalated", "1"),
        (f"{TYPE}.plan_item.overdue", "1"),
        (f"{TYPE}.plan_item.overdue", "2"),
    ]
    escalated = next(e for e in events if e["type"].endswith("escalated"))
    assert (escalated["provincecode"], escalated["communecode"]) == ("04", "01654")
    assert escalated["data"]["changed_fields"] == ["reminders"]
    assert [r["kind"] for r in escalated["data"]["record"]["reminders"]] == ["escalated", "overdue"]
    assert escalated["data"]["record"]["reminders"][0]["superior_agency_id"] == str(s.hoa_an)
    # The superior agency's officer is notified of the escalation of the item under theirs.
    superior = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(s.hoa_an))
    seen = (await client.get("/events", params={"after": start}, headers=superior)).json()["events"]
    assert ("1", "escalated") in {(e["data"]["record"]["code"], e["type"].rsplit(".", 1)[1]) for e in seen}

    # A second turn (or a second replica) records nothing: the same rows, no new event.
    reminders_before, audit_before = await count(session, "plan_reminder"), await count(session, "audit_event")
    assert await worker.step() == 0
    assert (await count(session, "plan_reminder"), await count(session, "audit_event")) == (reminders_before, audit_before)
    assert len((await client.get("/events", params={"after": start})).json()["events"]) == 4
    # The item shows its reminders.
    one = (await client.get(f"/plan-items/{items['1']['id']}")).json()
    assert [(r["kind"], r["sent_on"]) for r in one["reminders"]] == [("escalated", "2025-09-28"), ("overdue", "2025-09-28")]
