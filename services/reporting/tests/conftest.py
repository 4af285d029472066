"""What haicap's pytest plugin needs from reporting: its migrations and its app."""

import pytest
from fastapi import FastAPI

from haicap_reporting.app import create_app
from haicap_reporting.cli import MIGRATIONS
from haicap_reporting.settings import ReportingSettings
from haicap_shared.testing import ServiceMigrations, TestTokens

GATEWAY = "http://gateway.test"
ORG = f"{GATEWAY}/api/v1/org"
ASSETS = f"{GATEWAY}/api/v1/assets"


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations("reporting", MIGRATIONS)


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens) -> FastAPI:
    # NOTE: the sources are reached at a fake gateway (respx answers for it in the tests).
    settings = ReportingSettings(
        database_url=db_url, jwks=test_tokens.jwks_json, gateway_url=GATEWAY, upstream_retries=0, section_timeout_seconds=5
    )
    return create_app(settings)
