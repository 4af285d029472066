"""Every service and the gateway log an unhandled error once, with the request id the caller got.

In process, without the lifespan (the failing route needs neither database nor upstream):
each real app gets one route that raises, and the root logger's records are read as the
services write them (JSON lines).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from haicap_assets.app import create_app as create_assets
from haicap_assets.settings import AssetsSettings
from haicap_gateway.app import create_app as create_gateway
from haicap_gateway.settings import GatewaySettings
from haicap_org_structure.app import create_app as create_org
from haicap_org_structure.settings import OrgSettings
from haicap_personnel.app import create_app as create_personnel
from haicap_personnel.settings import PersonnelSettings
from haicap_reporting.app import create_app as create_reporting
from haicap_reporting.settings import ReportingSettings
from haicap_shared.auth import Public
from haicap_shared.testing import JsonLogLines

FACTORIES: dict[str, Callable[[Path], FastAPI]] = {
    "org-structure": lambda var: create_org(OrgSettings(var_dir=var)),
    "personnel": lambda var: create_personnel(PersonnelSettings(var_dir=var)),
    "assets": lambda var: create_assets(AssetsSettings(var_dir=var)),
    "reporting": lambda var: create_reporting(ReportingSettings(var_dir=var)),
    "gateway": lambda var: create_gateway(GatewaySettings(var_dir=var)),
}


@pytest.mark.parametrize("name", list(FACTORIES))
async def test_an_unhandled_error_is_logged_once_with_the_request_id(name: str, tmp_path: Path, log_lines: JsonLogLines) -> None:
    app = FACTORIES[name](tmp_path)
    router = APIRouter(dependencies=[Public])

    @router.get("/test-only/boom")
    async def boom() -> None:
        """Fail."""
        raise ZeroDivisionError("division by zero, on purpose")

    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service.test") as client:
        response = await client.get("/test-only/boom")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    errors = [line for line in log_lines.lines if line["level"] == "ERROR"]
    assert len(errors) == 1, errors
    assert errors[0]["request_id"] == response.headers["x-request-id"]
    assert (errors[0]["method"], errors[0]["path"]) == ("GET", "/test-only/boom")
    assert "on purpose" in str(errors[0]["exception"])
