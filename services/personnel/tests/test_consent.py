"""Consent: recorded, listed, revoked; a dossier read in the area, or on behalf of a consented agency only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from haicap_personnel.consent.schemas import years_after
from haicap_personnel.sync.groups import Group
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .career_helpers import record
from .conftest import World
from .helpers import create_person, national_id

pytestmark = pytest.mark.asyncio

COMMUNE = {"province": "04", "commune": "01010"}
"""Xã Mới's commune officer: the department's people are outside their area."""


def consent_body(person: dict[str, Any], agency_id: object, **changes: Any) -> dict[str, Any]:
    today = date.today()
    body = {
        "person_id": person["id"],
        "grantee_agency_id": str(agency_id),
        "scope": ["identity", "family"],
        "purpose": "Thẩm định hồ sơ điều động về xã Mới",
        "given_on": today.isoformat(),
        "expires_on": (today + timedelta(days=90)).isoformat(),
    }
    return body | changes


async def record_consent(client: httpx.AsyncClient, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    response = await client.post("/consents", json=body, **kwargs)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_outside_the_area_a_dossier_needs_a_consent_to_an_agency_of_the_reader(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    number = national_id(1985)
    person = await create_person(client, world.department.id, full_name="Hoàng Thị Đồng Ý", national_id=number)
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, **COMMUNE)
    url = f"/people/{person['id']}/dossier"

    refused = assert_problem(await client.get(url, headers=commune), 403, "consent_required")
    assert "Hoàng Thị Đồng Ý" not in refused["detail"]
    on_behalf = {"on_behalf_of": str(world.new_office.id)}
    assert_problem(await client.get(url, params=on_behalf, headers=commune), 403, "consent_required")
    # Not on behalf of an agency outside one's own area.
    assert_problem(await client.get(url, params={"on_behalf_of": str(world.department.id)}, headers=commune), 403, "outside_area")

    consent = await record_consent(client, consent_body(person, world.new_office.id))
    assert (consent["grantee_name"], consent["recorded_by"], consent["recorded_by_role"]) == (
        "Văn phòng HĐND và UBND Xã Mới",
        "test-admin",
        "admin",
    )
    read = await client.get(url, params=on_behalf, headers=commune)
    assert read.status_code == 200, read.text
    dossier = read.json()
    assert (dossier["groups"], dossier["consent_ids"], dossier["on_behalf_of"]) == (
        ["identity", "family"],
        [consent["id"]],
        str(world.new_office.id),
    )
    assert dossier["person"]["full_name"] == "Hoàng Thị Đồng Ý"
    assert dossier["person"]["national_id"] == "*********" + number[-3:]
    assert (dossier["family"], dossier["history"]) == ([], None)

    # Revealed on behalf: in clear, and audited as a reveal besides the consent read.
    revealed = (await client.get(url, params=on_behalf | {"reveal": "true"}, headers=commune)).json()
    assert revealed["person"]["national_id"] == number

    log = (await client.get("/audit-events", params={"entity_type": "consent", "entity_id": consent["id"]})).json()["items"]
    assert [e["action"] for e in log] == ["create", "consent_read", "consent_read"]
    assert [e["actor_role"] for e in log] == ["admin", "commune_officer", "commune_officer"]
    assert log[1]["after"] == {
        "person_id": person["id"],
        "on_behalf_of": str(world.new_office.id),
        "groups": ["identity", "family"],
        "revealed": False,
    }
    assert log[2]["after"]["revealed"] is True
    reveals = (await client.get("/audit-events", params={"entity_type": "person", "entity_id": person["id"]})).json()["items"]
    assert [e["action"] for e in reveals] == ["create", "reveal"]

    # A read in the area is whole and needs no consent; it writes no consent read.
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    whole = (await client.get(url, headers=province)).json()
    assert whole["groups"] == [g.value for g in Group]
    assert (whole["consent_ids"], whole["history"], whole["family"]) == ([], [], [])
    log = (await client.get("/audit-events", params={"entity_type": "consent", "entity_id": consent["id"]})).json()["items"]
    assert len(log) == 3


async def test_only_the_consented_groups_are_shown(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    person = await create_person(client, world.department.id)
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, **COMMUNE)
    on_behalf = {"on_behalf_of": str(world.new_office.id)}
    await record_consent(client, consent_body(person, world.new_office.id, scope=["position_salary_and_evaluation"]))
    dossier = (await client.get(f"/people/{person['id']}/dossier", params=on_behalf, headers=commune)).json()
    assert (dossier["groups"], dossier["person"], dossier["family"], dossier["history"]) == (
        ["position_salary_and_evaluation"],
        None,
        None,
        [],
    )
    # Revealing asks for what the consent does not show: nothing unmasked, no reveal recorded.
    hidden = await client.get(f"/people/{person['id']}/dossier", params=on_behalf | {"reveal": "true"}, headers=commune)
    assert hidden.json()["person"] is None
    reveals = (await client.get("/audit-events", params={"entity_type": "person", "entity_id": person["id"]})).json()["items"]
    assert [e["action"] for e in reveals] == ["create"]
    # Two consents that hold add up; `all` is every group.
    await record_consent(client, consent_body(person, world.new_office.id, scope=["all"]))
    dossier = (await client.get(f"/people/{person['id']}/dossier", params=on_behalf, headers=commune)).json()
    assert dossier["groups"] == [g.value for g in Group]
    assert len(dossier["consent_ids"]) == 2


async def test_a_revoked_or_expired_consent_lets_nobody_read(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    person = await create_person(client, world.department.id)
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, **COMMUNE)
    url = f"/people/{person['id']}/dossier"
    on_behalf = {"on_behalf_of": str(world.new_office.id)}
    old = consent_body(person, world.new_office.id, given_on="2024-01-02", expires_on="2024-12-31")
    await record_consent(client, old)
    assert_problem(await client.get(url, params=on_behalf, headers=commune), 403, "consent_required")

    consent = await record_consent(client, consent_body(person, world.new_office.id))
    assert (await client.get(url, params=on_behalf, headers=commune)).status_code == 200
    revoke_url = f"/consents/{consent['id']}/revoke"
    reason = {"reason": "Người lao động rút lại sự đồng ý"}
    assert_problem(await client.post(revoke_url, json=reason), 428, "if_match_required")
    assert_problem(await client.post(revoke_url, json=reason, headers={"If-Match": '"7"'}), 412, "stale_version")
    # An officer outside the person's area may not revoke it.
    assert_problem(await client.post(revoke_url, json=reason, headers=commune | {"If-Match": '"1"'}), 403, "outside_area")
    revoked = await client.post(revoke_url, json=reason, headers={"If-Match": '"1"'})
    assert revoked.status_code == 200, revoked.text
    assert revoked.headers["ETag"] == '"2"'
    body = revoked.json()
    assert (body["revoked_by"], body["revoked_reason"]) == ("test-admin", "Người lao động rút lại sự đồng ý")
    assert body["revoked_at"] is not None
    assert_problem(await client.post(revoke_url, json=reason, headers={"If-Match": '"2"'}), 409, "consent_already_revoked")
    assert_problem(await client.get(url, params=on_behalf, headers=commune), 403, "consent_required")

    listed = (await client.get(f"/people/{person['id']}/consents")).json()
    assert [(c["given_on"], c["revoked_reason"]) for c in sorted(listed["items"], key=lambda c: c["given_on"])] == [
        ("2024-01-02", None),
        (date.today().isoformat(), "Người lao động rút lại sự đồng ý"),
    ]
    assert_problem(await client.get(f"/people/{person['id']}/consents", headers=commune), 403, "outside_area")
    events = (await client.get("/audit-events", params={"entity_type": "consent", "entity_id": consent["id"]})).json()
    assert [e["action"] for e in events["items"]] == ["create", "consent_read", "revoke"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scope": []}, "at least 1"),
        ({"scope": ["all", "identity"]}, "stands alone"),
        ({"scope": ["identity", "identity"]}, "twice"),
        ({"scope": ["salary"]}, "scope"),
        ({"purpose": ""}, "purpose"),
        ({"expires_on": None}, "expires_on"),
        ({"given_on": "2025-03-01", "expires_on": "2025-02-28"}, "before given_on"),
        ({"given_on": "2024-02-29", "expires_on": "2029-03-01"}, "at most 5 years"),
        ({"given_on": (date.today() + timedelta(days=1)).isoformat()}, "future"),
    ],
)
async def test_a_consent_has_a_scope_a_purpose_and_expires_within_five_years(
    client: httpx.AsyncClient, world: World, changes: dict[str, Any], message: str
) -> None:
    person = await create_person(client, world.department.id)
    problem = assert_problem(
        await client.post("/consents", json=consent_body(person, world.new_office.id, **changes)), 422, "validation_error"
    )
    assert message in str(problem), problem


async def test_five_years_is_the_longest(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.department.id)
    assert years_after(date(2024, 2, 29), 5) == date(2029, 2, 28)
    body = consent_body(person, world.new_office.id, given_on="2024-02-29", expires_on="2029-02-28")
    assert (await record_consent(client, body))["expires_on"] == "2029-02-28"


async def test_a_consent_names_a_known_person_and_agency_of_the_recorders_area(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    person = await create_person(client, world.department.id)
    unknown = consent_body(person, "00000000-0000-0000-0000-00000000dead")
    assert_problem(await client.post("/consents", json=unknown), 409, "agency_not_found")
    nobody = consent_body(person, world.new_office.id, person_id="00000000-0000-0000-0000-00000000beef")
    assert_problem(await client.post("/consents", json=nobody), 409, "person_not_found")
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, **COMMUNE)
    assert_problem(
        await client.post("/consents", json=consent_body(person, world.new_office.id), headers=commune), 403, "outside_area"
    )
    auditor = test_tokens.headers(Role.AUDITOR)
    assert_problem(
        await client.post("/consents", json=consent_body(person, world.new_office.id), headers=auditor), 403, "role_not_allowed"
    )
    assert_problem(await client.get("/consents/00000000-0000-0000-0000-000000000001"), 404, "consent_not_found")
    assert_problem(await client.get("/people/00000000-0000-0000-0000-000000000001/dossier"), 404, "person_not_found")


async def test_viewers_and_staff_read_no_one_elses_dossier(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    person = await create_person(client, world.department.id)
    for headers in (test_tokens.headers(Role.VIEWER, province="04"), test_tokens.headers(Role.STAFF, person=person["id"])):
        for url in (
            f"/people/{person['id']}/dossier",
            f"/people/{person['id']}/consents",
            "/discrepancies",
            f"/people/{person['id']}",
        ):
            assert_problem(await client.get(url, headers=headers), 403, "role_not_allowed")


async def test_the_history_shows_the_lines_of_the_consented_groups(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    person = await create_person(client, world.department.id)
    event = await record(client, person["id"], "recruitment", effective_date="2025-07-01")
    evaluation = await client.post(
        "/evaluations",
        json={
            "person_id": person["id"],
            "year": 2025,
            "grade": "good",
            "evaluator": "Giám đốc Sở",
            "evaluation_date": "2025-12-20",
        },
    )
    assert evaluation.status_code == 201, evaluation.text
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, **COMMUNE)
    url = f"/people/{person['id']}/dossier"
    on_behalf = {"on_behalf_of": str(world.new_office.id)}

    whole = (await client.get(url)).json()
    assert [(e["kind"], e["record_id"]) for e in whole["history"]] == [
        ("career_event", event["id"]),
        ("evaluation", evaluation.json()["id"]),
    ]
    await record_consent(client, consent_body(person, world.new_office.id, scope=["recruitment_and_movements"]))
    movements = (await client.get(url, params=on_behalf, headers=commune)).json()
    assert [(e["kind"], e["decision"]["number"]) for e in movements["history"]] == [("career_event", "125/QĐ-UBND")]
    await record_consent(client, consent_body(person, world.new_office.id, scope=["position_salary_and_evaluation"]))
    both = (await client.get(url, params=on_behalf, headers=commune)).json()
    assert [e["kind"] for e in both["history"]] == ["career_event", "evaluation"]
    assert both["groups"] == ["recruitment_and_movements", "position_salary_and_evaluation"]
