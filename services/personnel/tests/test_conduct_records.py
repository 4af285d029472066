"""Commendations and disciplines: forms from their code lists, decisions, the end of effect, area, history, events."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from haicap_personnel.conduct import service as conduct_service
from haicap_personnel.conduct.service import add_months, default_effect_end
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import create_person


def _decision(day: str = "2025-03-10", number: str = "12/QĐ-UBND") -> dict[str, str]:
    return {"number": number, "date": day, "signer": "Chủ tịch UBND tỉnh", "issuer": "Ủy ban nhân dân tỉnh Cao Bằng"}


def _commendation(person_id: str, **changes: Any) -> dict[str, Any]:
    body = {
        "person_id": person_id,
        "form_code": "bang-khen-bo-tinh",
        "decision": _decision(),
        "reason": "Hoàn thành xuất sắc nhiệm vụ năm 2024",
    }
    return body | changes


def _discipline(person_id: str, **changes: Any) -> dict[str, Any]:
    body = {
        "person_id": person_id,
        "form_code": "khien-trach",
        "decision": _decision("2025-04-01", "30/QĐ-UBND"),
        "reason": "Vi phạm quy định về giờ làm việc",
    }
    return body | changes


def test_the_default_end_of_effect() -> None:
    assert default_effect_end("khien-trach", date(2025, 4, 1)) == date(2026, 3, 31)
    assert default_effect_end("canh-cao", date(2025, 4, 1)) == date(2026, 3, 31)
    assert default_effect_end("ha-bac-luong", date(2025, 4, 1)) == date(2026, 9, 30)
    assert default_effect_end("giang-chuc", date(2024, 8, 31)) == date(2026, 2, 27)
    assert default_effect_end("cach-chuc", date(2024, 2, 29)) == date(2025, 8, 28)
    assert default_effect_end("buoc-thoi-viec", date(2025, 4, 1)) is None
    assert default_effect_end("bai-nhiem", date(2025, 4, 1)) is None
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)


async def test_a_commendation_rests_on_its_form_and_decision(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.new_office.id)
    created = await client.post("/commendations", json=_commendation(person["id"]))
    assert created.status_code == 201, created.text
    body = created.json()
    assert (created.headers["ETag"], created.headers["Location"]) == ('"1"', f"commendations/{body['id']}")
    assert body["decision"] == _decision()
    assert (body["form_code"], body["province_code"], body["commune_code"]) == ("bang-khen-bo-tinh", "04", "01010")
    got = await client.get(f"/commendations/{body['id']}")
    assert (got.headers["ETag"], got.json()) == ('"1"', body)
    unknown = await client.post("/commendations", json=_commendation(person["id"], form_code="huy-chuong-vang"))
    assert_problem(unknown, 422, "unknown_code")
    future = await client.post("/commendations", json=_commendation(person["id"], decision=_decision("2099-01-01")))
    assert_problem(future, 422, "decision_in_future")
    url = f"/commendations/{body['id']}"
    changed = await client.patch(
        url, json={"form_code": "giay-khen", "decision": _decision("2025-03-12", "13/QĐ-UBND")}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.headers["ETag"], changed.json()["form_code"], changed.json()["decision"]["number"]) == (
        '"2"',
        "giay-khen",
        "13/QĐ-UBND",
    )
    assert_problem(await client.patch(url, json={"form_code": "x"}, headers={"If-Match": '"1"'}), 412, "stale_version")
    assert_problem(await client.patch(url, json={"form_code": "nope"}, headers={"If-Match": '"2"'}), 422, "unknown_code")
    listed = (await client.get("/commendations", params={"person_id": person["id"]})).json()["items"]
    assert [c["form_code"] for c in listed] == ["giay-khen"]
    assert (await client.get("/commendations", params={"form_code": "bang-khen-bo-tinh"})).json()["items"] == []


async def test_a_discipline_ends_by_its_form(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.new_office.id)
    reprimand = await client.post("/disciplines", json=_discipline(person["id"]))
    assert reprimand.status_code == 201, reprimand.text
    body = reprimand.json()
    assert (body["effective_date"], body["effect_end_date"]) == ("2025-04-01", "2026-03-31")
    demotion = await client.post(
        "/disciplines", json=_discipline(person["id"], form_code="ha-bac-luong", effective_date="2025-05-01")
    )
    assert (demotion.json()["effective_date"], demotion.json()["effect_end_date"]) == ("2025-05-01", "2026-10-31")
    explicit = await client.post("/disciplines", json=_discipline(person["id"], effect_end_date="2025-10-01"))
    assert explicit.json()["effect_end_date"] == "2025-10-01"
    dismissal = await client.post("/disciplines", json=_discipline(person["id"], form_code="buoc-thoi-viec"))
    assert dismissal.json()["effect_end_date"] is None
    assert_problem(
        await client.post("/disciplines", json=_discipline(person["id"], effect_end_date="2025-03-01")),
        422,
        "effect_end_before_start",
    )
    # Bãi nhiệm is for cadres (elected), not for a civil servant.
    assert_problem(
        await client.post("/disciplines", json=_discipline(person["id"], form_code="bai-nhiem")),
        409,
        "discipline_form_not_for_category",
    )
    employee = await create_person(client, world.new_office.id, category="public_employee")
    assert_problem(
        await client.post("/disciplines", json=_discipline(employee["id"], form_code="giang-chuc")),
        409,
        "discipline_form_not_for_category",
    )
    assert_problem(await client.post("/disciplines", json=_discipline(person["id"], form_code="phat-tien")), 422, "unknown_code")

    in_effect = (await client.get("/disciplines", params={"person_id": person["id"], "in_effect_on": "2026-03-31"})).json()[
        "items"
    ]
    # NOTE: by the day they took effect, then by id (the reprimand and the dismissal share a day).
    assert sorted(d["form_code"] for d in in_effect) == ["buoc-thoi-viec", "ha-bac-luong", "khien-trach"]
    assert in_effect[-1]["form_code"] == "ha-bac-luong"
    later = (await client.get("/disciplines", params={"person_id": person["id"], "in_effect_on": "2026-04-01"})).json()
    assert [d["form_code"] for d in later["items"]] == ["buoc-thoi-viec", "ha-bac-luong"]
    after = (await client.get("/disciplines", params={"person_id": person["id"], "in_effect_on": "2026-11-01"})).json()
    assert [d["form_code"] for d in after["items"]] == ["buoc-thoi-viec"]

    url = f"/disciplines/{body['id']}"
    changed = await client.patch(url, json={"form_code": "canh-cao", "effective_date": "2025-06-01"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["form_code"], changed.json()["effect_end_date"]) == ("canh-cao", "2026-05-31")
    ended = await client.patch(url, json={"effect_end_date": "2025-12-31"}, headers={"If-Match": '"2"'})
    assert ended.status_code == 200, ended.text
    assert (ended.headers["ETag"], ended.json()["effect_end_date"]) == ('"3"', "2025-12-31")
    assert_problem(await client.get("/disciplines/00000000-0000-0000-0000-000000000999"), 404, "discipline_not_found")


async def test_area_and_roles(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    theirs = await create_person(client, world.department.id)
    mine = await create_person(client, world.new_office.id)
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    assert_problem(await client.post("/commendations", json=_commendation(theirs["id"]), headers=commune), 403, "outside_area")
    assert_problem(await client.post("/disciplines", json=_discipline(theirs["id"]), headers=commune), 403, "outside_area")
    their_record = (await client.post("/disciplines", json=_discipline(theirs["id"]))).json()
    assert (await client.post("/disciplines", json=_discipline(mine["id"]), headers=commune)).status_code == 201
    seen = (await client.get("/disciplines", headers=commune)).json()["items"]
    assert [d["person_id"] for d in seen] == [mine["id"]]
    assert_problem(await client.get(f"/disciplines/{their_record['id']}", headers=commune), 403, "outside_area")
    viewer = test_tokens.headers(Role.VIEWER, province="04")
    assert (await client.get("/commendations", headers=viewer)).status_code == 403
    assert (await client.post("/commendations", json=_commendation(mine["id"]), headers=viewer)).status_code == 403


async def test_history_entries(client: httpx.AsyncClient, world: World, db_connection: AsyncConnection) -> None:
    person = await create_person(client, world.new_office.id)
    evaluation = {
        "person_id": person["id"],
        "year": 2024,
        "grade": "excellent",
        "evaluator": "Chủ tịch UBND xã",
        "evaluation_date": "2024-12-20",
    }
    assert (await client.post("/evaluations", json=evaluation)).status_code == 201
    assert (await client.post("/commendations", json=_commendation(person["id"]))).status_code == 201
    assert (await client.post("/disciplines", json=_discipline(person["id"]))).status_code == 201
    async with AsyncSession(bind=db_connection) as session:
        entries = await conduct_service.history_entries(session, uuid.UUID(person["id"]))
    assert [(str(e.on), e.kind, e.type, e.title) for e in entries] == [
        ("2024-12-31", "evaluation", "excellent", "Đánh giá, xếp loại năm 2024: Hoàn thành xuất sắc nhiệm vụ"),
        ("2025-03-10", "commendation", "bang-khen-bo-tinh", "Khen thưởng: Bằng khen cấp bộ, ban, ngành, tỉnh"),
        ("2025-04-01", "discipline", "khien-trach", "Kỷ luật: Khiển trách (hiệu lực đến 31/03/2026)"),
    ]
    assert entries[1].decision is not None
    assert entries[1].decision.number == "12/QĐ-UBND"
    assert entries[0].decision is None
    assert [e.path for e in entries] == [f"/api/v1/personnel/{e.kind}s/{e.record_id}" for e in entries]
