"""Streamlining cases and the calculator over HTTP: impossible inputs, lowered ages, rule versions kept."""

from typing import Any

import httpx
import pytest

from haicap_personnel.streamlining.rules import CURRENT, V1
from haicap_shared.testing import assert_problem

from .conftest import World
from .helpers import create_person

GOLDEN = {
    "birth_date": "1966-01-15",
    "salary_coefficient": "4.65",
    "position_allowance": "0.6",
    "allowance_percent": "25",
    "social_insurance_start_date": "2003-05-01",
}
POLICIES = ["early_retirement", "resignation", "non_specialised_leave", "leadership_relinquished", "other"]


def _preview(**changes: Any) -> dict[str, Any]:
    body = {
        "policy": "early_retirement",
        "birth_date": "1966-01-15",
        "sex": "male",
        "leave_date": "2025-05-01",
        "decision_date": "2025-03-01",
        "social_insurance_months": 264,
        "salary": {"salary_coefficient": "4.65", "position_allowance": "0.6", "allowance_percent": "25"},
        "entered_amount_vnd": "1000000",
    }
    return body | changes


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(
    ("changes", "field", "why"),
    [
        ({"leave_date": "1965-01-01"}, "leave_date", "not after the birth date"),
        ({"birth_date": "2015-01-01"}, "leave_date", "under 18"),  # a 10-year-old resigning
        ({"social_insurance_months": 600, "birth_date": "1966-01-15"}, "social_insurance_months", "15th birthday"),
        ({"social_insurance_months": 360, "birth_date": "1990-01-15"}, "social_insurance_months", "15th birthday"),
        ({"difficult_area_months": 600}, "difficult_area_months", "15th birthday"),
        ({"salary": {"salary_coefficient": "0"}}, "salary.salary_coefficient", "positive"),
        ({"decision_date": "1960-01-01"}, "decision_date", "not after the birth date"),
    ],
)
async def test_the_calculator_rejects_impossible_inputs_for_every_policy(
    client: httpx.AsyncClient, policy: str, changes: dict[str, Any], field: str, why: str
) -> None:
    response = await client.post("/streamlining/calculate", json=_preview(policy=policy, **changes))
    problem = assert_problem(response, 422, "impossible_input")
    assert problem["field"] == field
    assert why in problem["errors"][0]["reason"]
    assert problem["errors"][0]["source"] == "request"


async def test_the_calculator_takes_a_rule_version_and_the_lowered_age(client: httpx.AsyncClient) -> None:
    current = (await client.post("/streamlining/calculate", json=_preview())).json()
    assert (current["rule_version"], current["total_vnd"], current["retirement_age_basis"]) == (
        CURRENT.version,
        "744778125",
        "appendix_i",
    )
    old = (await client.post("/streamlining/calculate", json=_preview(rule_version=V1.version))).json()
    assert (old["rule_version"], old["total_vnd"]) == (V1.version, "744778125")
    assert_problem(await client.post("/streamlining/calculate", json=_preview(rule_version="v0")), 422, "unknown_rule_version")
    lowered = await client.post("/streamlining/calculate", json=_preview(hazardous_job_months=180))
    # Born January 1966, the lowered age (55y3m) was reached in 2021: no longer early.
    assert "not before the retirement date" in assert_problem(lowered, 409, "policy_not_applicable")["detail"]
    assert assert_problem(lowered, 409, "policy_not_applicable")["field"] == "leave_date"
    younger = await client.post(
        "/streamlining/calculate",
        json=_preview(birth_date="1970-06-30", leave_date="2025-07-01", decision_date="2025-06-16", difficult_area_months=180),
    )
    assert younger.status_code == 200, younger.text
    assert (younger.json()["retirement_age_basis"], younger.json()["statutory_retirement_date"]) == ("appendix_ii", "2027-01-01")


async def test_a_case_checks_its_inputs_and_the_record(client: httpx.AsyncClient, world: World) -> None:
    insured_at_ten = await create_person(client, world.department.id, **(GOLDEN | {"social_insurance_start_date": "1976-01-01"}))
    body = {
        "person_id": insured_at_ten["id"],
        "policy": "early_retirement",
        "leave_date": "2025-05-01",
        "decision_date": "2025-03-01",
    }
    problem = assert_problem(await client.post("/streamlining-cases", json=body), 409, "person_record_impossible")
    assert problem["field"] == "social_insurance_start_date"
    assert problem["errors"][0]["source"] == "person_record"
    # Given in the request instead, the same number is the request's mistake.
    problem = assert_problem(
        await client.post("/streamlining-cases", json=body | {"social_insurance_months": 600}), 422, "impossible_input"
    )
    assert problem["field"] == "social_insurance_months"
    unpaid = await create_person(client, world.department.id, **(GOLDEN | {"salary_coefficient": "0"}))
    problem = assert_problem(
        await client.post("/streamlining-cases", json=body | {"person_id": unpaid["id"]}), 409, "person_record_impossible"
    )
    assert problem["field"] == "salary_coefficient"
    young = await create_person(client, world.department.id, birth_date="2010-03-01", salary_coefficient="2.34")
    resign = {"person_id": young["id"], "policy": "resignation", "leave_date": "2025-08-01", "decision_date": "2025-06-16"}
    problem = assert_problem(await client.post("/streamlining-cases", json=resign), 422, "impossible_input")
    assert (problem["field"], "under 18" in problem["detail"]) == ("leave_date", True)
    # 61 years after the insurance start: not a 500 any more, the policy just does not apply.
    old = await create_person(client, world.department.id, **(GOLDEN | {"social_insurance_start_date": "1985-01-01"}))
    far = {"person_id": old["id"], "policy": "resignation", "leave_date": "2046-01-01", "decision_date": "2045-06-01"}
    response = await client.post("/streamlining-cases", json=far)
    assert "not before the retirement date" in assert_problem(response, 409, "policy_not_applicable")["detail"]


async def test_a_case_keeps_its_rule_version_until_recalculated_explicitly(client: httpx.AsyncClient, world: World) -> None:
    # 20 years of insurance, retiring early from 2025-07-01: where v1 and v2 differ (5 vs 6.5 months).
    born = {"birth_date": "1970-06-30", "social_insurance_start_date": "2005-07-01"}  # retires 2032-07-01 (Phụ lục I)
    person = await create_person(client, world.department.id, **(GOLDEN | born))
    body = {"person_id": person["id"], "policy": "early_retirement", "leave_date": "2025-07-01", "decision_date": "2025-06-16"}
    created = await client.post("/streamlining-cases", json=body)
    assert created.status_code == 201, created.text
    case = created.json()
    salary = 15356250
    si_item = {i["code"]: i["amount_vnd"] for i in case["result"]["items"]}["social_insurance_years"]
    assert (case["rule_version"], si_item) == (CURRENT.version, str(salary * 13 // 2))
    assert (case["difficult_area_months"], case["retirement_age_basis"]) == (0, "appendix_i")
    url = f"/streamlining-cases/{case['id']}"
    assert_problem(await client.patch(url, json={"leave_date": "2025-08-01"}), 428, "if_match_required")

    async def patch(changes: dict[str, Any], version: int) -> dict[str, Any]:
        response = await client.patch(url, json=changes, headers={"If-Match": f'"{version}"'})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    # Explicitly back to v1 (as a case calculated before v2 was), then a change of inputs keeps v1.
    as_v1 = await patch({"rule_version": V1.version}, 1)
    v1_item = {i["code"]: i["amount_vnd"] for i in as_v1["result"]["items"]}["social_insurance_years"]
    assert (as_v1["rule_version"], v1_item) == (V1.version, str(salary * 5))
    moved = await patch({"leave_date": "2025-08-01", "reason": "Tự nguyện"}, 2)
    assert (moved["rule_version"], moved["reason"], moved["inputs"]["social_insurance_months"]) == (V1.version, "Tự nguyện", 241)
    moved_items = {i["code"]: i["amount_vnd"] for i in moved["result"]["items"]}
    assert (moved["result"]["months_to_retirement"], moved_items["social_insurance_years"]) == (83, "80620313")  # 5.25 months
    impossible = await client.patch(url, json={"social_insurance_months": 700}, headers={"If-Match": '"3"'})
    assert assert_problem(impossible, 422, "impossible_input")["field"] == "social_insurance_months"
    # Recalculated with the current version on request, with the lowered age's inputs.
    current = await patch({"rule_version": CURRENT.version, "hazardous_job_months": 200}, 3)
    assert (current["rule_version"], current["hazardous_job_months"], current["retirement_age_basis"]) == (
        CURRENT.version,
        200,
        "appendix_ii",
    )
    assert current["result"]["statutory_retirement_date"] == "2027-01-01"
    assert_problem(
        await client.patch(url, json={"hazardous_job_months": 0, "rule_version": "v0"}, headers={"If-Match": '"4"'}),
        422,
        "unknown_rule_version",
    )
    approved = await client.post(f"{url}/transitions", json={"action": "approve"}, headers={"If-Match": '"4"'})
    assert approved.status_code == 200, approved.text
    frozen = await client.patch(url, json={"leave_date": "2025-09-01"}, headers={"If-Match": '"5"'})
    assert_problem(frozen, 409, "case_not_editable")


async def test_openapi_documents_the_new_inputs_and_problems(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    for name in ("CalculationRequest", "CaseCreate", "CaseUpdate"):
        assert {"difficult_area_months", "hazardous_job_months"} <= schemas[name]["properties"].keys()
    assert "retirement_age_basis" in schemas["Entitlement"]["properties"]
    assert "rule_version" in schemas["CaseUpdate"]["properties"]
    calculate = spec["paths"]["/streamlining/calculate"]["post"]["responses"]
    assert "`impossible_input`" in calculate["422"]["description"]
    patch = spec["paths"]["/streamlining-cases/{case_id}"]["patch"]
    assert patch["description"].startswith("Change a proposed case")
    assert "`person_record_impossible`" in patch["responses"]["409"]["description"]
