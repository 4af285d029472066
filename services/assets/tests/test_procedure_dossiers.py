"""assets' /procedure-dossiers: a disposition's dossier, due on the rule's calendar, ended by its record, in the stats."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from haicap_assets.app import create_app
from haicap_assets.settings import AssetsSettings
from haicap_assets.workflow_dossiers import DOSSIERS
from haicap_shared.auth import Principal
from haicap_shared.procedures import service
from haicap_shared.procedures.catalogue import StaticCatalogue
from haicap_shared.procedures.schemas import ProcedureIntake
from haicap_shared.procedures.service import ProcedureFacts
from haicap_shared.roles import Area, Role
from haicap_shared.testing import TestTokens, assert_problem
from haicap_shared.workdays import VIETNAM, WorkingCalendar

from .fake_org import FakeOrg

DISPOSAL = ProcedureFacts(
    code="1.009123", name="Quyết định xử lý tài sản công", sector="Quản lý công sản", level="province", processing_days=3
)
RECEIVED = datetime(2026, 4, 24, 9, 0, tzinfo=VIETNAM)
CATALOGUE = StaticCatalogue([DISPOSAL])


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens, fake_org: FakeOrg) -> FastAPI:
    return create_app(
        AssetsSettings(database_url=db_url, jwks=test_tokens.jwks_json),
        org_client_factory=lambda _app: fake_org,
        procedure_catalogue_factory=lambda _app: CATALOGUE,
    )


async def _disposition_dossier(db_connection: AsyncConnection, app: FastAPI, code: str) -> uuid.UUID:
    """A dossier as a disposition's workflow opens it (the record's own id stands for the disposition)."""
    officer = Principal(subject="p", username="province.04", role=Role.PROVINCE_OFFICER, area=Area(province="04"))
    async with AsyncSession(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        opened = await service.open_dossier(
            session,
            DOSSIERS.config.tables,
            intake=ProcedureIntake(procedure_code=DISPOSAL.code, dossier_code=code, received_at=RECEIVED),
            subject_kind="disposition",
            subject_id=uuid.uuid4(),
            province_code="04",
            commune_code="01304",
            agency_id=None,
            trail=app.state.audit,
            principal=officer,
            catalogue=CATALOGUE,
        )
        await session.commit()
    return opened.id


async def test_a_disposition_dossier_is_due_on_the_rule_and_ends_with_its_record(
    client: httpx.AsyncClient, db_connection: AsyncConnection, service_app: FastAPI, test_tokens: TestTokens
) -> None:
    dossier_id = await _disposition_dossier(db_connection, service_app, "H12-disposal-1")
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    read = await client.get(f"/procedure-dossiers/{dossier_id}", headers=province)
    assert read.json()["due_date"] == WorkingCalendar().add_working_days(RECEIVED.date(), DISPOSAL.processing_days).isoformat()
    url = f"/procedure-dossiers/{dossier_id}/steps"
    done = {"status": "done", "at": (RECEIVED + timedelta(hours=1)).isoformat()}
    assert_problem(
        await client.post(url, json=done, headers=province | {"If-Match": '"1"'}), 409, "procedure_step_driven_by_workflow"
    )
    asked = {"status": "supplement_requested", "at": (RECEIVED + timedelta(hours=1)).isoformat()}
    assert (await client.post(url, json=asked, headers=province | {"If-Match": '"1"'})).status_code == 200
    # assets opens no dossier without its workflow record.
    body = {
        "procedure_code": DISPOSAL.code,
        "dossier_code": "H12-alone",
        "subject_kind": "disposition",
        "province_code": "04",
    }
    assert_problem(
        await client.post("/procedure-dossiers", json=body, headers=province), 422, "procedure_subject_kind_not_allowed"
    )
    stats = await client.get("/procedure-dossiers/stats", params={"as_of": "2026-05-05"}, headers=province)
    assert stats.json()["rows"] == [
        {
            "procedure_code": DISPOSAL.code,
            "procedure_name": DISPOSAL.name,
            "sector": DISPOSAL.sector,
            "commune_code": "01304",
            "received": 1,
            "finished": 0,
            "finished_on_time": 0,
            "finished_late": 0,
            "open": 1,
            "open_overdue": 1,
            "supplement_requested": 1,
        }
    ]
    assert_problem(
        await client.get("/procedure-dossiers/stats", headers=test_tokens.headers(Role.VIEWER)), 403, "role_not_allowed"
    )
