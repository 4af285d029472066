"""personnel's app: health, readiness, the empty audit log, problem responses and the documented routes."""

import httpx
from fastapi import FastAPI

from haicap_shared.testing import assert_openapi_contract, assert_service_plumbing


async def test_health_readiness_audit_log_and_problems(client: httpx.AsyncClient) -> None:
    await assert_service_plumbing(client, "personnel")


async def test_openapi_lists_what_is_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"] == "haicap personnel"
    assert set(spec["paths"]) >= {"/healthz", "/readyz", "/audit-events", "/people", "/stats/qualifications", "/placements/bulk"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no docstring"
            if path not in {"/healthz", "/readyz", "/audit-events"}:  # the shared routes
                assert {"401", "403"} <= set(operation["responses"]), f"{method} {path} declares no problems"


async def test_the_document_keeps_the_contract(client: httpx.AsyncClient, service_app: FastAPI) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert_openapi_contract(spec, "personnel", service_app)
    assert spec["paths"]["/people/{person_id}"]["get"]["operationId"] == "personnel.people.get"
    assert spec["paths"]["/positions/{position_id}/transitions"]["post"]["operationId"] == "personnel.positions.transitions"
