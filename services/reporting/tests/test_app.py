"""reporting's plumbing: health, readiness without a database, no audit log, problem responses, the spec."""

import httpx
from fastapi import FastAPI

from haicap_shared.testing import assert_openapi_contract, assert_openapi_documented, assert_service_plumbing


async def test_health_readiness_and_problems_without_an_audit_log(client: httpx.AsyncClient) -> None:
    await assert_service_plumbing(client, "reporting", audited=False)


async def test_openapi_lists_what_is_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert_openapi_documented(
        spec,
        title="haicap reporting",
        paths={
            "/healthz",
            "/readyz",
            "/provinces/{code}/summary",
            "/provinces/{code}/transition-gaps",
            "/communes/{code}/profile",
            "/provinces/{code}/workload",
            "/plans/{plan_id}",
            "/national/summary",
            "/national/transition-gaps",
        },
        exact_paths=True,
    )


async def test_the_document_keeps_the_contract(client: httpx.AsyncClient, service_app: FastAPI) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert_openapi_contract(spec, "reports", service_app)
    assert spec["paths"]["/provinces/{code}/summary"]["get"]["operationId"] == "reports.provinces.summary"
    assert spec["paths"]["/communes/{code}/profile"]["get"]["operationId"] == "reports.communes.profile"
