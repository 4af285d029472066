"""personnel's app: health, readiness, the empty audit log, problem responses and the documented routes."""

import httpx

from haicap_shared.testing import assert_problem


async def test_healthz_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "personnel"}


async def test_readyz_reaches_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "service": "personnel"}


async def test_audit_log_starts_empty(client: httpx.AsyncClient) -> None:
    response = await client.get("/audit-events")
    assert response.status_code == 200
    assert response.json() == {"items": [], "next": None}


async def test_unknown_path_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-thing")
    body = assert_problem(response, 404, "not_found")
    assert body["instance"] == "/no-such-thing"


async def test_openapi_lists_what_is_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"] == "haicap personnel"
    assert set(spec["paths"]) >= {"/healthz", "/readyz", "/audit-events", "/people", "/stats/qualifications", "/placements/bulk"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no docstring"
            if path not in {"/healthz", "/readyz", "/audit-events"}:  # the shared routes
                assert {"401", "403"} <= set(operation["responses"]), f"{method} {path} declares no problems"
