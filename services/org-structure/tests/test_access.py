"""Who may call what: every route of org-structure against every role, and areas on writes."""

import httpx
from fastapi import FastAPI

from haicap_shared.access_matrix import assert_access_matrix, routes_with_rules
from haicap_shared.roles import Role
from haicap_shared.testing import NO_AUTH, TestTokens, assert_problem

AREAS = {
    Role.PROVINCE_OFFICER: {"province": "04"},
    Role.COMMUNE_OFFICER: {"province": "04", "commune": "01304"},
    Role.AGENCY_OFFICER: {"province": "04", "agency": "00000000-0000-0000-0000-0000000000a1"},
}


async def test_every_route_against_every_role(client: httpx.AsyncClient, service_app: FastAPI, test_tokens: TestTokens) -> None:
    cases = routes_with_rules(service_app)
    assert {str(c) for c in cases} >= {"GET /units", "POST /units", "PATCH /units/{unit_id}", "GET /audit-events"}
    table = await assert_access_matrix(client, cases, lambda role: test_tokens.headers(role, **AREAS.get(role, {})))
    # Spot checks of the table the matrix computed.
    assert table["GET /units"]["viewer"] == 403
    assert table["GET /units"]["commune_officer"] == 200
    assert table["GET /audit-events"]["auditor"] == 200
    assert table["GET /audit-events"]["province_officer"] == 403
    assert table["GET /healthz"]["anonymous"] == 200
    assert table["GET /tasks"]["viewer"] == 403
    assert table["GET /tasks"]["agency_officer"] == 200
    assert table["GET /tasks/findings"]["auditor"] == 422  # admitted; `as_of` is required
    assert table["POST /task-transfers/bulk"]["auditor"] == 403
    assert table["POST /tasks/{task_id}/transfers"]["service"] == 403
    assert table["POST /tasks/imports"]["commune_officer"] == 422
    assert table["GET /procedures/{code}"]["service"] == 422  # admitted; the placeholder is no procedure code
    assert table["GET /procedures"]["viewer"] == 403
    assert table["POST /procedures"]["commune_officer"] == 403
    assert table["POST /procedures/imports"]["province_officer"] == 422
    assert table["PUT /tasks/{task_id}/procedures"]["auditor"] == 403
    assert table["POST /task-feasibility/{feasibility_id}/answer"]["commune_officer"] == 403  # the province answers
    assert table["POST /tasks/{task_id}/feasibility"]["auditor"] == 403
    assert table["GET /task-feasibility/stats"]["viewer"] == 403
    assert table["GET /linked-data/context.jsonld"]["anonymous"] == 200  # a JSON-LD processor fetches it without a token
    assert table["GET /linked-data/export"]["viewer"] == 403
    assert table["GET /linked-data/export"]["commune_officer"] == 422  # admitted (the units' rule); `province` is required


async def test_a_province_officer_changes_only_their_province(
    client: httpx.AsyncClient, test_tokens: TestTokens, cao_bang
) -> None:
    thuc_phan = (await client.get("/units/by-code/01273", params={"as_of": "2026-01-01"})).json()
    elsewhere = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    at_home = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    rename = {"name": "Phường Thục Phán"}
    body = assert_problem(
        await client.patch(f"/units/{thuc_phan['id']}", json=rename, headers=elsewhere | {"If-Match": '"1"'}), 403, "outside_area"
    )
    assert "04" in body["detail"]
    response = await client.patch(f"/units/{thuc_phan['id']}", json=rename, headers=at_home | {"If-Match": '"1"'})
    assert response.status_code == 200
    events = (await client.get("/audit-events", params={"entity_id": thuc_phan["id"]})).json()["items"]
    assert [(e["actor"], e["actor_role"]) for e in events] == [
        ("system:test-import", "admin"),  # the import recorded it
        ("test-province_officer", "province_officer"),
    ]


async def test_bad_tokens_are_refused(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    assert_problem(await client.get("/units", headers=NO_AUTH), 401, "not_authenticated")
    expired = test_tokens.headers(Role.ADMIN, ttl_seconds=-60)
    assert_problem(await client.get("/units", headers=expired), 401, "token_expired")
    token = test_tokens.headers()["Authorization"]
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert_problem(await client.get("/units", headers={"Authorization": tampered}), 401, "invalid_token")
    response = await client.get("/units", headers={"Authorization": "Bearer not.a.token"})
    body = assert_problem(response, 401, "invalid_token")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert body["detail"]
