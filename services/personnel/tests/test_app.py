"""personnel's app: health, readiness, the empty audit log, problem responses and the documented routes."""

import httpx
from fastapi import FastAPI

from haicap_shared.testing import assert_openapi_contract, assert_openapi_documented, assert_service_plumbing


async def test_health_readiness_audit_log_and_problems(client: httpx.AsyncClient) -> None:
    await assert_service_plumbing(client, "personnel")


async def test_openapi_lists_what_is_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert_openapi_documented(
        spec,
        title="haicap personnel",
        token_routes_document=("401", "403"),
        paths={"/healthz", "/readyz", "/audit-events", "/people", "/stats/qualifications", "/placements/bulk"},
    )


async def test_the_document_keeps_the_contract(client: httpx.AsyncClient, service_app: FastAPI) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert_openapi_contract(spec, "personnel", service_app)
    assert spec["paths"]["/people/{person_id}"]["get"]["operationId"] == "personnel.people.get"
    assert spec["paths"]["/positions/{position_id}/transitions"]["post"]["operationId"] == "personnel.positions.transitions"
