"""assets's skeleton: health, readiness, the empty audit log and problem responses."""

import httpx
from fastapi import FastAPI

from haicap_shared.testing import assert_openapi_contract, assert_openapi_documented, assert_service_plumbing


async def test_health_readiness_audit_log_and_problems(client: httpx.AsyncClient) -> None:
    await assert_service_plumbing(client, "assets")


async def test_openapi_lists_what_is_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert_openapi_documented(
        spec,
        title="haicap assets",
        token_routes_document=("401", "403"),
        paths={"/healthz", "/readyz", "/audit-events", "/assets", "/handovers", "/dispositions", "/stats/summary"},
    )


async def test_the_document_keeps_the_contract(client: httpx.AsyncClient, service_app: FastAPI) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert_openapi_contract(spec, "assets", service_app)
    assert spec["paths"]["/assets/{asset_id}"]["patch"]["operationId"] == "assets.assets.update"
    assert spec["paths"]["/dispositions/{disposition_id}/submit"]["post"]["operationId"] == "assets.dispositions.submit"
