"""personnel's org-structure client against a stand-in of the gateway (its token URL and org-structure behind it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from haicap_personnel.org_client import OrgDirectory, default_org_client
from haicap_personnel.settings import PersonnelSettings
from haicap_shared.errors import UpstreamUnavailable
from haicap_shared.testing import GatewayStandIn, app_on_stand_in

AGENCY = uuid.UUID(int=100)
UNIT = uuid.UUID(int=11)


@pytest.fixture
def gateway() -> GatewayStandIn:
    stand_in = GatewayStandIn()
    stand_in.answer = lambda _request: httpx.Response(404, json={"code": "agency_not_found"})
    return stand_in


@pytest.fixture
async def org(gateway: GatewayStandIn) -> AsyncIterator[OrgDirectory]:
    settings = PersonnelSettings(
        database_url="sqlite+aiosqlite:///:memory:",
        gateway_url="http://gateway",
        token_url="http://gateway/api/v1/auth/token",
        client_id="personnel",
        client_secret=SecretStr("secret"),
        upstream_retries=0,
    )
    async with app_on_stand_in(settings, gateway) as app:
        yield default_org_client(app)
    # NOTE: every request to org-structure bore the token the account was issued.
    assert {request.headers["Authorization"] for request in gateway.seen} <= {"Bearer token-1"}


async def test_an_agency_is_read_as_personnel_models_it(org: OrgDirectory, gateway: GatewayStandIn) -> None:
    body = {
        "id": str(AGENCY),
        "name": "UBND Xã Một",
        "kind": "commune_office",
        "unit_id": str(UNIT),
        "level": "commune",
        "province_code": "04",
        "commune_code": "01001",
        "valid_to": "2025-06-30",
        "address": "not read by personnel",
    }
    gateway.answer = lambda _request: httpx.Response(200, json=body)
    agency = await org.agency(AGENCY)
    assert agency is not None
    assert (agency.name, agency.commune_code, str(agency.valid_to)) == ("UBND Xã Một", "01001", "2025-06-30")
    assert gateway.paths == [f"/api/v1/org/agencies/{AGENCY}"]


async def test_an_unknown_agency_or_unit_is_none(org: OrgDirectory, gateway: GatewayStandIn) -> None:
    assert await org.agency(AGENCY) is None
    assert await org.lineage(UNIT) is None
    assert gateway.paths == [f"/api/v1/org/agencies/{AGENCY}", f"/api/v1/org/units/{UNIT}/lineage"]


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refusal_of_our_account_is_503_never_the_callers_403(
    org: OrgDirectory, gateway: GatewayStandIn, status: int
) -> None:
    gateway.answer = lambda _request: httpx.Response(status, json={"code": "role_not_allowed"})
    with pytest.raises(UpstreamUnavailable) as refused:
        await org.agency(AGENCY)
    assert refused.value.status == 503
    assert refused.value.code == "upstream_unavailable"
    assert f"refused personnel's request ({status}: role_not_allowed)" in str(refused.value.detail)


async def test_org_structure_down_or_unreadable_is_503(org: OrgDirectory, gateway: GatewayStandIn) -> None:
    gateway.answer = lambda _request: httpx.Response(502, text="bad gateway")
    with pytest.raises(UpstreamUnavailable):
        await org.agency(AGENCY)
    gateway.answer = lambda _request: httpx.Response(200, json={"id": str(AGENCY)})
    with pytest.raises(UpstreamUnavailable):
        await org.agency(AGENCY)
