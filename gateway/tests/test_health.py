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
    # NOTE: the shared Health model may carry an empty `events` (the relay's lag is in /readyz).
    assert {k: v for k, v in response.json().items() if v is not None} == {"status": "ok", "service": "gateway"}
    assert fake.seen == []


async def test_readyz_is_200_when_every_service_is_ready(client: httpx.AsyncClient, fake) -> None:
    fake.respond = _readyz_answers({})
    response = await client.get("/readyz")
    assert response.status_code == 200
    # NOTE: identity's relay has no destination yet (no NATS, no subscription): no `events` to show.
    assert response.json() == {
        "status": "ready",
        "service": "gateway",
        "upstreams": [
            {
                "service": name,
                "prefix": f"/api/v1/{prefix}",
                "state": "ready",
                "replicas": [{"url": url, "state": "ready", "set_aside": False}],
            }
            for name, prefix, url in [
                ("org-structure", "org", "http://org.test"),
                ("personnel", "personnel", "http://personnel.test"),
                ("assets", "assets", "http://assets.test"),
                ("reporting", "reports", "http://reporting.test"),
            ]
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


async def test_readyz_reports_each_replica(make_gateway, fake) -> None:
    fake.respond = _readyz_answers({"org-2.test": httpx.ConnectError("refused")})
    async with make_gateway(fake, org_url="http://org.test, http://org-2.test/") as client:
        response = await client.get("/readyz")
    assert response.status_code == 200, "one ready replica is enough"
    org = response.json()["upstreams"][0]
    assert org["state"] == "ready"
    assert org["replicas"] == [
        {"url": "http://org.test", "state": "ready", "set_aside": False},
        {"url": "http://org-2.test", "state": "unreachable", "set_aside": True},
    ]


async def test_readyz_is_503_when_every_replica_of_a_service_is_down(make_gateway, fake) -> None:
    fake.respond = _readyz_answers({"org.test": httpx.ConnectError("refused"), "org-2.test": 503})
    async with make_gateway(fake, org_url="http://org.test,http://org-2.test") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert [r["state"] for r in response.json()["upstreams"][0]["replicas"]] == ["unreachable", "not_ready"]


async def test_docs_page_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


async def test_unknown_gateway_path_is_a_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v2/org/units"), 404, "not_found")
