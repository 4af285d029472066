"""personnel's /procedure-dossiers: a commendation proposal on its own, due on the admin's calendar, on the feed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from haicap_personnel.app import create_app
from haicap_personnel.settings import PersonnelSettings
from haicap_shared.procedures.catalogue import StaticCatalogue
from haicap_shared.procedures.service import ProcedureFacts
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem
from haicap_shared.workdays import VIETNAM, WorkingCalendar

from .conftest import World

COMMENDATION = ProcedureFacts(
    code="1.000775", name="Khen thưởng theo công trạng", sector="Thi đua - Khen thưởng", level="province", processing_days=3
)
RECEIVED = datetime(2026, 4, 24, 9, 0, tzinfo=VIETNAM)
SATURDAY = date(2026, 5, 2)


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens, world: World) -> FastAPI:
    return create_app(
        PersonnelSettings(database_url=db_url, jwks=test_tokens.jwks_json),
        org_client_factory=lambda _app: world,
        procedure_catalogue_factory=lambda _app: StaticCatalogue([COMMENDATION]),
    )


def _proposal(code: str, **changes: Any) -> dict[str, Any]:
    body = {
        "procedure_code": COMMENDATION.code,
        "dossier_code": code,
        "received_at": RECEIVED.isoformat(),
        "subject_kind": "commendation_proposal",
        "province_code": "04",
        "commune_code": "01010",
    }
    return body | changes


async def test_a_commendation_proposal_counts_the_administrators_saturday(
    client: httpx.AsyncClient, test_tokens: TestTokens
) -> None:
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    before = await client.post("/procedure-dossiers", json=_proposal("H12-before"), headers=province)
    assert before.status_code == 201, before.text
    assert before.json()["due_date"] == WorkingCalendar().add_working_days(RECEIVED.date(), 3).isoformat()
    made = await client.put("/calendar-days/2026-05-02", json={"working": True, "note": "Làm bù thứ Bảy"})
    assert made.status_code == 201, made.text
    after = await client.post("/procedure-dossiers", json=_proposal("H12-after"), headers=province)
    assert after.json()["due_date"] == WorkingCalendar({SATURDAY: True}).add_working_days(RECEIVED.date(), 3).isoformat()
    assert after.json()["due_date"] == SATURDAY.isoformat()
    # Only a commendation proposal is received without its workflow record.
    assert_problem(
        await client.post("/procedure-dossiers", json=_proposal("H12-x", subject_kind="position"), headers=province),
        422,
        "procedure_subject_kind_not_allowed",
    )
    other_commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01001")
    assert_problem(await client.get(f"/procedure-dossiers/{after.json()['id']}", headers=other_commune), 403, "outside_area")


async def test_a_dossier_and_its_steps_are_on_the_change_feed(client: httpx.AsyncClient) -> None:
    start = (await client.get("/events", params={"limit": 1000})).json()["events"]
    mark = start[-1]["sequence"] if start else 0
    created = await client.post("/procedure-dossiers", json=_proposal("H12-feed"))
    url = f"/procedure-dossiers/{created.json()['id']}"
    step = {"status": "supplement_requested", "at": (RECEIVED + timedelta(days=1)).isoformat()}
    stepped = await client.post(f"{url}/steps", json=step, headers={"If-Match": created.headers["etag"]})
    assert stepped.status_code == 200, stepped.text
    events = (await client.get("/events", params={"after": mark, "limit": 1000})).json()["events"]
    dossier_events = [e for e in events if e["type"].endswith((".procedure_dossier.created", ".procedure_dossier.updated"))]
    assert [e["type"].rsplit(".", 1)[1] for e in dossier_events] == ["created", "updated"]
    assert dossier_events[0]["data"]["record"] == created.json()
    assert dossier_events[1]["data"]["record"] == (await client.get(url)).json()
