from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from haicap_org_structure import app as org_app
from haicap_org_structure.cli import MIGRATIONS
from haicap_org_structure.db import metadata
from haicap_org_structure.settings import OrgSettings
from haicap_org_structure.units.importer import ImportSummary, apply_plan
from haicap_org_structure.units.reference import ImportPlan, national_plan, province_plan
from haicap_shared.audit import AuditTrail
from haicap_shared.auth import system_principal
from haicap_shared.testing import ServiceMigrations, TestTokens


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations("org-structure", Path(MIGRATIONS))


@pytest.fixture
def service_app(db_url: str, tmp_path: Path, test_tokens: TestTokens) -> FastAPI:
    return org_app.create_app(OrgSettings(database_url=db_url, var_dir=tmp_path, jwks=test_tokens.jwks_json))


@pytest.fixture(scope="session")
def country_plan() -> ImportPlan:
    return national_plan()


@pytest_asyncio.fixture
async def session(db_connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(bind=db_connection, expire_on_commit=False, join_transaction_mode="create_savepoint") as s:
        yield s


async def run_import(session: AsyncSession, plan: ImportPlan, scope: str) -> ImportSummary:
    summary = await apply_plan(session, AuditTrail(metadata.tables["audit_event"]), system_principal("test-import"), plan, scope)
    await session.commit()
    return summary


@pytest_asyncio.fixture
async def cao_bang(session: AsyncSession, country_plan: ImportPlan) -> ImportSummary:
    """Cao Bằng's units and changes imported inside the test's transaction."""
    return await run_import(session, province_plan(country_plan, "04"), "province:04")
