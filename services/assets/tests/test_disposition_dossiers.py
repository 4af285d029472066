"""A disposition's approval carries its procedure dossier: received when submitted, done or refused by the decision.

End to end over HTTP: the dossier's steps follow the plan's submission and decision with the
statuses and due dates the user expects, a plan without a dossier goes on as before, and a
dossier that cannot be opened is refused (409 with its code) without submitting the plan.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from haicap_assets.app import create_app
from haicap_assets.settings import AssetsSettings
from haicap_shared.procedures.service import ProcedureFacts
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem
from haicap_shared.workdays import WorkingCalendar, local_date

from .fake_org import FakeOrg
from .helpers import create_asset

DISPOSALS = ProcedureFacts(
    code="1.005431",
    name="Quyết định xử lý tài sản công",
    sector="Quản lý công sản",
    level="province",
    processing_days=30,
)
RECEIVED_AT = "2025-08-05T08:15:00+07:00"
DECISION = {"decision_number": "2150/QĐ-UBND", "decided_on": "2025-09-10", "authority": "UBND tỉnh Cao Bằng"}


class FakeCatalogue:
    """org-structure's procedure catalogue as the tests set it."""

    async def procedure(self, code: str, as_of: date) -> ProcedureFacts | None:
        return DISPOSALS if code == DISPOSALS.code else None


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens, fake_org: FakeOrg) -> FastAPI:
    catalogue = FakeCatalogue()
    return create_app(
        AssetsSettings(database_url=db_url, jwks=test_tokens.jwks_json),
        org_client_factory=lambda _app: fake_org,
        procedure_catalogue_factory=lambda _app: catalogue,
    )


def _intake(serial: int, **changes: Any) -> dict[str, Any]:
    code = f"000.00.04.H12-250805-{serial:04d}"
    return {"procedure_code": DISPOSALS.code, "dossier_code": code, "received_at": RECEIVED_AT} | changes


def _due() -> str:
    """30 working days after the day received (2 September and its bridge day skipped)."""
    return (
        WorkingCalendar().add_working_days(local_date(datetime.fromisoformat(RECEIVED_AT)), DISPOSALS.processing_days).isoformat()
    )


async def _plan(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    asset = await create_asset(client, status="surplus", code=code)
    response = await client.post(
        "/dispositions", json={"asset_id": asset["id"], "form": "keep_reallocate", "proposed_on": "2025-08-01"}
    )
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()
    assert plan["procedure_dossier"] is None
    return plan


async def _step(
    client: httpx.AsyncClient, plan: dict[str, Any], action: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post(
        f"/dispositions/{plan['id']}/{action}", json=body, headers={"If-Match": f'"{plan["version"]}"'} | (headers or {})
    )


async def _stepped(client: httpx.AsyncClient, plan: dict[str, Any], action: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await _step(client, plan, action, body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _dossier(client: httpx.AsyncClient, dossier_id: str) -> dict[str, Any]:
    response = await client.get(f"/procedure-dossiers/{dossier_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _steps(dossier: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [(s["status"], s["due_date"], s["note"]) for s in dossier["steps"]]


async def test_an_approved_plans_dossier_is_done(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    plan = await _plan(client, "NĐ-101")
    submit = {"submitted_on": "2025-08-05", "procedure": _intake(1, applicant="UBND Xã Quảng Lâm")}
    plan = await _stepped(client, plan, "submit", submit)
    summary = plan["procedure_dossier"]
    assert (summary["status"], summary["procedure_code"], summary["due_date"]) == ("received", DISPOSALS.code, _due())
    dossier = await _dossier(client, summary["id"])
    # The dossier lies where the plan does: its province, its asset's commune.
    assert (dossier["subject_kind"], dossier["subject_id"]) == ("disposition", plan["id"])
    assert (dossier["province_code"], dossier["commune_code"], dossier["agency_id"]) == ("04", "01304", None)
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    response = await _step(client, plan, "approve", DECISION, province)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert (plan["status"], plan["procedure_dossier"]["status"]) == ("approved", "done")
    dossier = await _dossier(client, summary["id"])
    assert _steps(dossier) == [("received", _due(), None), ("done", _due(), "2150/QĐ-UBND (UBND tỉnh Cao Bằng)")]
    # Carrying the plan out makes no step: the procedure ended with the decision.
    plan = await _stepped(client, plan, "execute", {"executed_on": "2025-09-20", "handover_record": "BB-01"})
    assert plan["procedure_dossier"]["status"] == "done"
    assert len((await _dossier(client, summary["id"]))["steps"]) == 2
    listed = (await client.get("/dispositions", params={"status": "executed"})).json()["items"]
    assert listed[0]["procedure_dossier"] == plan["procedure_dossier"]


async def test_a_rejected_plans_dossier_is_refused_with_the_reason(client: httpx.AsyncClient) -> None:
    plan = await _plan(client, "NĐ-102")
    plan = await _stepped(client, plan, "submit", {"submitted_on": "2025-08-05", "procedure": _intake(2)})
    reason = "Không còn nhu cầu sử dụng"
    plan = await _stepped(client, plan, "reject", DECISION | {"rejection_reason": reason})
    assert (plan["status"], plan["procedure_dossier"]["status"]) == ("rejected", "refused")
    assert _steps(await _dossier(client, plan["procedure_dossier"]["id"])) == [
        ("received", _due(), None),
        ("refused", _due(), reason),
    ]


async def test_a_plan_without_a_procedure_is_decided_as_before(client: httpx.AsyncClient) -> None:
    plan = await _plan(client, "NĐ-103")
    plan = await _stepped(client, plan, "submit", {"submitted_on": "2025-08-05"})
    plan = await _stepped(client, plan, "approve", DECISION)
    assert (plan["status"], plan["procedure_dossier"]) == ("approved", None)
    assert (await client.get("/procedure-dossiers")).json()["items"] == []


async def test_a_dossier_that_cannot_be_opened_leaves_the_plan_proposed(client: httpx.AsyncClient) -> None:
    plan = await _plan(client, "NĐ-104")
    unknown = {"submitted_on": "2025-08-05", "procedure": _intake(3, procedure_code="1.999999")}
    assert_problem(await _step(client, plan, "submit", unknown), 409, "procedure_not_found")
    other = await _plan(client, "NĐ-105")
    await _stepped(client, other, "submit", {"submitted_on": "2025-08-05", "procedure": _intake(4)})
    taken = {"submitted_on": "2025-08-05", "procedure": _intake(4)}
    assert_problem(await _step(client, plan, "submit", taken), 409, "dossier_code_taken")
    got = (await client.get(f"/dispositions/{plan['id']}")).json()
    assert (got["status"], got["version"], got["procedure_dossier"]) == ("proposed", plan["version"], None)


async def test_the_change_feed_shows_the_plans_dossier_as_its_get_does(client: httpx.AsyncClient) -> None:
    plan = await _plan(client, "NĐ-106")
    plan = await _stepped(client, plan, "submit", {"submitted_on": "2025-08-05", "procedure": _intake(5)})
    events = (await client.get("/events", params={"after": 0, "limit": 1000})).json()["events"]
    updated = [e for e in events if e["type"].endswith(".disposition.updated") and e["partitionkey"] == plan["id"]]
    record = updated[-1]["data"]["record"]
    got = (await client.get(f"/dispositions/{plan['id']}")).json()
    assert record["procedure_dossier"] == got["procedure_dossier"] == plan["procedure_dossier"]


async def test_the_openapi_shows_the_procedure_fields(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    assert "procedure_dossier" in schemas["Disposition"]["properties"]
    assert "procedure" in schemas["DispositionSubmit"]["properties"]
