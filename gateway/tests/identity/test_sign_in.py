"""Signing in: the password grant, refusals that look alike, and the rate limit."""

import time

import httpx

from haicap_shared.testing import assert_problem
from haicap_shared.tokens import TokenVerifier


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_password_grant_returns_a_token_the_jwks_verifies(gateway: httpx.AsyncClient, new_user, sign_in) -> None:
    user = await new_user(role="commune_officer", area={"province": "04", "commune": "01304"})
    response = await sign_in()
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert (body["token_type"], body["expires_in"], body["scope"], body["role"]) == (
        "bearer",
        600,
        "commune_officer",
        "commune_officer",
    )
    assert len(body["refresh_token"]) >= 40
    claims = TokenVerifier((await gateway.get("/api/v1/auth/jwks")).json()).verify(body["access_token"])
    assert (claims.subject, claims.username, claims.role.value) == (user["id"], "nguyen.van.a", "commune_officer")
    assert claims.area.as_claim() == {"province": "04", "commune": "01304"}
    assert claims.expires_at - int(time.time()) in range(590, 601)

    me = await gateway.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json() | {"token_id": None} == {
        "subject": user["id"],
        "username": "nguyen.van.a",
        "role": "commune_officer",
        "area": {"province": "04", "commune": "01304", "agency": None, "person": None, "national": False},
        "token_id": None,
    }


async def test_usernames_ignore_case_at_sign_in(new_user, sign_in) -> None:
    await new_user(username="Tran.Thi.B")
    assert (await sign_in("tran.thi.b")).status_code == 200


async def test_wrong_password_unknown_user_and_inactive_user_look_alike(
    gateway: httpx.AsyncClient, new_user, sign_in, admin
) -> None:
    user = await new_user()
    await new_user(username="inactive.user")
    inactive = (await gateway.get("/api/v1/auth/users", headers=admin, params={"limit": 500})).json()["items"]
    target = next(u for u in inactive if u["username"] == "inactive.user")
    deactivated = await gateway.post(
        f"/api/v1/auth/users/{target['id']}/deactivate", headers=admin | {"If-Match": f'"{target["version"]}"'}
    )
    assert deactivated.status_code == 200, deactivated.text

    bodies = []
    for username, password in (
        (user["username"], "wrong-password-1"),
        ("nobody.here", "mat-khau-dung-1"),
        ("inactive.user", "mat-khau-dung-1"),
    ):
        body = assert_problem(await sign_in(username, password), 401, "invalid_credentials")
        bodies.append({k: v for k, v in body.items() if k != "instance"})
    assert bodies[0] == bodies[1] == bodies[2]


async def test_missing_fields_and_unknown_grants_are_422(gateway: httpx.AsyncClient) -> None:
    assert_problem(await gateway.post("/api/v1/auth/token", data={"grant_type": "password"}), 422, "invalid_request")
    assert_problem(await gateway.post("/api/v1/auth/token", data={"grant_type": "implicit"}), 422, "unsupported_grant_type")
    assert_problem(await gateway.post("/api/v1/auth/token", data={}), 422, "validation_error")


async def test_failures_are_limited_per_address_and_success_does_not_reset_it(
    make_gateway, fake, db_url, db_connection, test_tokens
) -> None:
    async with make_gateway(
        fake,
        connection=db_connection,
        database_url=db_url,
        sign_in_max_failures_per_address=3,
    ) as gateway:
        assert (
            await gateway.post(
                "/api/v1/auth/users",
                json={
                    "username": "pham.d",
                    "display_name": "D",
                    "password": "mat-khau-dung-1",
                    "role": "viewer",
                    "area": {"province": "04"},
                },
                headers=test_tokens.headers(),
            )
        ).status_code == 201

        async def attempt(username: str, password: str) -> httpx.Response:
            return await gateway.post(
                "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
            )

        assert_problem(await attempt("ghost.1", "x-password-1"), 401, "invalid_credentials")
        assert_problem(await attempt("ghost.2", "x-password-1"), 401, "invalid_credentials")
        assert (await attempt("pham.d", "mat-khau-dung-1")).status_code == 200
        assert_problem(await attempt("ghost.3", "x-password-1"), 401, "invalid_credentials")
        refused = await attempt("pham.d", "mat-khau-dung-1")
        assert_problem(refused, 429, "too_many_attempts")
        assert int(refused.headers["retry-after"]) > 0
