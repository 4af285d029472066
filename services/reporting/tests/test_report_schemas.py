"""The reports' JSON is what /openapi.json declares: every route, every section, nothing extra, nothing left out.

A client generated from the document (the gateway's merged one keeps these schemas) gets typed
reports, ``tasks.by_level`` included; a place that does not exist is a 404 naming its code.
"""

from typing import Any, get_args

import httpx
import pytest
import respx
from jsonschema import Draft202012Validator

from haicap_reporting.reports.schemas import Level
from haicap_shared.codes import UNIT_LEVELS
from haicap_shared.testing import UPSTREAMS, assert_problem

from .conftest import GATEWAY
from .operations_fakes import NO_FEASIBILITY
from .test_reports import PROVINCE, fake_quang_lam, org  # noqa: F401 - the fake sources, as a fixture

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROUTES = {
    "summary": "/provinces/{code}/summary",
    "gaps": "/provinces/{code}/transition-gaps",
    "profile": "/communes/{code}/profile",
}
TASK_ID = "3f1c9a52-8d0e-4b7a-9a51-2f7e0c1d4b6a"
HOLDER_ID = "7b0e4d3c-1a2b-4c5d-8e9f-0a1b2c3d4e5f"


async def _spec(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def _validator(spec: dict[str, Any], route: str) -> Draft202012Validator:
    """The declared JSON schema of the route's 200, its references resolved in the document's components."""
    schema = spec["paths"][route]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": spec["components"]}, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _assert_declared(spec: dict[str, Any], route: str, body: dict[str, Any]) -> None:
    errors = sorted(_validator(spec, route).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'.'.join(map(str, e.path)) or '(report)'}: {e.message}" for e in errors)


def _every_item(org: respx.MockRouter) -> None:  # noqa: F811
    """Findings, unplaced people and unplanned assets, so every list of the gap report has an item."""
    finding = {
        "kind": "ended_owner",
        "task_id": TASK_ID,
        "task_code": "04.NV.0001",
        "task_title": "Quản lý hộ tịch",
        "sector": "Tư pháp",
        "province_code": PROVINCE,
        "agencies": [
            {
                "id": HOLDER_ID,
                "name": "Phòng Tư pháp huyện Quảng Hòa",
                "level": "district",
                "valid_from": None,
                "valid_to": "2025-06-30",
            }
        ],
        "related_task_ids": [],
        "reason": "Its owner ended on 2025-06-30",
    }
    org.get("/api/v1/org/tasks/findings").respond(
        json={
            "as_of": "2026-04-15",
            "province": PROVINCE,
            "counts": {"ended_owner": 1},
            "total": 1,
            "items": [finding],
            "truncated": False,
            **NO_FEASIBILITY,
        }
    )
    scope = {"as_of": "2026-04-15", "province": PROVINCE, "commune": None, "level": None, "category": None, "by": ["agency"]}
    org.get("/api/v1/personnel/stats/gaps").respond(
        json={**scope, "rows": [{"group": {"agency": "UBND huyện Quảng Hòa"}, "people": 2}], "total": 2, "sample": [TASK_ID]}
    )
    rows = [
        {
            "holder_kind": "agency",
            "holder_id": HOLDER_ID,
            "holder_name": "UBND huyện Quảng Hòa",
            "holder_level": "district",
            "holder_valid_to": "2025-06-30",
            "kind": "premises",
            "assets": 3,
        },
        {
            "holder_kind": None,
            "holder_id": None,
            "holder_name": None,
            "holder_level": None,
            "holder_valid_to": None,
            "kind": "car",
            "assets": 1,
        },
    ]
    org.get("/api/v1/assets/stats/gaps").respond(json={"as_of": "2026-04-15", "province": PROVINCE, "total": 4, "rows": rows})


async def test_the_200_of_every_report_is_json_csv_and_xlsx(client: httpx.AsyncClient) -> None:
    spec = await _spec(client)
    models = {"summary": "ProvinceSummary", "gaps": "TransitionGaps", "profile": "CommuneProfile"}
    for name, route in ROUTES.items():
        content = spec["paths"][route]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv", XLSX}
        assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{models[name]}"}
        assert content[XLSX]["schema"] == {"type": "string", "format": "binary"}


async def test_tasks_by_level_is_typed(client: httpx.AsyncClient) -> None:
    """What a generated client needs to type ``report.tasks.by_level.commune`` as a number."""
    schemas = (await _spec(client))["components"]["schemas"]
    tasks = schemas["ProvinceSummary"]["properties"]["tasks"]
    assert tasks == {"anyOf": [{"$ref": "#/components/schemas/SummaryTasks"}, {"type": "null"}]}
    assert schemas["SummaryTasks"]["properties"]["by_level"] == {"$ref": "#/components/schemas/LevelCounts"}
    levels = schemas["LevelCounts"]
    assert levels["required"] == ["province", "district", "commune"]
    assert {name: p["type"] for name, p in levels["properties"].items()} == {
        "province": "integer",
        "district": "integer",
        "commune": "integer",
    }
    assert levels["additionalProperties"] is False


@pytest.mark.parametrize("compare_to", [None, "2025-06-30"])
async def test_the_summary_is_what_it_declares(client: httpx.AsyncClient, org, compare_to: str | None) -> None:  # noqa: F811
    params = {"as_of": "2026-04-15"} | ({"compare_to": compare_to} if compare_to else {})
    response = await client.get(f"/provinces/{PROVINCE}/summary", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    _assert_declared(await _spec(client), ROUTES["summary"], body)
    assert body["complete"] is True
    assert body["compare_to"] == compare_to
    assert (body["tasks"]["change"] is None) == (compare_to is None)
    assert body["tasks"]["by_level"] == {"province": 1687, "district": 0, "commune": 527}
    if compare_to:
        assert body["tasks"]["change"]["from"] == compare_to


async def test_a_degraded_summary_is_what_it_declares(client: httpx.AsyncClient) -> None:
    """Every source down: every section null, each listed in ``missing``, and still the declared shape."""
    with respx.mock(base_url=GATEWAY, assert_all_called=False, using=UPSTREAMS) as mock:
        mock.route().mock(side_effect=httpx.ConnectError("refused"))
        response = await client.get(f"/provinces/{PROVINCE}/summary", params={"as_of": "2026-04-15"})
    assert response.status_code == 200, response.text
    body = response.json()
    _assert_declared(await _spec(client), ROUTES["summary"], body)
    sections = [
        "tasks",
        "decisions",
        "staff",
        "assets",
        "streamlining",
        "dispositions",
        "procedure_dossiers",
        "plans",
        "task_difficulties",
        "workload",
    ]
    assert [m["section"] for m in body["missing"]] == sections
    assert [body[name] for name in sections] == [None] * len(sections)


async def test_the_gap_report_is_what_it_declares(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    _every_item(org)
    response = await client.get(f"/provinces/{PROVINCE}/transition-gaps", params={"as_of": "2026-04-15"})
    assert response.status_code == 200, response.text
    body = response.json()
    _assert_declared(await _spec(client), ROUTES["gaps"], body)
    assert body["complete"] is True
    assert body["tasks"]["items"][0]["link"] == f"/api/v1/org/tasks/{TASK_ID}"
    assert body["people"]["sample"] == [{"person": f"/api/v1/personnel/people/{TASK_ID}"}]
    assert [item["link"] for item in body["assets"]["items"]] == [f"/api/v1/assets/assets?holder_id={HOLDER_ID}", None]
    assert body["agencies"]["total"] == 2


async def test_the_commune_profile_is_what_it_declares(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    fake_quang_lam(org)
    response = await client.get("/communes/01304/profile", params={"as_of": "2026-04-15"})
    assert response.status_code == 200, response.text
    body = response.json()
    _assert_declared(await _spec(client), ROUTES["profile"], body)
    assert body["complete"] is True
    assert (body["commune"], body["name"], body["province"]) == ("01304", "Xã Quảng Lâm", PROVINCE)
    assert body["assets"]["by_kind"] == [
        {"kind": "premises", "assets": 37, "residual_value": 5_000_000_000},
        {"kind": "car", "assets": 2, "residual_value": 700_000_000},
    ]


async def test_a_field_the_schema_does_not_declare_fails_the_check(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    """The check above can fail: an extra figure, or one left out, is caught."""
    spec = await _spec(client)
    body = (await client.get(f"/provinces/{PROVINCE}/summary", params={"as_of": "2026-04-15"})).json()
    validator = _validator(spec, ROUTES["summary"])
    assert validator.is_valid(body)
    body["assets"]["cars_held_by_communes"] = 59
    assert not validator.is_valid(body)
    del body["assets"]["cars_held_by_communes"]
    del body["tasks"]["by_level"]["district"]
    assert not validator.is_valid(body)


@pytest.mark.parametrize("path", ["summary", "transition-gaps"])
async def test_an_unknown_province_is_a_404_naming_it(client: httpx.AsyncClient, org, path: str) -> None:  # noqa: F811
    problem = {"type": "about:blank", "title": "Not found", "status": 404, "code": "unit_not_found"}
    org.get("/api/v1/org/units/by-code/99").respond(404, json=problem | {"detail": "No administrative unit has code 99"})
    response = await client.get(f"/provinces/99/{path}", params={"as_of": "2026-04-15"})
    body = assert_problem(response, 404, "province_not_found")
    assert body["province_code"] == "99"
    assert "99" in body["detail"]
    assert "2026-04-15" in body["detail"]
    documented = (await _spec(client))["paths"][f"/provinces/{{code}}/{path}"]["get"]["responses"]["404"]
    assert "province_not_found" in documented["description"]


async def test_an_unknown_commune_is_a_404_naming_it(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    problem = {"type": "about:blank", "title": "Not found", "status": 404, "code": "unit_not_found"}
    org.get("/api/v1/org/units/by-code/09999").respond(404, json=problem)
    response = await client.get("/communes/09999/profile", params={"as_of": "2026-04-15"})
    body = assert_problem(response, 404, "commune_not_found")
    assert body["commune_code"] == "09999"
    assert "09999" in body["detail"]
    documented = (await _spec(client))["paths"][ROUTES["profile"]]["get"]["responses"]["404"]
    assert "commune_not_found" in documented["description"]


def test_the_reports_levels_are_the_units_levels() -> None:
    assert get_args(Level) == tuple(level.value for level in UNIT_LEVELS)
