"""A service without a database: ready once it serves, no audit log, and no database settings to give."""

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from haicap_shared.app import create_service_app
from haicap_shared.db import new_metadata
from haicap_shared.settings import ProcessSettings, ServiceSettings
from haicap_shared.testing import assert_service_plumbing


def _app(tmp_path: Path) -> FastAPI:
    settings = ProcessSettings(service_name="stateless", var_dir=tmp_path, jwks='{"keys": []}')
    return create_service_app(title="stateless", description="", settings=settings, metadata=None)


async def test_it_is_ready_once_it_serves_and_has_no_audit_log(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.router.lifespan_context(app):
        assert not hasattr(app.state, "database")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            await assert_service_plumbing(client, "stateless", audited=False)
    document = app.openapi()
    assert set(document["paths"]) == {"/healthz", "/readyz"}
    assert "503" not in document["paths"]["/readyz"]["get"]["responses"]
    assert [tag["name"] for tag in document["tags"]] == ["health"]


def test_its_settings_have_no_database() -> None:
    assert {"database_url", "log_sql", "idempotency_ttl_hours"} <= set(ServiceSettings.model_fields)
    assert not {"database_url", "log_sql", "idempotency_ttl_hours"} & set(ProcessSettings.model_fields)


def test_tables_without_database_settings_are_refused(tmp_path: Path) -> None:
    settings = ProcessSettings(service_name="confused", var_dir=tmp_path)
    with pytest.raises(TypeError, match="ServiceSettings"):
        create_service_app(title="confused", description="", settings=settings, metadata=new_metadata())
