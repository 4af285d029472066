"""The person's own view (role staff): their dossier, their consents, the discrepancies they flag and how they are resolved."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_personnel.sync.groups import Group
from haicap_shared.access_matrix import assert_access_matrix, routes_with_rules
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import create_person, national_id
from .test_sync import FakePlatform, changes_of, lgsp_worker, verify

pytestmark = pytest.mark.asyncio


def own_consent(agency_id: object, **changes: Any) -> dict[str, Any]:
    today = date.today()
    body = {
        "grantee_agency_id": str(agency_id),
        "scope": ["identity"],
        "purpose": "Hồ sơ dự tuyển",
        "expires_on": (today + timedelta(days=30)).isoformat(),
    }
    return body | changes


async def test_the_person_reads_their_own_dossier_whole_with_their_national_id(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    number = national_id(1979, "female")
    person = await create_person(
        client, world.new_office.id, full_name="Lý Thị Tự Xem", sex="female", birth_date="1979-05-02", national_id=number
    )
    member = await client.post(
        f"/people/{person['id']}/family-members", json={"relation": "mother", "full_name": "Lý Thị Mẹ", "birth_year": 1950}
    )
    assert member.status_code == 201, member.text
    me = test_tokens.headers(Role.STAFF, person=person["id"], username="ly.thi.tu.xem")
    response = await client.get("/me/dossier", headers=me)
    assert response.status_code == 200, response.text
    dossier = response.json()
    assert dossier["groups"] == [g.value for g in Group]
    assert (dossier["person"]["full_name"], dossier["person"]["national_id"]) == ("Lý Thị Tự Xem", number)
    assert [m["full_name"] for m in dossier["family"]] == ["Lý Thị Mẹ"]
    assert (dossier["history"], dossier["consent_ids"], dossier["on_behalf_of"]) == ([], [], None)
    # Reading one's own dossier is no reveal of someone else's: nothing audited.
    log = (await client.get("/audit-events", params={"entity_type": "person", "entity_id": person["id"]})).json()["items"]
    assert [e["action"] for e in log] == ["create"]

    assert_problem(await client.get("/me/dossier", headers=test_tokens.headers(Role.STAFF)), 403, "no_person")
    stranger = test_tokens.headers(Role.STAFF, person=str(uuid.uuid4()))
    assert_problem(await client.get("/me/dossier", headers=stranger), 404, "person_not_found")
    for role in (Role.ADMIN, Role.PROVINCE_OFFICER, Role.AUDITOR, Role.VIEWER):
        assert_problem(await client.get("/me/dossier", headers=test_tokens.headers(role, province="04")), 403, "role_not_allowed")


async def test_the_person_gives_lists_and_revokes_their_own_consents(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    person = await create_person(client, world.department.id)
    other = await create_person(client, world.department.id)
    me = test_tokens.headers(Role.STAFF, person=person["id"], username="nong.van.an")
    given = await client.post("/me/consents", json=own_consent(world.new_office.id), headers=me)
    assert given.status_code == 201, given.text
    consent = given.json()
    assert (consent["person_id"], consent["recorded_by"], consent["recorded_by_role"], consent["given_on"]) == (
        person["id"],
        "nong.van.an",
        "staff",
        date.today().isoformat(),
    )
    # The person cannot name someone else (no person_id in their body).
    assert_problem(
        await client.post("/me/consents", json=own_consent(world.new_office.id, person_id=other["id"]), headers=me),
        422,
        "validation_error",
    )
    listed = (await client.get("/me/consents", headers=me)).json()
    assert [c["id"] for c in listed["items"]] == [consent["id"]]
    assert (await client.get(f"/consents/{consent['id']}", headers=me)).status_code == 200
    by_officer = (await client.get(f"/people/{person['id']}/consents")).json()
    assert [c["id"] for c in by_officer["items"]] == [consent["id"]]

    # The commune officer reads for their office, on this consent.
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    on_behalf = {"on_behalf_of": str(world.new_office.id)}
    assert (await client.get(f"/people/{person['id']}/dossier", params=on_behalf, headers=commune)).status_code == 200

    someone_else = test_tokens.headers(Role.STAFF, person=other["id"])
    assert_problem(await client.get(f"/consents/{consent['id']}", headers=someone_else), 403, "not_your_record")
    revoke = f"/consents/{consent['id']}/revoke"
    reason = {"reason": "Tôi không còn dự tuyển"}
    assert_problem(await client.post(revoke, json=reason, headers=someone_else | {"If-Match": '"1"'}), 403, "not_your_record")
    revoked = await client.post(revoke, json=reason, headers=me | {"If-Match": '"1"'})
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["revoked_by"], revoked.json()["revoked_reason"]) == ("nong.van.an", "Tôi không còn dự tuyển")
    assert_problem(
        await client.get(f"/people/{person['id']}/dossier", params=on_behalf, headers=commune), 403, "consent_required"
    )
    log = (await client.get("/audit-events", params={"entity_type": "consent", "entity_id": consent["id"]})).json()["items"]
    assert [(e["action"], e["actor_role"]) for e in log] == [
        ("create", "staff"),
        ("consent_read", "commune_officer"),
        ("revoke", "staff"),
    ]


async def test_a_discrepancy_goes_back_to_review_and_the_officers_resolve_it(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    person = await create_person(client, world.new_office.id)
    await lgsp_worker(db_connection, FakePlatform()).intake()
    (change,) = await changes_of(client, person_id=person["id"])
    assert (await verify(client, change)).status_code == 200
    me = test_tokens.headers(Role.STAFF, person=person["id"], username="nong.van.an")

    body = {"group": "family", "field": "family_members", "description": "Thiếu tên em gái"}
    unrelated = await client.post("/me/discrepancies", json=body, headers=me)
    assert unrelated.status_code == 201, unrelated.text
    assert (unrelated.json()["status"], unrelated.json()["reopened_changes"]) == ("open", 0)
    assert (await client.get(f"/dossier-changes/{change['id']}")).json()["status"] == "queued"

    body = {"group": "identity", "field": "home_town_code", "description": "Quê quán ghi sai: đúng là xã Quảng Lâm"}
    flagged = await client.post("/me/discrepancies", json=body, headers=me)
    assert flagged.status_code == 201, flagged.text
    discrepancy = flagged.json()
    assert (discrepancy["reported_by"], discrepancy["reopened_changes"], discrepancy["commune_code"]) == (
        "nong.van.an",
        1,
        "01010",
    )
    reopened = (await client.get(f"/dossier-changes/{change['id']}")).json()
    assert reopened["status"] == "pending_verification"
    assert reopened["status_reason"] == (
        "Người được quản lý báo sai sót (identity, home_town_code): Quê quán ghi sai: đúng là xã Quảng Lâm"
    )

    mine = (await client.get("/me/discrepancies", headers=me)).json()
    # NOTE: listed by id (random), not by when they were flagged.
    assert sorted(d["id"] for d in mine["items"]) == sorted([unrelated.json()["id"], discrepancy["id"]])
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    other_commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01001")
    assert len((await client.get("/discrepancies", params={"status": "open"}, headers=commune)).json()["items"]) == 2
    assert (await client.get("/discrepancies", headers=other_commune)).json()["items"] == []
    url = f"/discrepancies/{discrepancy['id']}"
    assert_problem(await client.get(url, headers=other_commune), 403, "outside_area")

    resolve = {"outcome": "corrected", "note": "Đã sửa quê quán theo giấy khai sinh"}
    assert_problem(await client.post(f"{url}/resolve", json=resolve, headers=me | {"If-Match": '"1"'}), 403, "role_not_allowed")
    assert_problem(
        await client.post(f"{url}/resolve", json=resolve | {"outcome": "open"}, headers=commune | {"If-Match": '"1"'}),
        422,
        "validation_error",
    )
    resolved = await client.post(f"{url}/resolve", json=resolve, headers=commune | {"If-Match": '"1"'})
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["status"], resolved.json()["resolved_by"]) == ("corrected", "test-commune_officer")
    assert_problem(
        await client.post(f"{url}/resolve", json=resolve, headers=commune | {"If-Match": '"2"'}),
        409,
        "discrepancy_already_resolved",
    )
    assert (await client.get(url, headers=me)).json()["resolution_note"] == "Đã sửa quê quán theo giấy khai sinh"
    log = (await client.get("/audit-events", params={"entity_type": "discrepancy", "entity_id": discrepancy["id"]})).json()
    assert [(e["action"], e["actor_role"]) for e in log["items"]] == [("create", "staff"), ("resolve", "commune_officer")]


@pytest.mark.parametrize(
    "body",
    [
        {"group": "salary", "field": "x", "description": "y"},
        {"group": "identity", "field": "", "description": "y"},
        {"group": "identity", "field": "x" * 101, "description": "y"},
        {"group": "identity", "field": "x", "description": "y" * 2001},
        {"group": "identity", "field": "x", "description": "y", "person_id": "00000000-0000-0000-0000-000000000001"},
    ],
)
async def test_a_discrepancy_is_bounded(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens, body: dict[str, Any]
) -> None:
    person = await create_person(client, world.new_office.id)
    me = test_tokens.headers(Role.STAFF, person=person["id"])
    assert_problem(await client.post("/me/discrepancies", json=body, headers=me), 422, "validation_error")


STAFF_ROUTES = {
    "GET /me/dossier",
    "GET /me/consents",
    "POST /me/consents",
    "POST /me/discrepancies",
    "GET /me/discrepancies",
    "GET /consents/{consent_id}",
    "POST /consents/{consent_id}/revoke",
    "GET /discrepancies/{discrepancy_id}",
}
"""Every route a person (role staff) is let into: their own dossier, consents and discrepancies."""


async def test_staff_is_let_into_their_own_routes_only(
    client: httpx.AsyncClient, service_app: FastAPI, test_tokens: TestTokens
) -> None:
    cases = routes_with_rules(service_app)
    admitted = {str(case) for case in cases if Role.STAFF in case.rule.roles and not case.rule.public}
    assert admitted == STAFF_ROUTES
    me_routes = {str(case) for case in cases if case.template.startswith("/me/")}
    assert {str(case) for case in cases if case.rule.roles == frozenset({Role.STAFF})} == me_routes
    # And the access matrix holds for them: every other role refused on /me, staff refused nowhere it is let in.
    mine = [case for case in cases if str(case) in STAFF_ROUTES or "/dossier" in case.template or "consents" in case.template]
    table = await assert_access_matrix(client, mine, lambda role: test_tokens.headers(role, province="04"))
    assert table["GET /me/dossier"]["staff"] == 403  # admitted, but the token names no person: no_person
    assert table["GET /people/{person_id}/dossier"]["staff"] == 403
