"""What haicap's pytest plugin needs from assets: its migrations and its app."""

import pytest
from fastapi import FastAPI

from assets.app import create_app
from assets.cli import MIGRATIONS
from assets.settings import AssetsSettings
from haicap_shared.testing import ServiceMigrations, TestTokens


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations("assets", MIGRATIONS)


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens) -> FastAPI:
    return create_app(AssetsSettings(database_url=db_url, jwks=test_tokens.jwks_json))
