"""User management: admins only, If-Match and Idempotency-Key, problems with stable codes, audit."""

from dataclasses import replace

import httpx
import pytest

from haicap_gateway.identity.events import FEED_ROLES
from haicap_shared.access_matrix import assert_access_matrix, routes_with_rules
from haicap_shared.auth import AccessRule
from haicap_shared.roles import Role
from haicap_shared.testing import assert_problem

USERS = "/api/v1/auth/users"


def _body(**fields: object) -> dict:
    return {
        "username": "hoang.f",
        "display_name": "Hoàng F",
        "password": "mat-khau-dung-1",
        "role": "viewer",
        "area": {"province": "04"},
    } | fields


async def test_create_get_and_audit(gateway: httpx.AsyncClient, admin) -> None:
    response = await gateway.post(
        USERS, json=_body(role="agency_officer", area={"province": "04", "agency": "so-noi-vu"}), headers=admin
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"users/{created['id']}"
    assert created["area"] == {"province": "04", "commune": None, "agency": "so-noi-vu", "person": None, "national": False}
    assert "password" not in response.text
    assert "hash" not in response.text
    fetched = await gateway.get(f"{USERS}/{created['id']}", headers=admin)
    assert fetched.json() == created
    [event] = (await gateway.get("/audit-events", params={"entity_id": created["id"]}, headers=admin)).json()["items"]
    assert (event["action"], event["actor"], event["actor_role"]) == ("create", "test-admin", "admin")
    assert "password_hash" not in event["after"]


async def test_idempotency_key_replays_the_first_response(gateway: httpx.AsyncClient, admin) -> None:
    headers = admin | {"Idempotency-Key": "create-hoang-f"}
    first = await gateway.post(USERS, json=_body(), headers=headers)
    again = await gateway.post(USERS, json=_body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert_problem(await gateway.post(USERS, json=_body(username="other.g"), headers=headers), 422, "idempotency_key_reused")


async def test_a_username_is_unique_without_regard_to_case(gateway: httpx.AsyncClient, admin) -> None:
    assert (await gateway.post(USERS, json=_body(), headers=admin)).status_code == 201
    assert_problem(await gateway.post(USERS, json=_body(username="HOANG.F"), headers=admin), 409, "username_taken")


@pytest.mark.parametrize(
    ("role", "area"),
    [
        ("province_officer", {}),
        ("province_officer", {"province": "4"}),
        ("commune_officer", {"commune": "01304"}),
        ("commune_officer", {"province": "04", "commune": "1304"}),
        ("agency_officer", {"province": "04"}),
        ("admin", {"province": "04"}),
        ("viewer", {"agency": "x"}),
        ("viewer", {}),
        ("viewer", {"commune": "01304"}),
        ("viewer", {"national": True, "province": "04"}),
        ("auditor", {"national": True}),
        ("service", {}),
    ],
)
async def test_an_area_that_does_not_fit_the_role_is_422(gateway: httpx.AsyncClient, admin, role: str, area: dict) -> None:
    assert_problem(await gateway.post(USERS, json=_body(role=role, area=area), headers=admin), 422, "validation_error")


async def test_a_short_password_is_422(gateway: httpx.AsyncClient, admin) -> None:
    assert_problem(await gateway.post(USERS, json=_body(password="short"), headers=admin), 422, "validation_error")


async def test_update_needs_if_match_and_checks_role_with_area(gateway: httpx.AsyncClient, admin, sign_in) -> None:
    created = (await gateway.post(USERS, json=_body(), headers=admin)).json()
    url = f"{USERS}/{created['id']}"
    assert_problem(await gateway.patch(url, json={"display_name": "X"}, headers=admin), 428, "if_match_required")
    assert_problem(
        await gateway.patch(url, json={"display_name": "X"}, headers=admin | {"If-Match": '"9"'}), 412, "stale_version"
    )
    assert_problem(
        await gateway.patch(url, json={"role": "commune_officer"}, headers=admin | {"If-Match": '"1"'}),
        422,
        "area_invalid_for_role",
    )
    response = await gateway.patch(
        url,
        json={"role": "commune_officer", "area": {"province": "04", "commune": "01304"}, "password": "mat-khau-moi-22"},
        headers=admin | {"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["role"], response.json()["version"], response.headers["etag"]) == ("commune_officer", 2, '"2"')
    assert_problem(await sign_in("hoang.f", "mat-khau-dung-1"), 401, "invalid_credentials")
    assert (await sign_in("hoang.f", "mat-khau-moi-22")).json()["role"] == "commune_officer"
    events = (await gateway.get("/audit-events", params={"entity_id": created["id"]}, headers=admin)).json()["items"]
    assert [e["action"] for e in events] == ["create", "update"]
    assert events[1]["after"]["password_changed"] is True
    assert "password_hash" not in events[1]["before"]


async def test_deactivation_ends_sessions(gateway: httpx.AsyncClient, admin, sign_in) -> None:
    created = (await gateway.post(USERS, json=_body(), headers=admin)).json()
    tokens = (await sign_in("hoang.f")).json()
    response = await gateway.post(f"{USERS}/{created['id']}/deactivate", headers=admin | {"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False
    assert_problem(await sign_in("hoang.f"), 401, "invalid_credentials")
    assert_problem(
        await gateway.post("/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}),
        401,
        "invalid_refresh_token",
    )
    me = await gateway.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert_problem(me, 401, "token_revoked")
    assert [u["username"] for u in (await gateway.get(USERS, params={"active": "false"}, headers=admin)).json()["items"]] == [
        "hoang.f"
    ]


async def test_list_is_keyset_paged_by_username(gateway: httpx.AsyncClient, admin) -> None:
    for name in ("b.user", "A.user", "c.user"):
        assert (await gateway.post(USERS, json=_body(username=name), headers=admin)).status_code == 201
    first = (await gateway.get(USERS, params={"limit": 2}, headers=admin)).json()
    assert [u["username"] for u in first["items"]] == ["A.user", "b.user"]
    second = (await gateway.get(USERS, params={"limit": 2, "cursor": first["next"]}, headers=admin)).json()
    assert ([u["username"] for u in second["items"]], second["next"]) == (["c.user"], None)
    assert_problem(await gateway.get(USERS, params={"cursor": "garbage"}, headers=admin), 422, "invalid_cursor")


async def test_user_not_found(gateway: httpx.AsyncClient, admin) -> None:
    assert_problem(await gateway.get(f"{USERS}/00000000-0000-0000-0000-000000000000", headers=admin), 404, "user_not_found")


@pytest.mark.parametrize("role", [Role.PROVINCE_OFFICER, Role.AUDITOR, Role.VIEWER, Role.SERVICE])
async def test_only_admins_manage_users(gateway: httpx.AsyncClient, test_tokens, role: Role) -> None:
    headers = test_tokens.headers(role, province="04" if role is Role.PROVINCE_OFFICER else None)
    assert_problem(await gateway.get(USERS, headers=headers), 403, "role_not_allowed")
    assert_problem(await gateway.post(USERS, json=_body(), headers=headers), 403, "role_not_allowed")
    assert_problem(await gateway.get(USERS), 401, "not_authenticated")


async def test_every_auth_route_is_documented(gateway: httpx.AsyncClient) -> None:
    spec = (await gateway.get("/openapi.json")).json()
    auth_paths = {p: ops for p, ops in spec["paths"].items() if p.startswith("/api/v1/auth")}
    # NOTE: identity's change feed and webhooks (shared routes) are checked in test_events.
    feed = ("/api/v1/auth/events", "/api/v1/auth/webhook-subscriptions")
    assert {p for p in auth_paths if not p.startswith(feed)} == {
        "/api/v1/auth/token",
        "/api/v1/auth/logout",
        "/api/v1/auth/jwks",
        "/api/v1/auth/me",
        "/api/v1/auth/revoked",
        "/api/v1/auth/users",
        "/api/v1/auth/users/{user_id}",
        "/api/v1/auth/users/{user_id}/deactivate",
        "/api/v1/auth/users/{user_id}/unlock",
        "/api/v1/auth/service-accounts",
        "/api/v1/auth/service-accounts/{account_id}",
    }
    for path, operations in auth_paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path}"
            assert operation.get("description"), f"{method} {path}"
    token = auth_paths["/api/v1/auth/token"]["post"]["responses"]
    assert "refresh_token_reused" in token["401"]["description"]
    assert "too_many_attempts" in token["429"]["description"]
    assert "username_taken" in auth_paths["/api/v1/auth/users"]["post"]["responses"]["409"]["description"]


async def test_a_viewer_is_bound_to_an_area_and_a_national_one_is_explicit(gateway: httpx.AsyncClient, admin, sign_in) -> None:
    commune = await gateway.post(
        USERS, json=_body(username="viewer.xa", area={"province": "04", "commune": "01304"}), headers=admin
    )
    assert commune.status_code == 201, commune.text
    assert commune.json()["area"] == {"province": "04", "commune": "01304", "agency": None, "person": None, "national": False}
    token = (await sign_in("viewer.xa", "mat-khau-dung-1")).json()["access_token"]
    me = (await gateway.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert me["area"] == {"province": "04", "commune": "01304", "agency": None, "person": None, "national": False}
    national = await gateway.post(USERS, json=_body(username="viewer.quoc-gia", area={"national": True}), headers=admin)
    assert national.status_code == 201, national.text
    assert national.json()["area"] == {"province": None, "commune": None, "agency": None, "person": None, "national": True}
    # NOTE: a national viewer keeps being one through an update that leaves the area alone.
    url = f"{USERS}/{national.json()['id']}"
    renamed = await gateway.patch(url, json={"display_name": "Quốc gia"}, headers=admin | {"If-Match": '"1"'})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["area"]["national"] is True


async def test_every_gateway_route_has_a_rule_and_keeps_it(gateway: httpx.AsyncClient, test_tokens) -> None:
    """The access matrix of the gateway's own routes (unlock and the revocation list included)."""
    # NOTE: identity's feed narrows the shared feed's readers (an override the route does not show).
    narrowed = AccessRule(frozenset(FEED_ROLES))
    feed = ("GET /api/v1/auth/events", "GET /api/v1/auth/events/latest")
    cases = [
        replace(case, rule=narrowed) if str(case) in feed else case
        for case in routes_with_rules(gateway._transport.app)  # type: ignore[attr-defined]
    ]
    rules = {str(case): case.rule for case in cases}
    assert rules["POST /api/v1/auth/users/{user_id}/unlock"].roles == {Role.ADMIN}
    assert rules["POST /api/v1/auth/users/{user_id}/unlock"].writes
    assert rules["GET /api/v1/auth/revoked"].public

    def headers_for(role: Role) -> dict[str, str]:
        return test_tokens.headers(role, province="04" if role is not Role.ADMIN else None)

    await assert_access_matrix(gateway, cases, headers_for)
