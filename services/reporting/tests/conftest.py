"""What haicap's pytest plugin needs from reporting: its migrations and its app."""

import pytest
from fastapi import FastAPI

from haicap_shared.testing import ServiceMigrations, TestTokens
from reporting.app import create_app
from reporting.cli import MIGRATIONS
from reporting.settings import ReportingSettings


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations("reporting", MIGRATIONS)


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens) -> FastAPI:
    return create_app(ReportingSettings(database_url=db_url, jwks=test_tokens.jwks_json))
