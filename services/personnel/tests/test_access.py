"""Every route against every role: nothing is open but health; viewers see nothing."""

import httpx
from fastapi import FastAPI

from haicap_shared.access_matrix import assert_access_matrix, routes_with_rules
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens

AREAS = {
    Role.PROVINCE_OFFICER: {"province": "04"},
    Role.COMMUNE_OFFICER: {"province": "04", "commune": "01010"},
    Role.AGENCY_OFFICER: {"province": "04", "agency": "00000000-0000-0000-0000-0000000000c8"},
}
SHARED_FEED_ROUTES = ("/events", "/webhook-subscriptions", "/metrics")


async def test_every_route_against_every_role(client: httpx.AsyncClient, service_app: FastAPI, test_tokens: TestTokens) -> None:
    cases = routes_with_rules(service_app)
    # NOTE: the change feed's routes (and its metrics) are the shared library's, checked there.
    assert len([c for c in cases if not c.template.startswith(SHARED_FEED_ROUTES)]) == 108
    table = await assert_access_matrix(client, cases, lambda role: test_tokens.headers(role, **AREAS.get(role, {})))
    assert table["GET /audit-events"]["anonymous"] == 401
    assert table["GET /audit-events"]["auditor"] == 200
    assert table["GET /people"]["viewer"] == 403
    assert table["GET /people"]["service"] == 200
    assert table["GET /people/{person_id}"]["commune_officer"] == 404
    assert table["POST /people"]["auditor"] == 403
    assert table["POST /people"]["service"] == 403
    assert table["POST /placements/bulk"]["agency_officer"] == 422
    assert table["GET /stats/qualifications"]["service"] == 422  # admitted; as_of is required
    assert table["GET /stats/qualifications"]["viewer"] == 403
    assert table["POST /streamlining/calculate"]["auditor"] == 422
    assert table["PATCH /streamlining-cases/{case_id}"]["auditor"] == 403
    # NOTE: the dossier: a person reads only their own (/me), verification is the province's.
    assert table["GET /people"]["staff"] == 403
    assert table["GET /people/{person_id}/history"]["staff"] == 403
    assert table["GET /dossier-changes"]["viewer"] == 403
    assert table["POST /dossier-changes/{dossier_change_id}/verify"]["commune_officer"] == 403
    assert table["POST /dossier-changes/{dossier_change_id}/verify"]["agency_officer"] == 403
    assert table["GET /evaluations"]["viewer"] == 403
    assert table["GET /national-sync/reports/overdue"]["viewer"] == 403
    assert table["GET /sync-exchanges"]["province_officer"] == 403
    assert table["PUT /calendar-days/{day}"]["province_officer"] == 403
