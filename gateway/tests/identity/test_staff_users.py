"""Staff users: a person reading their own dossier, named by their id in personnel, carried in the token."""

import uuid
from pathlib import Path

import httpx
import pytest

from haicap_gateway.cli import MIGRATIONS
from haicap_gateway.identity import commands
from haicap_shared.migrations import upgrade_to_head
from haicap_shared.roles import Role
from haicap_shared.testing import assert_problem

USERS = "/api/v1/auth/users"
PERSON = "6f1c1f5e-8a55-4c4e-9d55-2f6f3c1b0a11"


def _body(**fields: object) -> dict:
    return {
        "username": "nong.van.c",
        "display_name": "Nông Văn C",
        "password": "mat-khau-dung-1",
        "role": "staff",
        "area": {"person": PERSON},
    } | fields


@pytest.mark.parametrize(
    "area",
    [{}, {"province": "04"}, {"person": PERSON, "province": "04"}, {"person": "not-an-id"}, {"person": PERSON, "national": True}],
)
async def test_a_staff_user_needs_their_person_and_nothing_else(gateway: httpx.AsyncClient, admin, area: dict) -> None:
    assert_problem(await gateway.post(USERS, json=_body(area=area), headers=admin), 422, "validation_error")


async def test_only_a_staff_user_has_a_person(gateway: httpx.AsyncClient, admin) -> None:
    body = _body(role="province_officer", area={"province": "04", "person": PERSON})
    assert_problem(await gateway.post(USERS, json=body, headers=admin), 422, "validation_error")


async def test_the_token_names_the_person(gateway: httpx.AsyncClient, admin, sign_in) -> None:
    created = await gateway.post(USERS, json=_body(), headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["area"] == {"province": None, "commune": None, "agency": None, "person": PERSON, "national": False}
    token = (await sign_in("nong.van.c", "mat-khau-dung-1")).json()["access_token"]
    me = (await gateway.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert (me["role"], me["area"]["person"]) == ("staff", PERSON)
    # A staff user reads no user of the gateway.
    assert_problem(await gateway.get(USERS, headers={"Authorization": f"Bearer {token}"}), 403, "role_not_allowed")


async def test_a_new_person_ends_the_sessions_and_a_role_change_needs_an_area(gateway: httpx.AsyncClient, admin, sign_in) -> None:
    created = (await gateway.post(USERS, json=_body(), headers=admin)).json()
    url = f"{USERS}/{created['id']}"
    other = str(uuid.uuid4())
    moved = await gateway.patch(url, json={"area": {"person": other}}, headers=admin | {"If-Match": '"1"'})
    assert moved.status_code == 200, moved.text
    assert moved.json()["area"]["person"] == other
    # An officer has no person: the role and an area that fits it come together.
    refused = await gateway.patch(url, json={"role": "province_officer"}, headers=admin | {"If-Match": '"2"'})
    assert_problem(refused, 422, "area_invalid_for_role")
    promoted = await gateway.patch(
        url, json={"role": "province_officer", "area": {"province": "04"}}, headers=admin | {"If-Match": '"2"'}
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["area"] == {"province": "04", "commune": None, "agency": None, "person": None, "national": False}


async def test_the_demo_staff_user_comes_once_the_demo_person_is_known(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_to_head(MIGRATIONS, url)
    first = await commands.create_demo_users(url, "04", "01304", "demo-agency-04", public_base_url="https://haicap.example")
    assert Role.STAFF not in {u.role for u in first}
    assert len(first) == 6
    person = uuid.UUID(PERSON)
    again = await commands.create_demo_users(
        url, "04", "01304", "demo-agency-04", public_base_url="https://haicap.example", staff_person=person
    )
    assert [u.username for u in again if u.password] == ["demo04-staff"]
    staff = next(u for u in again if u.role is Role.STAFF)
    assert staff.as_json()["area"] == {"person": PERSON}
    assert staff.area_text() == f"person {PERSON}"
