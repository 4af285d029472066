from pathlib import Path

import pytest
from fastapi import FastAPI

from haicap_shared.testing import ServiceMigrations, TestTokens

from .sample_service import MIGRATIONS, create_sample_app


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations("shared-sample", MIGRATIONS)


@pytest.fixture
def service_app(db_url: str, tmp_path: Path, test_tokens: TestTokens) -> FastAPI:
    return create_sample_app(db_url, tmp_path, test_tokens.jwks_json)
