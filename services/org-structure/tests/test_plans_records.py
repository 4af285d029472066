"""What plans read of personnel and assets, against a stand-in of the gateway (its token URL and the services behind it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from haicap_org_structure.plans.models import LinkKind
from haicap_org_structure.plans.records import RecordsDirectory, default_records_client
from haicap_org_structure.settings import OrgSettings
from haicap_shared.errors import UpstreamUnavailable
from haicap_shared.testing import GatewayStandIn, app_on_stand_in

TARGET = uuid.UUID(int=7)


@pytest.fixture
def gateway() -> GatewayStandIn:
    return GatewayStandIn()


@pytest.fixture
async def records(gateway: GatewayStandIn) -> AsyncIterator[RecordsDirectory]:
    settings = OrgSettings(
        database_url="sqlite+aiosqlite:///:memory:",
        gateway_url="http://gateway",
        token_url="http://gateway/api/v1/auth/token",
        client_id="org-structure",
        client_secret=SecretStr("secret"),
        upstream_retries=0,
    )
    async with app_on_stand_in(settings, gateway) as app:
        yield default_records_client(app)
    # NOTE: every request bore a token org-structure's account was issued (one for each service read).
    assert all(request.headers["Authorization"].startswith("Bearer token-") for request in gateway.seen)


async def test_each_link_is_read_where_it_lives(records: RecordsDirectory, gateway: GatewayStandIn) -> None:
    gateway.answer = lambda request: httpx.Response(200, json={"id": str(TARGET)})
    for kind in (LinkKind.POSITION, LinkKind.PLACEMENT, LinkKind.ASSET, LinkKind.DISPOSITION):
        assert await records.exists(kind, TARGET)
    assert gateway.paths == [
        f"/api/v1/personnel/positions/{TARGET}",
        f"/api/v1/personnel/placements/{TARGET}",
        f"/api/v1/assets/assets/{TARGET}",
        f"/api/v1/assets/dispositions/{TARGET}",
    ]
    gateway.answer = lambda request: httpx.Response(404, json={"code": "asset_not_found"})
    assert not await records.exists(LinkKind.ASSET, TARGET)


async def test_a_placement_is_read_as_plans_model_it(records: RecordsDirectory, gateway: GatewayStandIn) -> None:
    person, agency = uuid.uuid4(), uuid.uuid4()
    body = {"id": str(TARGET), "person_id": str(person), "agency_id": str(agency), "valid_from": "2025-07-01", "valid_to": None}
    gateway.answer = lambda request: httpx.Response(200, json=body | {"suitability": "suitable"})
    placement = await records.placement(TARGET)
    assert placement is not None
    assert (placement.person_id, placement.agency_id, str(placement.valid_from)) == (person, agency, "2025-07-01")
    gateway.answer = lambda request: httpx.Response(404, json={"code": "placement_not_found"})
    assert await records.placement(TARGET) is None


async def test_a_service_down_is_503_naming_it(records: RecordsDirectory, gateway: GatewayStandIn) -> None:
    gateway.answer = lambda request: httpx.Response(502, json={"code": "upstream_unavailable"})
    with pytest.raises(UpstreamUnavailable) as down:
        await records.exists(LinkKind.DISPOSITION, TARGET)
    assert down.value.service == "assets"
    gateway.answer = lambda request: httpx.Response(403, json={"code": "role_not_allowed"})
    with pytest.raises(UpstreamUnavailable) as refused:
        await records.placement(TARGET)
    assert refused.value.service == "personnel"
