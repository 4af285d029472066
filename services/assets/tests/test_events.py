"""assets' change feed: every change of every record is one event, as the API answers the record, in its area.

Each event's ``data.record`` is compared with what ``GET`` of the record answers after the
change; bulk changes (an import, a hand-over) publish one event per record and their summary in
one transaction; a write that fails (stale ``If-Match``, a rule, a database error after the
audit record was written) publishes nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_assets.db import metadata
from haicap_assets.register import service as register_service
from haicap_shared.events.catalogue import CloudEvent
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .fake_org import FORMER, QUANG_LAM, SCHOOL
from .helpers import car, create_asset

TYPE = "vn.gov.haicap.assets"
PATH = "/api/v1/assets"
DECISION = {"decision_number": "2150/QĐ-UBND", "decided_on": "2025-09-10", "authority": "UBND tỉnh Cao Bằng"}


async def _feed(client: httpx.AsyncClient, after: int, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every event after ``after`` the caller may read, each checked to be a CloudEvent."""
    response = await client.get("/events", params={"after": after, "limit": 1000}, headers=headers or {})
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    for one in events:
        CloudEvent.model_validate(one)
    return events


async def _latest(client: httpx.AsyncClient) -> int:
    response = await client.get("/events/latest")
    assert response.status_code == 200, response.text
    return int(response.json()["latest_sequence"])


def _kinds(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"].removeprefix(f"{TYPE}.") for e in events]


def _contiguous(events: list[dict[str, Any]]) -> None:
    """One request's events: consecutive sequences in order, the same request id, times in order."""
    sequences = [int(e["sequence"]) for e in events]
    assert sequences == list(range(sequences[0], sequences[0] + len(events)))
    assert len({e["requestid"] for e in events}) == 1
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)


async def _get(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _record_is_what_get_answers(client: httpx.AsyncClient, one: dict[str, Any]) -> None:
    assert one["subject"].startswith(PATH)
    assert one["data"]["record"] == await _get(client, one["subject"].removeprefix(PATH))


async def _count(connection: AsyncConnection, table: str) -> int:
    return int(await connection.scalar(select(func.count()).select_from(metadata.tables[table])) or 0)


async def test_an_asset_and_its_changes_publish_the_record_as_the_api_answers_it(client: httpx.AsyncClient) -> None:
    asset = await create_asset(client)
    created, opened = await _feed(client, 0)
    assert _kinds([created, opened]) == ["asset.created", "allocation.created"]
    _contiguous([created, opened])
    assert (created["subject"], created["partitionkey"]) == (f"{PATH}/assets/{asset['id']}", asset["id"])
    assert (created["source"], created["provincecode"], created["communecode"]) == ("/haicap/04/assets", "04", "01304")
    assert (created["actor"], created["actorrole"]) == ("test-admin", "admin")
    assert created["data"] == {"record": asset, "changed_fields": None}
    assert "search_key" not in created["data"]["record"]
    # NOTE: money as the API answers it (whole đồng).
    assert (created["data"]["record"]["original_value"], created["data"]["record"]["residual_value"]) == (
        3_000_000_000,
        1_200_000_000,
    )
    await _record_is_what_get_answers(client, created)
    await _record_is_what_get_answers(client, opened)
    assert (opened["data"]["record"]["asset_id"], opened["data"]["record"]["holder_name"]) == (asset["id"], "Xã Quảng Lâm")

    mark = await _latest(client)
    change = {"name": "Trụ sở UBND xã (cũ)", "residual_value": 900_000_000, "status": "surplus"}
    response = await client.patch(f"/assets/{asset['id']}", json=change, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    [updated] = await _feed(client, mark)
    assert _kinds([updated]) == ["asset.updated"]
    assert updated["data"] == {"record": response.json(), "changed_fields": ["name", "residual_value", "status"]}
    await _record_is_what_get_answers(client, updated)

    # Writes that fail publish nothing: a stale If-Match, a rule, a malformed body.
    mark = await _latest(client)
    assert_problem(await client.patch(f"/assets/{asset['id']}", json=change, headers={"If-Match": '"1"'}), 412, "stale_version")
    worth_more_later = {"residual_value": 4_000_000_000}
    assert_problem(
        await client.patch(f"/assets/{asset['id']}", json=worth_more_later, headers={"If-Match": '"2"'}), 422, "invalid_asset"
    )
    taken = await client.post("/assets", json={k: v for k, v in asset.items() if k in {"kind", "code", "name"}} | {
        "province_code": "04", "holder": {"kind": "unit", "code": "01304"}, "purpose": "office",
        "allocated_from": "2025-07-01",
    })  # fmt: skip
    assert_problem(taken, 409, "asset_code_taken")
    assert_problem(
        await client.patch(f"/assets/{asset['id']}", json={"seats": 0}, headers={"If-Match": '"2"'}), 422, "validation_error"
    )
    assert await _feed(client, mark) == []


async def test_a_replayed_create_publishes_nothing_more(client: httpx.AsyncClient) -> None:
    body = {"kind": "equipment", "code": "TB-1", "name": "Máy phát", "province_code": "04", "purpose": "office",
            "holder": {"kind": "unit", "code": "01304"}, "allocated_from": "2025-07-01"}  # fmt: skip
    key = {"Idempotency-Key": "may-phat-quang-lam-1"}
    first = await client.post("/assets", json=body, headers=key)
    assert first.status_code == 201, first.text
    again = await client.post("/assets", json=body, headers=key)
    assert (again.status_code, again.headers["idempotent-replayed"]) == (201, "true")
    assert _kinds(await _feed(client, 0)) == ["asset.created", "allocation.created"]


async def test_a_new_holder_ends_one_allocation_and_opens_the_next(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    asset = await create_asset(client)
    [_, first] = await _feed(client, 0)
    mark = await _latest(client)
    url = f"/assets/{asset['id']}/allocations"
    body = {"holder": {"kind": "agency", "id": str(SCHOOL.id)}, "purpose": "education", "valid_from": "2025-09-01"}
    response = await client.post(url, json=body, headers={"If-Match": '"1"'})
    assert response.status_code == 201, response.text
    events = await _feed(client, mark)
    assert _kinds(events) == ["allocation.updated", "allocation.created", "asset.updated"]
    _contiguous(events)
    ended, opened, moved = events
    assert ended["partitionkey"] == first["partitionkey"]
    assert (ended["data"]["changed_fields"], ended["data"]["record"]["valid_to"]) == (["valid_to"], "2025-08-31")
    assert opened["data"]["record"] == response.json()
    assert moved["data"]["changed_fields"] == ["holder_id", "holder_kind", "holder_name"]
    for one in events:
        await _record_is_what_get_answers(client, one)
    # The school's officer reads the events of what the school holds.
    school = test_tokens.headers(Role.AGENCY_OFFICER, agency=str(SCHOOL.id))
    assert _kinds(await _feed(client, mark, school)) == ["allocation.created", "asset.updated"]
    # A refused allocation publishes nothing.
    mark = await _latest(client)
    early = body | {"valid_from": "2025-08-01"}
    assert_problem(await client.post(url, json=early, headers={"If-Match": '"2"'}), 409, "allocation_date_invalid")
    assert await _feed(client, mark) == []


async def test_a_hand_over_publishes_every_asset_moved_and_its_summary_in_one_transaction(
    client: httpx.AsyncClient, test_tokens: TestTokens
) -> None:
    made = []
    for n, former in enumerate(FORMER):
        holder = {"kind": "unit", "id": str(former.id)}
        made.append(
            await create_asset(
                client, code=f"NĐ-{n}", commune_code=former.code, holder=holder, allocated_from="2020-01-01", purpose="office"
            )
        )
    former_car = car("XE-9", "11A-999.01") | {"allocated_from": "2020-01-01", "commune_code": FORMER[0].code}
    made.append(await create_asset(client, **former_car, holder={"kind": "unit", "id": str(FORMER[0].id)}))
    mark = await _latest(client)
    request = {
        "from_predecessors": True,
        "to_holder": {"kind": "unit", "code": "01304"},
        "effective_date": "2025-07-01",
        "decision_number": "125/QĐ-UBND",
    }
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    response = await client.post("/handovers", json=request, headers=province)
    assert response.status_code == 200, response.text
    report = response.json()
    events = await _feed(client, mark)
    _contiguous(events)
    assert _kinds(events) == ["allocation.updated"] * 4 + ["allocation.created"] * 4 + ["asset.updated"] * 4 + [
        "handover.created"
    ]
    by_code = {a["id"]: a["code"] for a in made}
    moved = [e for e in events if e["type"] == f"{TYPE}.asset.updated"]
    assert sorted(by_code[e["partitionkey"]] for e in moved) == sorted(by_code.values())
    for one in events[:-1]:
        await _record_is_what_get_answers(client, one)
    for one in moved:
        assert (one["communecode"], one["data"]["record"]["holder_id"]) == ("01304", str(QUANG_LAM.id))
        assert "commune_code" in one["data"]["changed_fields"]
    summary = events[-1]
    assert summary["subject"] == f"{PATH}/audit-events?entity_type=handover&entity_id={report['handover_id']}"
    assert (summary["provincecode"], summary["communecode"]) == ("04", "01304")
    record = summary["data"]["record"]
    assert (record["handed_over"], record["decision"], record["to_holder"]) == (4, "125/QĐ-UBND", "Xã Quảng Lâm")
    assert sorted(record["asset_ids"]) == sorted(a["id"] for a in made)
    [entry] = (await _get(client, summary["subject"].removeprefix(PATH)))["items"]
    assert {k: entry["after"][k] for k in record} == record
    # Xã Quảng Lâm's officer reads what the commune now holds, not the former communes' ended allocations.
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    assert _kinds(await _feed(client, mark, commune)) == ["allocation.created"] * 4 + ["asset.updated"] * 4 + ["handover.created"]
    elsewhere = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01273")
    assert await _feed(client, mark, elsewhere) == []
    # Nothing left to hand over: refused, nothing published.
    mark = await _latest(client)
    assert_problem(await client.post("/handovers", json=request, headers=province), 409, "nothing_to_hand_over")
    assert await _feed(client, mark) == []


async def test_a_refused_hand_over_publishes_nothing(client: httpx.AsyncClient) -> None:
    for n, (former, since) in enumerate(((FORMER[0], "2020-01-01"), (FORMER[1], "2025-06-01"))):
        holder = {"kind": "unit", "id": str(former.id)}
        await create_asset(client, code=f"NĐ-{n}", commune_code=former.code, holder=holder, allocated_from=since)
    mark = await _latest(client)
    request = {
        "from_holders": [{"kind": "unit", "id": str(FORMER[0].id)}, {"kind": "unit", "id": str(FORMER[1].id)}],
        "to_holder": {"kind": "unit", "code": "04"},
        "effective_date": "2025-06-01",
        "decision_number": "125/QĐ-UBND",
    }
    assert_problem(await client.post("/handovers", json=request), 409, "handover_rejected")
    assert await _feed(client, mark) == []


async def _step(client: httpx.AsyncClient, plan: dict[str, Any], action: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/dispositions/{plan['id']}/{action}", json=body, headers={"If-Match": f'"{plan["version"]}"'})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_each_step_of_a_disposition_is_published_with_what_it_does_to_the_asset(
    client: httpx.AsyncClient, test_tokens: TestTokens
) -> None:
    asset = await create_asset(client, status="surplus")
    mark = await _latest(client)
    reason = "Nằm xa khu dân cư, không trường, trạm nào cần dùng"
    body = {"asset_id": asset["id"], "proposed_on": "2025-08-01", "form": "sell", "reason_higher_forms_unfit": reason}
    response = await client.post("/dispositions", json=body)
    assert response.status_code == 201, response.text
    plan = response.json()
    events = await _feed(client, mark)
    assert _kinds(events) == ["disposition.created", "asset.updated"]
    _contiguous(events)
    proposed, asset_in_disposition = events
    assert proposed["data"] == {"record": plan, "changed_fields": None}
    assert (proposed["subject"], proposed["provincecode"], proposed["communecode"]) == (
        f"{PATH}/dispositions/{plan['id']}",
        "04",
        "01304",
    )
    assert "asset_commune_code" not in proposed["data"]["record"]
    assert asset_in_disposition["data"]["changed_fields"] == ["status"]
    assert asset_in_disposition["data"]["record"]["status"] == "in_disposition"

    steps: list[tuple[str, dict[str, Any], list[str]]] = [
        ("submit", {"submitted_on": "2025-08-05", "dossier_ref": "HS-17"}, ["dossier_ref", "status", "submitted_on"]),
        ("approve", DECISION, ["authority", "decided_on", "decision_number", "status"]),
    ]
    for action, payload, changed in steps:
        mark = await _latest(client)
        plan = await _step(client, plan, action, payload)
        [one] = await _feed(client, mark)
        assert _kinds([one]) == ["disposition.updated"]
        assert one["data"] == {"record": plan, "changed_fields": changed}
        await _record_is_what_get_answers(client, one)
    # A step out of order publishes nothing.
    mark = await _latest(client)
    assert_problem(
        await client.post(f"/dispositions/{plan['id']}/submit", json={"submitted_on": "2025-08-06"}, headers={"If-Match": '"3"'}),
        409,
        "disposition_wrong_status",
    )
    assert await _feed(client, mark) == []
    # Carried out: the plan, the allocation it ends and the asset it releases, in one transaction.
    plan = await _step(client, plan, "execute", {"executed_on": "2025-10-01", "handover_record": "BB-02"})
    events = await _feed(client, mark)
    assert _kinds(events) == ["allocation.updated", "disposition.updated", "asset.updated"]
    _contiguous(events)
    ended, executed, released = events
    assert ended["data"]["record"]["valid_to"] == "2025-09-30"
    assert executed["data"]["record"] == plan
    assert released["data"]["record"]["status"] == "disposed"
    assert released["data"]["record"]["holder_id"] is None
    for one in events:
        await _record_is_what_get_answers(client, one)
    # The commune's officer follows the plans of its assets.
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    assert _kinds(await _feed(client, mark, commune)) == ["allocation.updated", "disposition.updated", "asset.updated"]


async def test_a_rejected_plan_publishes_the_status_given_back(client: httpx.AsyncClient) -> None:
    asset = await create_asset(client, status="surplus")
    response = await client.post(
        "/dispositions", json={"asset_id": asset["id"], "proposed_on": "2025-08-01", "form": "keep_reallocate"}
    )
    plan = await _step(client, response.json(), "submit", {"submitted_on": "2025-08-05"})
    mark = await _latest(client)
    plan = await _step(client, plan, "reject", DECISION | {"rejection_reason": "Không còn nhu cầu sử dụng"})
    events = await _feed(client, mark)
    assert _kinds(events) == ["disposition.updated", "asset.updated"]
    assert events[1]["data"]["record"]["status"] == "surplus"
    assert events[1]["data"]["changed_fields"] == ["status"]
    for one in events:
        await _record_is_what_get_answers(client, one)


async def test_a_car_norm_publishes_the_norm_it_ends_and_itself(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    norm = {
        "valid_from": "2027-01-01",
        "max_general_cars_per_commune": 3,
        "max_price_vnd": 1_000_000_000,
        "legal_basis": "Nghị định X",
    }
    response = await client.post("/car-norms", json=norm)
    assert response.status_code == 201, response.text
    events = await _feed(client, 0)
    assert _kinds(events) == ["car_norm.updated", "car_norm.created"]
    _contiguous(events)
    ended, created = events
    assert (ended["data"]["changed_fields"], ended["data"]["record"]["valid_to"]) == (["valid_to"], "2026-12-31")
    assert created["data"]["record"] == response.json()
    assert [k["kind"] for k in created["data"]["record"]["kinds"]] == ["common", "seats_12_16", "seats_7_8", "specialised"]
    assert (created["provincecode"], created["source"]) == (None, "/haicap/national/assets")
    for one in events:
        await _record_is_what_get_answers(client, one)
    assert_problem(await client.post("/car-norms", json=norm | {"valid_from": "2026-01-01"}), 409, "norm_date_invalid")
    assert len(await _feed(client, 0)) == 2


COLUMNS = (
    ",".join(("Mã tài sản", "Tên tài sản", "Loại tài sản", "Mã tỉnh", "Mã xã", "Diện tích đất", "Nguyên giá", "Giá trị còn lại"))
    + ",Mã đơn vị sử dụng,Mục đích,Từ ngày"
)


def _premises(n: int, commune: str = "01304") -> str:
    values = f"{100 + n},{1_000_000 * (n + 1)},{500_000 * (n + 1)}"
    return f"NĐ-{n:03d},Nhà {n},premises,04,{commune},{values},{commune},office,2025-07-01"


def _csv(*rows: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("assets.csv", "\n".join([COLUMNS, *rows]).encode(), "text/csv")}


async def test_an_import_publishes_every_asset_and_allocation_and_its_summary(
    client: httpx.AsyncClient, test_tokens: TestTokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NOTE: a small batch, so the assets are read back over several batches.
    monkeypatch.setattr(register_service, "EVENTS_BATCH", 3)
    rows = [_premises(n) for n in range(4)] + [_premises(n, "01273") for n in range(4, 7)]
    bad = "NĐ-999,Sai loại,castle,04,01304,10,1,1,01304,office,2025-07-01"
    assert_problem(await client.post("/assets/imports", files=_csv(*rows, bad)), 409, "import_rejected")
    assert await _feed(client, 0) == []
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    assert_problem(await client.post("/assets/imports", files=_csv(*rows), headers=commune), 409, "import_rejected")
    assert await _feed(client, 0) == []

    response = await client.post("/assets/imports", files=_csv(*rows, bad), params={"partial": "true"})
    assert response.status_code == 201, response.text
    assert (response.json()["written"], response.json()["rejected"]) == (7, 1)
    events = await _feed(client, 0)
    _contiguous(events)
    assert _kinds(events) == (["asset.created"] * 3 + ["allocation.created"] * 3) * 2 + [
        "asset.created",
        "allocation.created",
    ] + ["asset_import.imported"]
    created = [e for e in events if e["type"] == f"{TYPE}.asset.created"]
    assert [e["data"]["record"]["code"] for e in created] == [f"NĐ-{n:03d}" for n in range(7)]
    for one in events[:-1]:
        await _record_is_what_get_answers(client, one)
    assert [e["communecode"] for e in created] == ["01304"] * 4 + ["01273"] * 3
    assert created[6]["data"]["record"]["original_value"] == 7_000_000
    summary = events[-1]
    assert summary["subject"] == f"{PATH}/audit-events?entity_type=asset_import&entity_id=assets.csv"
    assert summary["data"]["record"] == {
        "rows": 8,
        "accepted": 7,
        "rejected": 1,
        "written": 7,
        "partial": True,
        "province_code": None,
        "commune_code": None,
        "agency_id": None,
    }
    # A commune officer's import lies in their commune; they read its events, and only theirs.
    mark = await _latest(client)
    response = await client.post("/assets/imports", files=_csv(_premises(10), _premises(11)), headers=commune)
    assert response.status_code == 201, response.text
    assert _kinds(await _feed(client, mark, commune)) == ["asset.created"] * 2 + ["allocation.created"] * 2 + [
        "asset_import.imported"
    ]
    seen = await _feed(client, 0, commune)
    assert {e["communecode"] for e in seen} == {"01304"}
    assert len(seen) == 4 * 2 + 5


@contextmanager
def _failing_on_the_second_event(connection: AsyncConnection) -> Iterator[None]:
    """The database connection fails right after the second event of a request is written (after its audit record)."""
    written = []

    def after_execute(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO EVENT_OUTBOX"):
            written.append(statement)
            if len(written) == 2:
                raise RuntimeError("the database went away after the event was written")

    sync = connection.sync_connection
    assert sync is not None
    event.listen(sync, "after_cursor_execute", after_execute)
    try:
        yield
    finally:
        event.remove(sync, "after_cursor_execute", after_execute)


async def test_a_database_error_after_the_audit_record_publishes_nothing(
    client: httpx.AsyncClient, db_connection: AsyncConnection
) -> None:
    body = {"kind": "equipment", "code": "TB-1", "name": "Máy phát", "province_code": "04", "purpose": "office",
            "holder": {"kind": "unit", "code": "01304"}, "allocated_from": "2025-07-01"}  # fmt: skip
    with _failing_on_the_second_event(db_connection):
        assert_problem(await client.post("/assets", json=body), 500, "internal_error")
    assert (await _count(db_connection, "event_outbox"), await _count(db_connection, "audit_event")) == (0, 0)
    assert (await client.get("/assets")).json()["items"] == []
    assert await _feed(client, 0) == []
    await create_asset(client)
    assert _kinds(await _feed(client, 0)) == ["asset.created", "allocation.created"]


async def test_each_caller_reads_the_events_of_their_area(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    here = await create_asset(client, code="NĐ-1")
    there = await create_asset(client, code="NĐ-2", commune_code="01273", holder={"kind": "unit", "code": "01273"})
    school = await create_asset(client, code="TB-1", kind="equipment", holder={"kind": "agency", "id": str(SCHOOL.id)},
                                purpose="education", land_area_m2=None, floor_area_m2=None, year_built=None,
                                condition=None)  # fmt: skip

    async def assets_seen(role: Role, **area: str) -> list[str]:
        events = await _feed(client, 0, test_tokens.headers(role, **area))
        return [e["partitionkey"] for e in events if e["type"] == f"{TYPE}.asset.created"]

    assert await assets_seen(Role.ADMIN) == [here["id"], there["id"], school["id"]]
    assert await assets_seen(Role.AUDITOR) == [here["id"], there["id"], school["id"]]
    assert await assets_seen(Role.PROVINCE_OFFICER, province="04") == [here["id"], there["id"], school["id"]]
    assert await assets_seen(Role.PROVINCE_OFFICER, province="08") == []
    assert await assets_seen(Role.COMMUNE_OFFICER, province="04", commune="01304") == [here["id"], school["id"]]
    assert await assets_seen(Role.COMMUNE_OFFICER, province="04", commune="01273") == [there["id"]]
    assert await assets_seen(Role.AGENCY_OFFICER, agency=str(SCHOOL.id)) == [school["id"]]
    response = await client.get("/events", headers=test_tokens.headers(Role.VIEWER))
    assert_problem(response, 403, "role_not_allowed")
    # The allocations an event names are read where their holder or their asset is.
    [opened] = [e for e in await _feed(client, 0) if e["type"] == f"{TYPE}.allocation.created" and e["communecode"] == "01273"]
    url = opened["subject"].removeprefix(PATH)
    there_officer = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01273")
    assert (await client.get(url, headers=there_officer)).json() == opened["data"]["record"]
    here_officer = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    assert_problem(await client.get(url, headers=here_officer), 403, "outside_area")
    assert_problem(await client.get(f"/allocations/{here['id']}"), 404, "allocation_not_found")
    assert_problem(await client.get(f"/car-norms/{here['id']}"), 404, "car_norm_not_found")
