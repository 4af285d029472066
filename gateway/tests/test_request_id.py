"""X-Request-ID: one id per request, from the caller or made by the gateway, seen by the service."""

import httpx


async def test_callers_request_id_reaches_the_service_and_comes_back(client: httpx.AsyncClient, fake) -> None:
    response = await client.get("/api/v1/org/units", headers={"X-Request-ID": "frontend-42"})
    assert fake.last.headers.get_list("x-request-id") == ["frontend-42"]
    assert response.headers.get_list("x-request-id") == ["frontend-42"]


async def test_gateway_makes_a_request_id_when_none_is_given(client: httpx.AsyncClient, fake) -> None:
    fake.respond = lambda request: httpx.Response(200, headers={"X-Request-ID": request.headers["x-request-id"]})
    response = await client.get("/api/v1/personnel/healthz")
    made = response.headers.get_list("x-request-id")
    assert len(made) == 1
    assert fake.last.headers["x-request-id"] == made[0]


async def test_unacceptable_request_id_is_replaced(client: httpx.AsyncClient, fake) -> None:
    response = await client.get("/api/v1/org/units", headers={"X-Request-ID": "no spaces allowed"})
    assert fake.last.headers["x-request-id"] == response.headers["x-request-id"] != "no spaces allowed"


async def test_the_access_log_can_be_turned_off(make_gateway, fake, caplog) -> None:
    caplog.set_level("INFO", logger="haicap.access")
    async with make_gateway(fake) as client:
        await client.get("/api/v1/org/units")
    assert [r for r in caplog.records if r.name == "haicap.access"], "one line per request by default"
    caplog.clear()
    async with make_gateway(fake, access_log=False) as client:
        await client.get("/api/v1/org/units")
    assert not [r for r in caplog.records if r.name == "haicap.access"]
