"""org-structure's procedure catalogue as a service reads it: on the day asked, a 404 as none, a failure as 503."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from pydantic import SecretStr

from haicap_shared.errors import UpstreamUnavailable
from haicap_shared.procedures.catalogue import OrgProcedureCatalogue, org_procedure_catalogue
from haicap_shared.procedures.service import ProcedureFacts
from haicap_shared.settings import ProcessSettings
from haicap_shared.testing import GatewayStandIn, app_on_stand_in

APPRAISAL = {
    "code": "1.005432",
    "name": "Thẩm định, phê duyệt vị trí việc làm",
    "sector": "Tổ chức - Biên chế",
    "level": "province",
    "processing_days": 15,
    "agency_in_charge": "Sở Nội vụ",
    "basis": "Nghị định 62/2020/NĐ-CP",
    "valid_from": "2025-07-01",
    "valid_to": None,
    "levels": [],
    "task_ids": [],
    "version": 3,
}


@pytest.fixture
def stand_in() -> GatewayStandIn:
    stand_in = GatewayStandIn()
    stand_in.answer = lambda request: httpx.Response(200, json=APPRAISAL)
    return stand_in


@pytest.fixture
async def catalogue(stand_in: GatewayStandIn) -> AsyncIterator[OrgProcedureCatalogue]:
    settings = ProcessSettings(
        service_name="personnel",
        gateway_url="http://gateway/",
        token_url="http://gateway/api/v1/auth/token",
        client_id="personnel",
        client_secret=SecretStr("secret"),
        upstream_retries=1,
    )
    async with app_on_stand_in(settings, stand_in) as app:
        built = org_procedure_catalogue(app)
        assert isinstance(built, OrgProcedureCatalogue)
        built.reader.client.backoff_seconds = 0
        yield built


async def test_a_procedure_is_read_on_the_day_asked(catalogue: OrgProcedureCatalogue, stand_in: GatewayStandIn) -> None:
    facts = await catalogue.procedure("1.005432", date(2026, 4, 24))
    assert facts == ProcedureFacts.model_validate(APPRAISAL)
    assert str(stand_in.seen[0].url) == "http://gateway/api/v1/org/procedures/1.005432?as_of=2026-04-24"
    assert stand_in.seen[0].headers["authorization"] == "Bearer token-1"


async def test_none_in_force_is_none_and_a_failure_is_503(catalogue: OrgProcedureCatalogue, stand_in: GatewayStandIn) -> None:
    stand_in.answer = lambda request: httpx.Response(404, json={"code": "procedure_not_found", "status": 404})
    assert await catalogue.procedure("1.005432", date(2025, 6, 30)) is None
    stand_in.answer = lambda request: httpx.Response(500, json={"code": "internal_error", "status": 500})
    with pytest.raises(UpstreamUnavailable):
        await catalogue.procedure("1.005432", date(2026, 4, 24))
