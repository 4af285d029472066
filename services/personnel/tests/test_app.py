"""personnel's app: health, readiness, the empty audit log, problem responses and the documented routes."""

import httpx

from haicap_shared.testing import assert_service_plumbing


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
