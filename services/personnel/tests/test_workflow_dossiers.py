"""The procedure workflows carry their dossier: each status change of the record is a step of it, in the same transaction.

A job position's appraisal and approval, a streamlining case and a commendation proposal, each
end to end over HTTP: the dossier's steps follow the record's transitions with the statuses and
due dates the user expects, a record without a dossier goes on as before, and what cannot be
opened or linked is refused (409 with its code) without changing the record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from haicap_personnel.app import create_app
from haicap_personnel.settings import PersonnelSettings
from haicap_shared.procedures.service import ProcedureFacts
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem
from haicap_shared.workdays import WorkingCalendar, local_date

from .conftest import World
from .helpers import create_person

POSITIONS = ProcedureFacts(
    code="1.005384",
    name="Thẩm định, phê duyệt danh mục vị trí việc làm",
    sector="Tổ chức cán bộ",
    level="province",
    processing_days=15,
)
STREAMLINING = ProcedureFacts(
    code="1.009351", name="Phê duyệt tinh giản biên chế", sector="Tổ chức cán bộ", level="province", processing_days=20
)
COMMENDATIONS = ProcedureFacts(
    code="1.000775", name="Tặng Bằng khen của Chủ tịch UBND tỉnh", sector="Thi đua, khen thưởng", level="province",
    processing_days=20,
)  # fmt: skip
RECEIVED_AT = "2026-04-24T09:30:00+07:00"
"""A Friday before the 30 April and 1 May holidays: the due date counts past them."""

GOLDEN = {"birth_date": "1966-01-15", "salary_coefficient": "4.65", "social_insurance_start_date": "2003-05-01"}


class FakeCatalogue:
    """org-structure's procedure catalogue as the tests set it."""

    def __init__(self) -> None:
        self.procedures = {p.code: p for p in (POSITIONS, STREAMLINING, COMMENDATIONS)}

    async def procedure(self, code: str, as_of: date) -> ProcedureFacts | None:
        return self.procedures.get(code)


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens, world: World) -> FastAPI:
    catalogue = FakeCatalogue()
    return create_app(
        PersonnelSettings(database_url=db_url, jwks=test_tokens.jwks_json),
        org_client_factory=lambda _app: world,
        procedure_catalogue_factory=lambda _app: catalogue,
    )


def _intake(procedure: ProcedureFacts, serial: int, **changes: Any) -> dict[str, Any]:
    return {
        "procedure_code": procedure.code,
        "dossier_code": f"000.00.04.H12-260424-{serial:04d}",
        "received_at": RECEIVED_AT,
    } | changes


def _due(procedure: ProcedureFacts) -> str:
    """The due date the dossier of ``procedure`` received at RECEIVED_AT has: its working days later, holidays skipped."""
    received_on = local_date(datetime.fromisoformat(RECEIVED_AT))
    return WorkingCalendar().add_working_days(received_on, procedure.processing_days).isoformat()


async def _dossier(client: httpx.AsyncClient, dossier_id: str) -> dict[str, Any]:
    response = await client.get(f"/procedure-dossiers/{dossier_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _steps(dossier: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [(s["status"], s["due_date"], s["note"]) for s in dossier["steps"]]


async def _position(client: httpx.AsyncClient, agency_id: Any, title: str = "Chuyên viên tổ chức") -> dict[str, Any]:
    response = await client.post("/positions", json={"agency_id": str(agency_id), "title": title, "group": "professional"})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["procedure_dossier"] is None
    return body


async def _move(
    client: httpx.AsyncClient, position: dict[str, Any], headers: dict[str, str], action: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/positions/{position['id']}/transitions",
        json={"action": action} | extra,
        headers=headers | {"If-Match": f'"{position["version"]}"'},
    )


async def _moved(
    client: httpx.AsyncClient, position: dict[str, Any], headers: dict[str, str], action: str, **extra: Any
) -> dict[str, Any]:
    response = await _move(client, position, headers, action, **extra)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_positions_dossier_follows_its_appraisal_and_approval(
    client: httpx.AsyncClient, test_tokens: TestTokens, world: World
) -> None:
    admin, province = test_tokens.headers(Role.ADMIN), test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    position = await _position(client, world.new_office.id)
    position = await _moved(client, position, admin, "submit", procedure=_intake(POSITIONS, 1, applicant="UBND Xã Mới"))
    summary = position["procedure_dossier"]
    due = _due(POSITIONS)
    assert (summary["status"], summary["procedure_code"], summary["procedure_name"]) == (
        "received",
        POSITIONS.code,
        POSITIONS.name,
    )
    assert (summary["due_date"], summary["dossier_code"], summary["finished_at"]) == (due, "000.00.04.H12-260424-0001", None)
    dossier = await _dossier(client, summary["id"])
    # The dossier lies where the position does, and names it as its subject.
    assert (dossier["subject_kind"], dossier["subject_id"]) == ("position", position["id"])
    assert (dossier["province_code"], dossier["commune_code"], dossier["agency_id"]) == (
        position["province_code"],
        position["commune_code"],
        position["agency_id"],
    )
    position = await _moved(client, position, province, "appraise")
    assert position["procedure_dossier"]["status"] == "in_process"
    position = await _moved(client, position, admin, "approve")
    assert (position["status"], position["procedure_dossier"]["status"]) == ("approved", "done")
    assert position["procedure_dossier"]["finished_at"] is not None
    dossier = await _dossier(client, summary["id"])
    assert _steps(dossier) == [("received", due, None), ("in_process", due, None), ("done", due, None)]
    assert [s["push_status"] for s in dossier["steps"]] == ["queued"] * 3
    # Every read of the position shows the same summary.
    got = (await client.get(f"/positions/{position['id']}")).json()
    listed = (await client.get("/positions", params={"agency_id": str(world.new_office.id)})).json()["items"]
    assert got["procedure_dossier"] == position["procedure_dossier"] == listed[0]["procedure_dossier"]


async def test_a_returned_position_returns_its_dossier_and_goes_on_without_it(
    client: httpx.AsyncClient, test_tokens: TestTokens, world: World
) -> None:
    admin, province = test_tokens.headers(Role.ADMIN), test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    position = await _position(client, world.department.id)
    position = await _moved(client, position, admin, "submit", procedure=_intake(POSITIONS, 2))
    reason = "Thiếu bản mô tả công việc"
    position = await _moved(client, position, province, "return", reason=reason)
    assert (position["status"], position["procedure_dossier"]["status"]) == ("returned", "returned")
    dossier_id = position["procedure_dossier"]["id"]
    # Submitted again without a new dossier code: the returned dossier stays as it was.
    position = await _moved(client, position, admin, "submit")
    position = await _moved(client, position, province, "appraise")
    assert (position["status"], position["procedure_dossier"]["id"]) == ("appraised", dossier_id)
    assert _steps(await _dossier(client, dossier_id)) == [
        ("received", _due(POSITIONS), None),
        ("returned", _due(POSITIONS), reason),
    ]


async def test_a_position_submitted_again_under_a_new_dossier_shows_the_new_one(
    client: httpx.AsyncClient, test_tokens: TestTokens, world: World
) -> None:
    admin, province = test_tokens.headers(Role.ADMIN), test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    position = await _position(client, world.department.id)
    position = await _moved(client, position, admin, "submit", procedure=_intake(POSITIONS, 8))
    first = position["procedure_dossier"]["id"]
    position = await _moved(client, position, province, "return", reason="Thiếu khung năng lực")
    later = "2026-05-04T08:00:00+07:00"
    position = await _moved(client, position, admin, "submit", procedure=_intake(POSITIONS, 9, received_at=later))
    second = position["procedure_dossier"]
    assert second["id"] != first
    assert (second["status"], second["dossier_code"], second["received_at"][:10]) == (
        "received",
        "000.00.04.H12-260424-0009",
        "2026-05-04",
    )
    position = await _moved(client, position, province, "appraise")
    listed = (await client.get("/positions", params={"agency_id": str(world.department.id)})).json()["items"]
    assert [p["procedure_dossier"]["id"] for p in listed] == [second["id"]]
    assert listed[0]["procedure_dossier"]["status"] == "in_process"
    assert (await _dossier(client, first))["status"] == "returned"


async def test_a_position_without_a_procedure_moves_as_before(
    client: httpx.AsyncClient, test_tokens: TestTokens, world: World
) -> None:
    admin, province = test_tokens.headers(Role.ADMIN), test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    position = await _position(client, world.department.id)
    for action, headers in (("submit", admin), ("appraise", province), ("approve", admin)):
        position = await _moved(client, position, headers, action)
        assert position["procedure_dossier"] is None
    assert position["status"] == "approved"
    assert (await client.get("/procedure-dossiers")).json()["items"] == []


async def test_a_dossier_that_cannot_be_opened_leaves_the_position_drafting(
    client: httpx.AsyncClient, test_tokens: TestTokens, world: World
) -> None:
    admin = test_tokens.headers(Role.ADMIN)
    position = await _position(client, world.department.id)
    unknown = _intake(POSITIONS, 3, procedure_code="1.999999")
    assert_problem(await _move(client, position, admin, "submit", procedure=unknown), 409, "procedure_not_found")
    other = await _position(client, world.new_office.id, "Chuyên viên văn thư")
    await _moved(client, other, admin, "submit", procedure=_intake(POSITIONS, 4))
    taken = await _move(client, position, admin, "submit", procedure=_intake(POSITIONS, 4))
    assert_problem(taken, 409, "dossier_code_taken")
    got = (await client.get(f"/positions/{position['id']}")).json()
    assert (got["status"], got["version"], got["procedure_dossier"]) == ("drafting", position["version"], None)
    history = (await client.get(f"/positions/{position['id']}/history")).json()["items"]
    assert [e["action"] for e in history] == ["create"]
    # A procedure goes with the submission only.
    position = await _moved(client, position, admin, "submit")
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    late = await _move(client, position, province, "appraise", procedure=_intake(POSITIONS, 5))
    assert_problem(late, 422, "validation_error")


async def test_a_positions_dossier_is_read_in_the_positions_area_only(
    client: httpx.AsyncClient, test_tokens: TestTokens, world: World
) -> None:
    position = await _position(client, world.new_office.id)
    position = await _moved(client, position, test_tokens.headers(Role.ADMIN), "submit", procedure=_intake(POSITIONS, 6))
    dossier_id = position["procedure_dossier"]["id"]
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune=world.new.code)
    elsewhere = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune=world.former[0].code)
    assert (await client.get(f"/procedure-dossiers/{dossier_id}", headers=commune)).status_code == 200
    assert (await client.get(f"/positions/{position['id']}", headers=commune)).json()["procedure_dossier"]["id"] == dossier_id
    assert (await client.get(f"/procedure-dossiers/{dossier_id}", headers=elsewhere)).status_code in (403, 404)


async def test_the_change_feed_shows_the_positions_dossier_as_its_get_does(
    client: httpx.AsyncClient, test_tokens: TestTokens, world: World
) -> None:
    position = await _position(client, world.department.id)
    position = await _moved(client, position, test_tokens.headers(Role.ADMIN), "submit", procedure=_intake(POSITIONS, 7))
    events = (await client.get("/events", params={"after": 0, "limit": 1000})).json()["events"]
    submitted = [e for e in events if e["type"].endswith(".job_position.submitted")]
    assert submitted[-1]["data"]["record"]["procedure_dossier"] == position["procedure_dossier"]
    assert "procedure_dossier" in submitted[-1]["data"]["changed_fields"]
    opened = [e for e in events if e["partitionkey"] == position["procedure_dossier"]["id"]]
    assert len(opened) == 1


async def test_a_streamlining_cases_dossier_is_done_when_approved_and_returned_when_withdrawn(
    client: httpx.AsyncClient, test_tokens: TestTokens, world: World
) -> None:
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    body = {"policy": "early_retirement", "leave_date": "2025-07-01", "decision_date": "2025-06-16"}
    first = await create_person(client, world.department.id, **GOLDEN)
    created = await client.post(
        "/streamlining-cases", json=body | {"person_id": first["id"], "procedure": _intake(STREAMLINING, 11)}
    )
    assert created.status_code == 201, created.text
    case = created.json()
    due = _due(STREAMLINING)
    assert (case["procedure_dossier"]["status"], case["procedure_dossier"]["due_date"]) == ("received", due)
    for action, status in (("approve", "done"), ("pay", "done")):
        response = await client.post(
            f"/streamlining-cases/{case['id']}/transitions",
            json={"action": action, "note": "Quyết định 88/QĐ-UBND"},
            headers=province | {"If-Match": f'"{case["version"]}"'},
        )
        assert response.status_code == 200, response.text
        case = response.json()
        assert case["procedure_dossier"]["status"] == status
    # Paying makes no step: the dossier was done when the case was approved.
    dossier = await _dossier(client, case["procedure_dossier"]["id"])
    assert _steps(dossier) == [("received", due, None), ("done", due, "Quyết định 88/QĐ-UBND")]
    assert (dossier["subject_kind"], dossier["subject_id"]) == ("streamlining_case", case["id"])

    second = await create_person(client, world.department.id, **GOLDEN)
    withdrawn = (
        await client.post("/streamlining-cases", json=body | {"person_id": second["id"], "procedure": _intake(STREAMLINING, 12)})
    ).json()
    response = await client.post(
        f"/streamlining-cases/{withdrawn['id']}/transitions",
        json={"action": "withdraw", "note": "Đơn vị rút đề nghị"},
        headers={"If-Match": f'"{withdrawn["version"]}"'},
    )
    assert response.json()["procedure_dossier"]["status"] == "returned"
    listed = (await client.get("/streamlining-cases", params={"person_id": second["id"]})).json()["items"]
    assert listed[0]["procedure_dossier"] == response.json()["procedure_dossier"]

    third = await create_person(client, world.department.id, **GOLDEN)
    plain = (await client.post("/streamlining-cases", json=body | {"person_id": third["id"]})).json()
    assert plain["procedure_dossier"] is None
    taken = body | {"person_id": third["id"], "procedure": _intake(STREAMLINING, 12)}
    assert_problem(await client.post("/streamlining-cases", json=taken), 409, "case_exists")
    fourth = await create_person(client, world.department.id, **GOLDEN)
    taken["person_id"] = fourth["id"]
    assert_problem(await client.post("/streamlining-cases", json=taken), 409, "dossier_code_taken")
    unknown = body | {"person_id": fourth["id"], "procedure": _intake(STREAMLINING, 13, procedure_code="1.999999")}
    assert_problem(await client.post("/streamlining-cases", json=unknown), 409, "procedure_not_found")
    assert (await client.get("/streamlining-cases", params={"person_id": fourth["id"]})).json()["items"] == []


async def _proposal(client: httpx.AsyncClient, serial: int, headers: dict[str, str] | None = None, **area: Any) -> dict[str, Any]:
    body = _intake(COMMENDATIONS, serial) | {"subject_kind": "commendation_proposal", "province_code": "04"} | area
    response = await client.post("/procedure-dossiers", json=body, headers=headers)
    assert response.status_code == 201, response.text
    proposal: dict[str, Any] = response.json()
    return proposal


def _commendation(person_id: str, **changes: Any) -> dict[str, Any]:
    decision = {"number": "125/QĐ-UBND", "date": "2025-03-10", "signer": "Chủ tịch UBND tỉnh", "issuer": "UBND tỉnh Cao Bằng"}
    body = {"person_id": person_id, "form_code": "bang-khen-bo-tinh", "decision": decision, "reason": "Hoàn thành xuất sắc"}
    return body | changes


async def test_a_commendation_finishes_its_proposals_dossier(
    client: httpx.AsyncClient, test_tokens: TestTokens, world: World
) -> None:
    person = await create_person(client, world.new_office.id)
    proposal = await _proposal(client, 21, commune_code=world.new.code, agency_id=str(world.new_office.id))
    created = await client.post("/commendations", json=_commendation(person["id"], procedure_dossier_id=proposal["id"]))
    assert created.status_code == 201, created.text
    commendation = created.json()
    summary = commendation["procedure_dossier"]
    assert (summary["id"], summary["status"], summary["due_date"]) == (proposal["id"], "done", _due(COMMENDATIONS))
    dossier = await _dossier(client, proposal["id"])
    assert (dossier["subject_kind"], dossier["subject_id"]) == ("commendation_proposal", commendation["id"])
    assert [s["status"] for s in dossier["steps"]] == ["received", "done"]
    assert "125/QĐ-UBND" in dossier["steps"][-1]["note"]
    assert (await client.get(f"/commendations/{commendation['id']}")).json()["procedure_dossier"] == summary
    # Finished now: no second commendation takes it over.
    again = await client.post("/commendations", json=_commendation(person["id"], procedure_dossier_id=proposal["id"]))
    assert_problem(again, 409, "procedure_dossier_finished")
    plain = await client.post("/commendations", json=_commendation(person["id"]))
    assert plain.json()["procedure_dossier"] is None


async def test_a_commendation_takes_over_only_an_open_proposal_of_its_area(
    client: httpx.AsyncClient, test_tokens: TestTokens, world: World
) -> None:
    person = await create_person(client, world.department.id)
    position = await _position(client, world.department.id)
    position = await _moved(client, position, test_tokens.headers(Role.ADMIN), "submit", procedure=_intake(POSITIONS, 31))
    of_position = _commendation(person["id"], procedure_dossier_id=position["procedure_dossier"]["id"])
    assert_problem(await client.post("/commendations", json=of_position), 409, "procedure_dossier_wrong_kind")
    elsewhere = await _proposal(client, 32, province_code="06")
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    outside = _commendation(person["id"], procedure_dossier_id=elsewhere["id"])
    assert_problem(await client.post("/commendations", json=outside, headers=province), 409, "procedure_dossier_outside_area")
    missing = _commendation(person["id"], procedure_dossier_id=position["id"])
    assert_problem(await client.post("/commendations", json=missing), 409, "procedure_dossier_not_found")
    # Nothing was recorded, and the proposal outside the area is still open.
    assert (await client.get("/commendations", params={"person_id": person["id"]})).json()["items"] == []
    assert (await _dossier(client, elsewhere["id"]))["status"] == "received"


async def test_the_openapi_shows_the_procedure_fields(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for name in ("JobPosition", "StreamliningCase", "Commendation"):
        assert "procedure_dossier" in schemas[name]["properties"], name
    assert "procedure" in schemas["PositionTransition"]["properties"]
    assert "procedure" in schemas["CaseCreate"]["properties"]
    assert "procedure_dossier_id" in schemas["CommendationCreate"]["properties"]


async def test_a_saturday_the_administrator_made_a_working_day_brings_the_due_date_forward(
    client: httpx.AsyncClient, test_tokens: TestTokens, world: World
) -> None:
    worked = date(2026, 5, 9)  # a Saturday between the day received and the rule's due date
    response = await client.put(f"/calendar-days/{worked}", json={"working": True, "note": "Làm bù theo thông báo của tỉnh"})
    assert response.status_code == 201, response.text
    received_on = local_date(datetime.fromisoformat(RECEIVED_AT))
    expected = WorkingCalendar({worked: True}).add_working_days(received_on, POSITIONS.processing_days).isoformat()
    assert expected < _due(POSITIONS)
    position = await _position(client, world.department.id)
    position = await _moved(client, position, test_tokens.headers(Role.ADMIN), "submit", procedure=_intake(POSITIONS, 41))
    assert position["procedure_dossier"]["due_date"] == expected
