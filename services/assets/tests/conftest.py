"""What haicap's pytest plugin needs from assets: its migrations and its app (with a fake org-structure)."""

import pytest
from fastapi import FastAPI

from haicap_assets.app import create_app
from haicap_assets.cli import MIGRATIONS
from haicap_assets.settings import AssetsSettings
from haicap_shared.testing import ServiceMigrations, TestTokens

from .fake_org import FakeOrg


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations("assets", MIGRATIONS)


@pytest.fixture
def fake_org() -> FakeOrg:
    return FakeOrg()


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens, fake_org: FakeOrg) -> FastAPI:
    return create_app(AssetsSettings(database_url=db_url, jwks=test_tokens.jwks_json), org_client_factory=lambda _app: fake_org)
