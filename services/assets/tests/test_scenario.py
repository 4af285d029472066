"""The merger, end to end: three former communes' assets handed over, surplus premises repurposed and sold,
and the statistics before and after, from the same records."""

from typing import Any

import httpx

from haicap_shared.testing import assert_problem

from .fake_org import FORMER, QUANG_LAM, SCHOOL
from .helpers import car, create_asset

DECISION = {"decision_number": "2150/QĐ-UBND", "decided_on": "2025-09-10", "authority": "UBND tỉnh Cao Bằng"}


async def _stats(client: httpx.AsyncClient, what: str, as_of: str, **params: str) -> dict[str, Any]:
    response = await client.get(f"/stats/{what}", params={"as_of": as_of} | params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _carry_out(client: httpx.AsyncClient, asset: dict[str, Any], **plan: Any) -> dict[str, Any]:
    response = await client.post("/dispositions", json={"asset_id": asset["id"], "proposed_on": "2025-08-01"} | plan)
    assert response.status_code == 201, response.text
    body = response.json()
    for action, payload in (
        ("submit", {"submitted_on": "2025-08-10"}),
        ("approve", DECISION),
        ("execute", {"executed_on": "2025-10-01", "handover_record": f"BB-{asset['code']}"}),
    ):
        response = await client.post(
            f"/dispositions/{body['id']}/{action}", json=payload, headers={"If-Match": f'"{body["version"]}"'}
        )
        assert response.status_code == 200, response.text
        body = response.json()
    return body


async def test_three_former_communes_merge_into_quang_lam(client: httpx.AsyncClient) -> None:
    premises: list[dict[str, Any]] = []
    for n, (former, count) in enumerate(zip(FORMER, (2, 2, 1), strict=True)):
        holder = {"kind": "unit", "id": str(former.id)}
        for k in range(count):
            premises.append(
                await create_asset(
                    client,
                    code=f"NĐ-{n}{k}",
                    name=f"Nhà đất {k} của {former.name}",
                    commune_code=former.code,
                    holder=holder,
                    allocated_from="2015-01-01",
                    original_value=1_000_000_000,
                    residual_value=400_000_000,
                )
            )
        await create_asset(
            client, **car(f"XE-{n}", f"11A-100.0{n}"), commune_code=former.code, holder=holder, allocated_from="2019-01-01"
        )

    before = await _stats(client, "summary", "2025-06-30", province="04")
    assert (before["premises_held_by_communes"], before["communes_holding_premises"]) == (5, 3)
    assert (before["general_work_cars_held_by_communes"], before["communes_holding_general_work_cars"]) == (3, 3)
    gap = await _stats(client, "gaps", "2025-07-01", province="04")
    assert gap["total"] == 8
    assert sorted({r["holder_name"] for r in gap["rows"]}) == sorted(f.name for f in FORMER)
    assert (await _stats(client, "gaps", "2025-06-30"))["total"] == 0

    handover = {
        "from_predecessors": True,
        "to_holder": {"kind": "unit", "id": str(QUANG_LAM.id)},
        "effective_date": "2025-07-01",
        "decision_number": "125/QĐ-UBND",
    }
    response = await client.post("/handovers", json=handover)
    assert response.status_code == 200, response.text
    assert response.json()["handed_over"] == 8

    after = await _stats(client, "summary", "2025-07-01", province="04")
    assert (after["premises_held_by_communes"], after["communes_holding_premises"]) == (5, 1)
    assert (after["general_work_cars_held_by_communes"], after["communes_holding_general_work_cars"]) == (3, 1)
    assert (await _stats(client, "gaps", "2025-07-01"))["total"] == 0
    assert (await _stats(client, "summary", "2025-06-30"))["premises_held_by_communes"] == 5  # the past is unchanged
    cars = await _stats(client, "car-norms", "2025-07-01", province="04")
    rows = {r["commune_code"]: r for r in cars["rows"]}
    assert (cars["communes"], cars["general_work_cars"], cars["communes_over_norm"], cars["communes_under_norm"]) == (2, 3, 1, 1)
    assert (rows["01304"]["general_work_cars"], rows["01304"]["excess"], rows["01304"]["shortfall"]) == (3, 1, 0)
    assert (rows["01273"]["general_work_cars"], rows["01273"]["shortfall"]) == (0, 2)
    by_holder = await _stats(client, "holdings", "2025-07-01", group_by="holder", kind="premises")
    assert [(r["holder_name"], r["assets"], r["original_value"]) for r in by_holder["rows"]] == [
        ("Xã Quảng Lâm", 5, 5_000_000_000)
    ]

    # Three of the five premises are surplus after the merger.
    school, shelter, sold = premises[0], premises[2], premises[4]
    for asset in (school, shelter, sold):
        response = await client.patch(
            f"/assets/{asset['id']}", json={"status": "surplus", "status_since": "2025-07-10"}, headers={"If-Match": '"2"'}
        )
        assert response.status_code == 200, response.text
    dispositions = await _stats(client, "dispositions", "2025-07-15", kind="premises")
    assert (dispositions["rows"], dispositions["surplus_without_plan"]) == ([], {"premises": 3})
    # NOTE: asked for the province, each asset's status is looked up on its own (the country's are ranked at once)
    for day, surplus in (("2025-07-09", {}), ("2025-07-10", {"premises": 3})):
        assert (await _stats(client, "dispositions", day, kind="premises", province="04"))["surplus_without_plan"] == surplus
        assert (await _stats(client, "dispositions", day, kind="premises"))["surplus_without_plan"] == surplus
    # NOTE: before any asset was registered, the province and the country hold no asset with a status
    for scope in ({"province": "04"}, {}):
        assert (await _stats(client, "value", "2000-01-01", **scope))["rows"] == []
    assert (await _stats(client, "value", "2025-07-10", province="04"))["rows"] == (await _stats(client, "value", "2025-07-10"))[
        "rows"
    ]

    await _carry_out(
        client, school, form="repurpose", repurpose_to="education", receiving_holder={"kind": "agency", "id": str(SCHOOL.id)}
    )
    await _carry_out(client, shelter, form="repurpose", repurpose_to="storm_shelter")
    no_reason = await client.post("/dispositions", json={"asset_id": sold["id"], "form": "sell", "proposed_on": "2025-08-01"})
    assert_problem(no_reason, 409, "reason_required")
    reason = "Xa trung tâm xã, đã hư hỏng; trường học, trạm y tế và công trình công cộng đều không có nhu cầu"
    await _carry_out(client, sold, form="sell", reason_higher_forms_unfit=reason)

    def steps(body: dict[str, Any]) -> list[tuple[str, str | None, int, str, int]]:
        return [(r["form"], r["repurpose_to"], r["priority_rank"], r["status"], r["plans"]) for r in body["rows"]]

    assert steps(await _stats(client, "dispositions", "2025-09-15", kind="premises")) == [
        ("repurpose", "education", 3, "approved", 1),
        ("repurpose", "storm_shelter", 4, "approved", 1),
        ("sell", None, 6, "approved", 1),
    ]
    final = await _stats(client, "dispositions", "2025-10-01", kind="premises")
    assert steps(final) == [
        ("repurpose", "education", 3, "executed", 1),
        ("repurpose", "storm_shelter", 4, "executed", 1),
        ("sell", None, 6, "executed", 1),
    ]
    assert final["surplus_without_plan"] == {}

    end = await _stats(client, "summary", "2025-10-01", province="04")
    assert (end["premises_held_by_communes"], end["general_work_cars_held_by_communes"]) == (4, 3)
    by_holder = await _stats(client, "holdings", "2025-10-01", group_by="holder", kind="premises")
    assert [(r["holder_name"], r["assets"]) for r in by_holder["rows"]] == [(SCHOOL.name, 1), ("Xã Quảng Lâm", 3)]
    value = await _stats(client, "value", "2025-10-01", province="04")
    assert [(r["status"], r["kind"], r["assets"], r["residual_value"]) for r in value["rows"]] == [
        ("disposed", "premises", 1, 400_000_000),
        ("in_use", "car", 3, 1_500_000_000),
        ("in_use", "premises", 4, 1_600_000_000),
    ]
    levels = await _stats(client, "holdings", "2025-10-01", group_by="level")
    assert [(r["holder_level"], r["kind"], r["assets"]) for r in levels["rows"]] == [
        ("commune", "car", 3),
        ("commune", "premises", 4),
    ]
