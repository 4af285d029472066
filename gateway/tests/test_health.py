"""The gateway's /healthz, its /readyz over every service, and its OpenAPI."""

import httpx

from haicap_shared.testing import assert_problem


def _readyz_answers(states: dict[str, object]):
    def respond(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/readyz"
        state = states.get(request.url.host, 200)
        if isinstance(state, Exception):
            raise state
        return httpx.Response(int(state), json={"status": "x"})

    return respond


async def test_healthz_does_not_depend_on_upstreams(client: httpx.AsyncClient, fake) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "gateway"}
    assert fake.seen == []


async def test_readyz_is_200_when_every_service_is_ready(client: httpx.AsyncClient, fake) -> None:
    fake.respond = _readyz_answers({})
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "service": "gateway",
        "upstreams": [
            {"service": "org-structure", "prefix": "/api/v1/org", "state": "ready"},
            {"service": "personnel", "prefix": "/api/v1/personnel", "state": "ready"},
            {"service": "assets", "prefix": "/api/v1/assets", "state": "ready"},
            {"service": "reporting", "prefix": "/api/v1/reports", "state": "ready"},
        ],
    }
    assert sorted(r.url.host for r in fake.seen) == ["assets.test", "org.test", "personnel.test", "reporting.test"]


async def test_readyz_is_503_naming_what_is_not_ready(client: httpx.AsyncClient, fake) -> None:
    fake.respond = _readyz_answers(
        {
            "personnel.test": httpx.ConnectError("refused"),
            "assets.test": 503,
            "reporting.test": httpx.ReadTimeout("slow"),
        }
    )
    response = await client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert {u["service"]: u["state"] for u in body["upstreams"]} == {
        "org-structure": "ready",
        "personnel": "unreachable",
        "assets": "not_ready",
        "reporting": "timeout",
    }


async def test_openapi_documents_the_gateway(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"] == "haicap gateway"
    assert "/api/v1/org/openapi.json" in spec["info"]["description"]
    assert set(spec["paths"]) == {
        "/healthz",
        "/readyz",
        "/api/v1/org/{path}",
        "/api/v1/personnel/{path}",
        "/api/v1/assets/{path}",
        "/api/v1/reports/{path}",
    }
    assert set(spec["paths"]["/api/v1/org/{path}"]) == {"get", "post", "put", "patch", "delete"}
    assert "503" in spec["paths"]["/api/v1/org/{path}"]["get"]["responses"]
    summaries = [op["summary"] for path in spec["paths"].values() for op in path.values()]
    assert all(summaries)


async def test_docs_page_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


async def test_unknown_gateway_path_is_a_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v2/org/units"), 404, "not_found")
