"""Refresh rotation and reuse, sign-out, client credentials, and the gateway's check of bearer tokens."""

import base64
import json

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_gateway.db import metadata
from haicap_gateway.identity import service
from haicap_shared.audit import AuditTrail
from haicap_shared.auth import system_principal
from haicap_shared.roles import Area, Role
from haicap_shared.testing import assert_problem
from haicap_shared.tokens import TokenIssuer, TokenVerifier, generate_private_key


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _refresh(gateway: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await gateway.post("/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token})


@pytest.fixture
async def signed_in(new_user, sign_in) -> dict:
    await new_user(role="province_officer", area={"province": "04"})
    response = await sign_in()
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_refresh_token_rotates(gateway: httpx.AsyncClient, signed_in: dict) -> None:
    first = await _refresh(gateway, signed_in["refresh_token"])
    assert first.status_code == 200, first.text
    rotated = first.json()
    assert rotated["refresh_token"] != signed_in["refresh_token"]
    assert rotated["access_token"] != signed_in["access_token"]
    assert rotated["role"] == "province_officer"
    second = await _refresh(gateway, rotated["refresh_token"])
    assert second.status_code == 200, second.text


async def test_reusing_a_refresh_token_revokes_its_family(gateway: httpx.AsyncClient, signed_in: dict, fake) -> None:
    newer = (await _refresh(gateway, signed_in["refresh_token"])).json()
    assert (await gateway.get("/api/v1/org/units", headers=bearer(newer["access_token"]))).status_code == 200

    assert_problem(await _refresh(gateway, signed_in["refresh_token"]), 401, "refresh_token_reused")
    # The newer refresh token, and the access token issued with it, stop working too.
    assert_problem(await _refresh(gateway, newer["refresh_token"]), 401, "invalid_refresh_token")
    seen = len(fake.seen)
    assert_problem(await gateway.get("/api/v1/org/units", headers=bearer(newer["access_token"])), 401, "token_revoked")
    assert len(fake.seen) == seen


async def test_an_unknown_refresh_token_is_refused(gateway: httpx.AsyncClient) -> None:
    assert_problem(await _refresh(gateway, "not-a-token"), 401, "invalid_refresh_token")


async def test_logout_revokes_the_access_token_and_the_family(gateway: httpx.AsyncClient, signed_in: dict, fake) -> None:
    headers = bearer(signed_in["access_token"])
    assert (await gateway.get("/api/v1/auth/me", headers=headers)).status_code == 200
    response = await gateway.post("/api/v1/auth/logout", data={"refresh_token": signed_in["refresh_token"]}, headers=headers)
    assert response.status_code == 204, response.text
    assert_problem(await gateway.get("/api/v1/auth/me", headers=headers), 401, "token_revoked")
    body = assert_problem(await gateway.get("/api/v1/personnel/people", headers=headers), 401, "token_revoked")
    assert "revoked" in body["detail"]
    assert fake.seen == []
    assert_problem(await _refresh(gateway, signed_in["refresh_token"]), 401, "invalid_refresh_token")


async def test_logout_needs_a_token(gateway: httpx.AsyncClient) -> None:
    assert_problem(await gateway.post("/api/v1/auth/logout"), 401, "not_authenticated")


async def test_a_revocation_is_seen_by_another_gateway_replica(
    make_gateway, fake, db_url, db_connection, signed_in: dict, gateway: httpx.AsyncClient
) -> None:
    headers = bearer(signed_in["access_token"])
    async with make_gateway(fake, connection=db_connection, database_url=db_url, revocation_refresh_seconds=0.001) as replica:
        assert (await replica.get("/api/v1/org/units", headers=headers)).status_code == 200
        assert (await gateway.post("/api/v1/auth/logout", headers=headers)).status_code == 204
        assert_problem(await replica.get("/api/v1/org/units", headers=headers), 401, "token_revoked")


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize("kind", ["expired", "tampered", "wrong_key", "garbage"])
async def test_a_bad_token_is_refused_at_the_gateway(gateway: httpx.AsyncClient, fake, test_tokens, kind: str) -> None:
    if kind == "expired":
        headers, code = test_tokens.headers(Role.VIEWER, ttl_seconds=-60), "token_expired"
    elif kind == "tampered":
        headers, code = bearer(_tampered(test_tokens.headers(Role.VIEWER)["Authorization"].split()[1])), "invalid_token"
    elif kind == "wrong_key":
        other, _ = TokenIssuer(generate_private_key()).issue(
            subject="x", username="x", role=Role.ADMIN, area=Area(), ttl_seconds=600
        )
        headers, code = bearer(other), "invalid_token"
    else:
        headers, code = bearer("not.a.jwt"), "invalid_token"
    for path in ("/api/v1/org/units", "/api/v1/assets/premises", "/api/v1/reports/province-summary", "/api/v1/personnel/x"):
        response = await gateway.get(path, headers=headers)
        assert_problem(response, 401, code)
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert fake.seen == []


async def test_requests_without_a_token_pass_on_unchanged(gateway: httpx.AsyncClient, fake) -> None:
    fake.respond = lambda request: httpx.Response(401, json={"code": "not_authenticated"})
    assert (await gateway.get("/api/v1/org/units")).status_code == 401
    assert (await gateway.get("/api/v1/org/units", headers={"Authorization": "Basic eDp5"})).status_code == 401
    assert len(fake.seen) == 2
    assert "authorization" not in fake.seen[0].headers


async def test_a_good_token_is_passed_on(gateway: httpx.AsyncClient, fake, test_tokens) -> None:
    headers = test_tokens.headers(Role.VIEWER)
    assert (await gateway.get("/api/v1/reports/summary", headers=headers)).status_code == 200
    assert fake.last.headers["authorization"] == headers["Authorization"]


async def test_client_credentials(gateway: httpx.AsyncClient, session: AsyncSession) -> None:
    _, secret = await service.create_service_account(
        session, AuditTrail(metadata.tables["audit_event"]), system_principal("test"), "reporting", "the reporting service"
    )
    await session.commit()
    response = await gateway.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": "reporting", "client_secret": secret}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "refresh_token" not in body
    assert (body["role"], body["scope"]) == ("service", "service")
    claims = TokenVerifier((await gateway.get("/api/v1/auth/jwks")).json()).verify(body["access_token"])
    assert (claims.subject, claims.username, claims.role) == ("service:reporting", "reporting", Role.SERVICE)

    for client_id, client_secret in (("reporting", "wrong-secret"), ("nobody", secret)):
        refused = await gateway.post(
            "/api/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
        )
        assert_problem(refused, 401, "invalid_client")


async def test_the_revoked_tokens_are_published_for_the_services(gateway: httpx.AsyncClient, new_user, sign_in) -> None:
    await new_user()
    signed_in = (await sign_in()).json()
    claims = TokenVerifier((await gateway.get("/api/v1/auth/jwks")).json()).verify(signed_in["access_token"])
    before = await gateway.get("/api/v1/auth/revoked")
    assert before.status_code == 200
    assert claims.token_id not in before.json()["token_ids"]
    assert before.headers["cache-control"] == "no-store"
    assert (await gateway.post("/api/v1/auth/logout", headers=bearer(signed_in["access_token"]))).status_code == 204
    after = (await gateway.get("/api/v1/auth/revoked")).json()
    assert claims.token_id in after["token_ids"]
    assert after["refresh_seconds"] == 5.0
