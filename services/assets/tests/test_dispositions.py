"""Dispositions: the order of priority, one open plan per asset, the workflow and its effects."""

from datetime import date, timedelta
from typing import Any

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .fake_org import LAND_FUND, SCHOOL
from .helpers import create_asset

DECISION = {"decision_number": "2150/QĐ-UBND", "decided_on": "2025-09-10", "authority": "UBND tỉnh Cao Bằng"}


async def _step(
    client: httpx.AsyncClient, plan: dict[str, Any], action: str, body: dict[str, Any], **headers: str
) -> dict[str, Any]:
    response = await client.post(
        f"/dispositions/{plan['id']}/{action}", json=body, headers={"If-Match": f'"{plan["version"]}"'} | headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _propose(client: httpx.AsyncClient, asset: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = await client.post("/dispositions", json={"asset_id": asset["id"], "proposed_on": "2025-08-01"} | fields)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_the_forms_in_their_order(client: httpx.AsyncClient) -> None:
    forms = (await client.get("/disposition-forms")).json()
    order = [(f["form"], f["repurpose_to"], f["rank"], f["reason_required"]) for f in forms]
    assert order[:5] == [
        ("keep_reallocate", None, 1, False),
        ("share_use", None, 1, False),
        ("transfer", None, 2, False),
        ("repurpose", "education", 3, False),
        ("repurpose", "health", 3, False),
    ]
    assert order[-5:] == [
        ("hand_over_housing_land_fund", None, 5, True),
        ("sell", None, 6, True),
        ("liquidate", None, 7, True),
        ("destroy", None, 8, True),
        ("recover", None, 0, False),
    ]


async def test_a_sale_needs_a_reason_and_one_plan_at_a_time(client: httpx.AsyncClient) -> None:
    asset = await create_asset(client, status="surplus")
    body = {"asset_id": asset["id"], "form": "sell", "proposed_on": "2025-08-01"}
    assert_problem(await client.post("/dispositions", json=body), 409, "reason_required")
    assert_problem(
        await client.post("/dispositions", json=body | {"form": "hand_over_housing_land_fund"}), 409, "reason_required"
    )
    assert_problem(await client.post("/dispositions", json=body | {"form": "repurpose"}), 422, "validation_error")
    assert_problem(await client.post("/dispositions", json=body | {"form": "transfer"}), 409, "receiving_holder_invalid")
    assert (await client.get("/dispositions")).json()["items"] == []
    assert (await client.get(f"/assets/{asset['id']}")).json()["status"] == "surplus"
    plan = await _propose(
        client, asset, form="sell", reason_higher_forms_unfit="Nằm xa khu dân cư, không trường, trạm nào cần dùng"
    )
    assert (plan["status"], plan["priority_rank"], plan["asset_status_before"]) == ("proposed", 6, "surplus")
    body = assert_problem(await client.post("/dispositions", json=body | {"form": "keep_reallocate"}), 409, "disposition_open")
    assert body["disposition_id"] == plan["id"]
    assert (await client.get(f"/assets/{asset['id']}")).json()["status"] == "in_disposition"
    assert len((await client.get("/dispositions")).json()["items"]) == 1


async def test_only_an_approved_plan_is_executed(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    asset = await create_asset(client, status="surplus")
    plan = await _propose(
        client, asset, form="repurpose", repurpose_to="education", receiving_holder={"kind": "agency", "id": str(SCHOOL.id)}
    )
    execute = {"executed_on": "2025-09-20", "handover_record": "BB-01"}
    url = f"/dispositions/{plan['id']}"
    assert_problem(
        await client.post(f"{url}/execute", json=execute, headers={"If-Match": '"1"'}), 409, "disposition_not_approved"
    )
    assert_problem(
        await client.post(f"{url}/approve", json=DECISION, headers={"If-Match": '"1"'}), 409, "disposition_wrong_status"
    )
    plan = await _step(client, plan, "submit", {"submitted_on": "2025-08-05", "dossier_ref": "HS-17"})
    assert_problem(
        await client.post(f"{url}/submit", json={"submitted_on": "2025-08-06"}, headers={"If-Match": '"1"'}), 412, "stale_version"
    )
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    assert_problem(
        await client.post(f"{url}/approve", json=DECISION, headers={"If-Match": '"2"'} | commune), 403, "role_not_allowed"
    )
    elsewhere = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    assert_problem(
        await client.post(f"{url}/approve", json=DECISION, headers={"If-Match": '"2"'} | elsewhere), 403, "outside_area"
    )
    early = DECISION | {"decided_on": "2025-08-01"}
    assert_problem(await client.post(f"{url}/approve", json=early, headers={"If-Match": '"2"'}), 409, "dates_out_of_order")
    plan = await _step(client, plan, "approve", DECISION, **test_tokens.headers(Role.PROVINCE_OFFICER, province="04"))
    assert (plan["status"], plan["decision_number"]) == ("approved", "2150/QĐ-UBND")
    plan = await _step(client, plan, "execute", execute, **commune)
    assert (plan["status"], plan["handover_record"]) == ("executed", "BB-01")
    after = (await client.get(f"/assets/{asset['id']}")).json()
    assert (after["status"], after["holder_name"]) == ("in_use", SCHOOL.name)
    history = (await client.get(f"/assets/{asset['id']}/history")).json()
    assert [a["purpose"] for a in history["allocations"]] == ["office", "education"]
    assert [(e["kind"], e["status"]) for e in history["events"]] == [
        ("registered", "surplus"),
        ("disposition_proposed", "in_disposition"),
        ("disposition_submitted", None),
        ("disposition_approved", None),
        ("disposition_executed", "in_use"),
    ]


async def test_a_rejected_plan_gives_the_status_back_and_a_sale_releases_the_asset(client: httpx.AsyncClient) -> None:
    asset = await create_asset(client, status="surplus")
    plan = await _propose(client, asset, form="keep_reallocate")
    plan = await _step(client, plan, "submit", {"submitted_on": "2025-08-05"})
    plan = await _step(client, plan, "reject", DECISION | {"rejection_reason": "Không còn nhu cầu sử dụng"})
    assert plan["status"] == "rejected"
    assert (await client.get(f"/assets/{asset['id']}")).json()["status"] == "surplus"
    reason = "Không phù hợp làm trường học, trạm y tế hay công trình công cộng"
    sale = await _propose(client, asset, form="hand_over_housing_land_fund", reason_higher_forms_unfit=reason,
                          receiving_holder={"kind": "agency", "id": str(LAND_FUND.id)})  # fmt: skip
    sale = await _step(client, sale, "submit", {"submitted_on": "2025-08-05"})
    sale = await _step(client, sale, "approve", DECISION)
    sale = await _step(client, sale, "execute", {"executed_on": "2025-10-01", "handover_record": "BB-02"})
    after = (await client.get(f"/assets/{asset['id']}")).json()
    assert (after["status"], after["holder_id"]) == ("disposed", None)
    history = (await client.get(f"/assets/{asset['id']}/history")).json()
    assert [(a["valid_from"], a["valid_to"]) for a in history["allocations"]] == [("2025-07-01", "2025-09-30")]
    assert_problem(
        await client.post("/dispositions", json={"asset_id": asset["id"], "form": "recover", "proposed_on": "2026-01-01"}),
        409,
        "asset_disposed",
    )


async def test_an_overdue_decision_is_flagged(client: httpx.AsyncClient) -> None:
    asset = await create_asset(client, status="surplus")
    plan = await _propose(
        client, asset, form="transfer", receiving_holder={"kind": "unit", "code": "01273"}, receiving_purpose="office"
    )
    today = date.today()
    overdue_since = (today - timedelta(days=21)).isoformat()
    plan = await _step(client, plan, "submit", {"submitted_on": overdue_since})
    assert (plan["decision_overdue"], plan["decision_due_on"]) == (True, (today - timedelta(days=1)).isoformat())
    listed = (await client.get("/dispositions", params={"overdue": "true"})).json()["items"]
    assert [p["id"] for p in listed] == [plan["id"]]
    stats = (await client.get("/stats/dispositions", params={"as_of": today.isoformat()})).json()
    assert stats["overdue_decisions"] == 1
    stats = (await client.get("/stats/dispositions", params={"as_of": (today - timedelta(days=1)).isoformat()})).json()
    assert stats["overdue_decisions"] == 0
    # Executing the transfer moves the holder in the same transaction.
    plan = await _step(client, plan, "approve", DECISION | {"decided_on": today.isoformat()})
    plan = await _step(client, plan, "execute", {"executed_on": today.isoformat(), "handover_record": "BB-03"})
    assert (await client.get(f"/assets/{asset['id']}")).json()["holder_commune_code"] == "01273"
