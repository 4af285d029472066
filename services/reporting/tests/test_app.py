"""reporting's plumbing: health, readiness, the empty audit log, problem responses, the spec."""

import httpx

from haicap_shared.testing import assert_service_plumbing


async def test_health_readiness_audit_log_and_problems(client: httpx.AsyncClient) -> None:
    await assert_service_plumbing(client, "reporting")


async def test_openapi_lists_what_is_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"] == "haicap reporting"
    assert set(spec["paths"]) == {
        "/healthz",
        "/readyz",
        "/audit-events",
        "/provinces/{code}/summary",
        "/provinces/{code}/transition-gaps",
        "/communes/{code}/profile",
    }
