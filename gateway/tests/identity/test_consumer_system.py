"""A service account's consuming system (X-Road, LGSP): set by an admin, carried by its tokens, in the gateway's log."""

import logging
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_gateway.cli import MIGRATIONS
from haicap_gateway.db import metadata
from haicap_gateway.identity import commands, service
from haicap_shared.audit import AuditTrail
from haicap_shared.auth import system_principal
from haicap_shared.consumers import CLAIMED_CLIENT_MAX_LENGTH
from haicap_shared.migrations import upgrade_to_head
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem
from haicap_shared.tokens import TokenVerifier

CODE = "VN:GOV:000.00.00.H12:HAICAP"
ACCESS = "haicap.access"


async def _account(session: AsyncSession, client_id: str = "lgsp-cao-bang") -> tuple[str, str]:
    """A service account without a code, made as the command makes it: its id and secret."""
    account, secret = await service.create_service_account(
        session, AuditTrail(metadata.tables["audit_event"]), system_principal("test"), client_id, "the province's LGSP"
    )
    await session.commit()
    return str(account.id), secret


async def _token(gateway: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await gateway.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def test_an_admin_sets_the_code_and_the_next_tokens_carry_it(
    gateway: httpx.AsyncClient, session: AsyncSession, admin: dict[str, str]
) -> None:
    account_id, secret = await _account(session)
    url = f"/api/v1/auth/service-accounts/{account_id}"
    verifier = TokenVerifier((await gateway.get("/api/v1/auth/jwks")).json())
    assert verifier.verify(await _token(gateway, "lgsp-cao-bang", secret)).system_code is None

    shown = await gateway.get(url, headers=admin)
    assert shown.json()["system_code"] is None
    assert_problem(await gateway.patch(url, json={"system_code": CODE}, headers=admin), 428, "if_match_required")
    changed = await gateway.patch(url, json={"system_code": CODE}, headers=admin | {"If-Match": shown.headers["etag"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["system_code"] == CODE
    assert changed.json()["description"] == "the province's LGSP", "what is not sent stays"
    assert changed.headers["etag"] != shown.headers["etag"]
    assert verifier.verify(await _token(gateway, "lgsp-cao-bang", secret)).system_code == CODE

    audit = metadata.tables["audit_event"]
    row = (await session.execute(select(audit).where(audit.c.entity_id == account_id, audit.c.action == "update"))).one()
    assert (row.before["system_code"], row.after["system_code"]) == (None, CODE)
    assert (row.actor, row.consumer_system) == ("test-admin", None), "an admin's change names no consuming system"

    cleared = await gateway.patch(url, json={"system_code": None}, headers=admin | {"If-Match": changed.headers["etag"]})
    assert cleared.json()["system_code"] is None


@pytest.mark.parametrize("code", ["VN GOV", "VN:GOV:a:b:c:d", "x" * 101, "<script>", ""])
async def test_a_code_out_of_form_is_refused(
    gateway: httpx.AsyncClient, session: AsyncSession, admin: dict[str, str], code: str
) -> None:
    account_id, _ = await _account(session)
    url = f"/api/v1/auth/service-accounts/{account_id}"
    etag = (await gateway.get(url, headers=admin)).headers["etag"]
    assert_problem(
        await gateway.patch(url, json={"system_code": code}, headers=admin | {"If-Match": etag}), 422, "validation_error"
    )
    assert (await gateway.get(url, headers=admin)).json()["system_code"] is None


async def test_only_admins_change_a_service_account(
    gateway: httpx.AsyncClient, session: AsyncSession, test_tokens: TestTokens
) -> None:
    account_id, _ = await _account(session)
    response = await gateway.patch(
        f"/api/v1/auth/service-accounts/{account_id}",
        json={"system_code": CODE},
        headers=test_tokens.headers(Role.AUDITOR) | {"If-Match": '"1"'},
    )
    assert_problem(response, 403, "role_not_allowed")


async def test_the_command_sets_the_code_and_refuses_a_bad_one(tmp_path: Path, make_gateway, admin: dict[str, str]) -> None:
    # NOTE: a database of its own: the command commits, outside any test's transaction.
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_to_head(MIGRATIONS, url)
    secret = await commands.create_service_account(
        url, "ndxp-sync", "the national platform", public_base_url="http://gateway.test", system_code=CODE
    )
    with pytest.raises(service.SystemCodeInvalid):
        await commands.create_service_account(url, "bad-code", "", public_base_url="http://gateway.test", system_code="VN GOV")
    async with make_gateway(database_url=url) as gateway:
        accounts = (await gateway.get("/api/v1/auth/service-accounts", headers=admin)).json()["items"]
        token = await _token(gateway, "ndxp-sync", secret)
        verifier = TokenVerifier((await gateway.get("/api/v1/auth/jwks")).json())
    assert [(a["client_id"], a["system_code"]) for a in accounts] == [("ndxp-sync", CODE)]
    assert verifier.verify(token).system_code == CODE


async def test_the_gateway_s_access_line_names_the_consumer(
    gateway: httpx.AsyncClient,
    session: AsyncSession,
    admin: dict[str, str],
    test_tokens: TestTokens,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account_id, secret = await _account(session)
    url = f"/api/v1/auth/service-accounts/{account_id}"
    etag = (await gateway.get(url, headers=admin)).headers["etag"]
    assert (await gateway.patch(url, json={"system_code": CODE}, headers=admin | {"If-Match": etag})).status_code == 200
    system = {"Authorization": f"Bearer {await _token(gateway, 'lgsp-cao-bang', secret)}"}
    # NOTE: as raw bytes (UTF-8, a tab, braces): what a client can put in a header.
    garbage = ("VN/GOV/\t{x}" + "\u00e9" * 5000).encode()

    caplog.clear()
    with caplog.at_level(logging.INFO, logger=ACCESS):
        answers = [
            await gateway.get("/api/v1/org/units", headers=system | {"X-Road-Client": "VN/GOV/000.00.00.H12/HAICAP"}),
            await gateway.get("/api/v1/auth/me", headers=system),
            await gateway.get("/api/v1/org/units", headers=test_tokens.headers(Role.VIEWER) | {"X-Road-Client": garbage}),
        ]
    # NOTE: the header's bytes outside ASCII are passed on, never a 500 (the test's upstream answers every caller).
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    # NOTE: the gateway's own lines (its paths): the forwarded-to service's lines, if logged, say /units.
    forwarded, own, user = [r for r in caplog.records if r.name == ACCESS and str(getattr(r, "path", "")).startswith("/api/v1/")]
    assert forwarded.consumer == CODE  # type: ignore[attr-defined]
    assert not hasattr(forwarded, "claimed_client"), "the same system in X-Road's spelling"
    assert own.consumer == CODE  # type: ignore[attr-defined]
    assert not hasattr(user, "consumer")
    claimed: str = user.claimed_client  # type: ignore[attr-defined]
    assert len(claimed) == CLAIMED_CLIENT_MAX_LENGTH + len("...")
    assert claimed.startswith("VN/GOV/?")
    assert not set(claimed) - set("VN/GO?x.")
