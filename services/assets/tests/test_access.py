"""Every route against every role: nothing is open but health; viewers see nothing here."""

import httpx
from fastapi import FastAPI

from haicap_shared.access_matrix import assert_access_matrix, routes_with_rules
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens

from .fake_org import SCHOOL

AREAS = {
    Role.PROVINCE_OFFICER: {"province": "04"},
    Role.COMMUNE_OFFICER: {"province": "04", "commune": "01304"},
    Role.AGENCY_OFFICER: {"province": "04", "agency": str(SCHOOL.id)},
}


async def test_every_route_against_every_role(client: httpx.AsyncClient, service_app: FastAPI, test_tokens: TestTokens) -> None:
    cases = routes_with_rules(service_app)
    assert {str(c) for c in cases} >= {
        "GET /assets",
        "POST /assets",
        "POST /assets/imports",
        "PATCH /assets/{asset_id}",
        "GET /assets/{asset_id}/history",
        "POST /assets/{asset_id}/allocations",
        "POST /handovers",
        "POST /dispositions/{disposition_id}/approve",
        "POST /car-norms",
        "GET /stats/summary",
        "GET /stats/car-norms",
    }
    table = await assert_access_matrix(client, cases, lambda role: test_tokens.headers(role, **AREAS.get(role, {})))
    assert table["GET /audit-events"]["anonymous"] == 401
    assert table["GET /audit-events"]["auditor"] == 200
    assert table["GET /assets"]["viewer"] == 403
    assert table["GET /assets"]["service"] == 200
    assert table["GET /stats/summary"]["service"] == 422  # admitted; `as_of` is required
    assert table["POST /assets"]["auditor"] == 403
    assert table["POST /handovers"]["commune_officer"] == 403
    assert table["POST /dispositions/{disposition_id}/approve"]["agency_officer"] == 403
    assert table["POST /dispositions/{disposition_id}/approve"]["province_officer"] == 422
    assert table["POST /car-norms"]["province_officer"] == 403
