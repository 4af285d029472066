"""assets's skeleton: health, readiness, the empty audit log and problem responses."""

import httpx

from haicap_shared.testing import assert_service_plumbing


async def test_health_readiness_audit_log_and_problems(client: httpx.AsyncClient) -> None:
    await assert_service_plumbing(client, "assets")


async def test_openapi_lists_what_is_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"] == "haicap assets"
    assert set(spec["paths"]) >= {
        "/healthz",
        "/readyz",
        "/audit-events",
        "/assets",
        "/handovers",
        "/dispositions",
        "/stats/summary",
    }
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no docstring"
            if path not in {"/healthz", "/readyz", "/audit-events"}:
                assert "403" in operation["responses"], f"{method} {path} declares no problems"
