"""reporting's app for the tests: no database, its sources at a fake gateway (respx answers for it)."""

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from haicap_reporting.app import create_app
from haicap_reporting.settings import ReportingSettings
from haicap_shared.testing import TestTokens

GATEWAY = "http://gateway.test"
ORG = f"{GATEWAY}/api/v1/org"
ASSETS = f"{GATEWAY}/api/v1/assets"


@pytest.fixture
def service_app(test_tokens: TestTokens) -> FastAPI:
    settings = ReportingSettings(
        jwks=test_tokens.jwks_json,
        gateway_url=GATEWAY,
        upstream_retries=0,
        section_timeout_seconds=5,
        follow_event_feeds=False,
    )
    return create_app(settings)


@pytest_asyncio.fixture
async def client(service_app: FastAPI, test_tokens: TestTokens) -> AsyncIterator[httpx.AsyncClient]:
    """The plugin's client without its database transaction: reporting has no database.

    It signs in as ``admin`` unless a request brings its own ``Authorization`` header.
    """
    async with service_app.router.lifespan_context(service_app):
        transport = httpx.ASGITransport(app=service_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=test_tokens.headers()) as http:
            yield http
