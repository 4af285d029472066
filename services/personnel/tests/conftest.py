"""What haicap's pytest plugin needs from personnel: its migrations and its app."""

import pytest
from fastapi import FastAPI

from haicap_shared.testing import ServiceMigrations, TestTokens
from personnel.app import create_app
from personnel.cli import MIGRATIONS
from personnel.settings import PersonnelSettings


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations("personnel", MIGRATIONS)


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens) -> FastAPI:
    return create_app(PersonnelSettings(database_url=db_url, jwks=test_tokens.jwks_json))
