"""The gateway's own routes are strict too: misspelt query parameters and the 405's Allow; forwarded ones are the services'."""

import httpx

from haicap_shared.testing import assert_problem


async def test_a_misspelt_parameter_of_the_gateway_s_own_route_is_named(gateway: httpx.AsyncClient, admin) -> None:
    body = assert_problem(
        await gateway.get("/api/v1/auth/users", headers=admin, params={"rol": "admin"}), 422, "unknown_query_parameter"
    )
    assert body["parameters"] == ["rol"]
    assert (await gateway.get("/api/v1/auth/users", headers=admin, params={"role": "admin"})).status_code == 200


async def test_forwarded_requests_keep_their_query_for_the_service(gateway: httpx.AsyncClient, fake) -> None:
    # NOTE: forwarding is not a route of the gateway: the service decides what its parameters are.
    response = await gateway.get("/api/v1/org/units", params={"limt": "5"})
    assert response.status_code == 200
    assert fake.last.url.params["limt"] == "5"
