"""A stand-in world for what plans read of personnel and assets, and helpers the plans tests share.

The world answers as ``RecordsClient`` would: a record exists or not (404), a placement has its
person, agency and dates, and a service may be down (503 ``upstream_unavailable``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure import app as org_app
from haicap_org_structure.agencies.models import AgencyKind
from haicap_org_structure.plans.models import LinkKind
from haicap_org_structure.plans.records import ASSETS, PERSONNEL, REMOTE_PATHS, RemotePlacement
from haicap_org_structure.settings import OrgSettings
from haicap_shared.errors import UpstreamUnavailable
from haicap_shared.testing import TestTokens

from .task_helpers import AFTER, add_agency, cao_bang_agencies


class World:
    """personnel and assets in miniature: some positions, placements, assets and dispositions."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        self.records: dict[LinkKind, set[uuid.UUID]] = {kind: set() for kind in REMOTE_PATHS}
        self.placements: dict[uuid.UUID, RemotePlacement] = {}
        self.asked: list[tuple[str, uuid.UUID]] = []

    def add(self, kind: LinkKind) -> uuid.UUID:
        record_id = uuid.uuid4()
        self.records[kind].add(record_id)
        return record_id

    def place(self, agency_id: uuid.UUID, valid_from: date = AFTER, valid_to: date | None = None) -> RemotePlacement:
        placement = RemotePlacement(
            id=uuid.uuid4(), person_id=uuid.uuid4(), agency_id=agency_id, valid_from=valid_from, valid_to=valid_to
        )
        self.placements[placement.id] = placement
        self.records[LinkKind.PLACEMENT].add(placement.id)
        return placement

    def _check(self, service: str) -> None:
        if service in self.down:
            raise UpstreamUnavailable(service, f"The {service} service could not be reached")

    async def exists(self, kind: LinkKind, target_id: uuid.UUID) -> bool:
        self._check(REMOTE_PATHS[kind][0])
        self.asked.append((kind.value, target_id))
        return target_id in self.records[kind]

    async def placement(self, placement_id: uuid.UUID) -> RemotePlacement | None:
        self._check(PERSONNEL)
        return self.placements.get(placement_id)


__all__ = ["ASSETS", "PERSONNEL", "World"]


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def service_app(db_url: str, tmp_path: Path, test_tokens: TestTokens, world: World) -> FastAPI:
    return org_app.create_app(
        OrgSettings(database_url=db_url, var_dir=tmp_path, jwks=test_tokens.jwks_json),
        records_client_factory=lambda _app: world,
    )


@dataclass
class Setting:
    """Cao Bằng's departments and communes, and a commune office under Hòa An's economic office."""

    home_affairs: uuid.UUID  # Sở Nội vụ: owner of the plans
    health: uuid.UUID  # Sở Y tế
    hoa_an: uuid.UUID  # Phòng Kinh tế xã Hòa An (01654), no parent: its superior is the plan's owner
    hoa_an_unit: uuid.UUID  # a unit of Hòa An under hoa_an (its superior)
    nam_tuan: uuid.UUID  # Phòng Kinh tế xã Nam Tuấn (01660)


async def setting(session: AsyncSession) -> Setting:
    ag = await cao_bang_agencies(session)
    unit = await add_agency(
        session,
        "Trung tâm Phục vụ hành chính công xã Hòa An",
        AgencyKind.COMMUNE_SERVICE_CENTRE,
        "01654",
        valid_from=AFTER,
        parent_id=ag.hoa_an_commune,
    )
    await session.commit()
    return Setting(
        home_affairs=ag.home_affairs, health=ag.health, hoa_an=ag.hoa_an_commune, hoa_an_unit=unit, nam_tuan=ag.nam_tuan_commune
    )


def item_body(code: str, agency: uuid.UUID, deadline: str = "2025-09-30", **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title": f"Bàn giao trụ sở ({code})",
        "expected_output": "Biên bản bàn giao",
        "assignee_agency_id": str(agency),
        "starts_on": "2025-07-01",
        "deadline": deadline,
    } | overrides


def plan_body(s: Setting, code: str = "KH-01", items: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title": "Kế hoạch triển khai mô hình chính quyền địa phương hai cấp",
        "owner_agency_id": str(s.home_affairs),
        "decision_number": "1234/QĐ-UBND",
        "decision_signed_on": "2025-06-20",
        "decision_issuer": "UBND tỉnh Cao Bằng",
        "document_url": "https://caobang.gov.vn/vb/1234.pdf",
        "starts_on": "2025-07-01",
        "ends_on": "2025-12-31",
        "items": items if items is not None else [],
    } | overrides


async def create_plan(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/plans", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def by_code(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["code"]: item for item in plan["items"]}


async def report(client: httpx.AsyncClient, item_id: str, headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
    etag = (await client.get(f"/plan-items/{item_id}")).headers["etag"]
    return await client.post(f"/plan-items/{item_id}/progress", json=body, headers={"If-Match": etag} | (headers or {}))


async def count(session: AsyncSession, table_name: str) -> int:
    from haicap_org_structure.db import metadata

    return int(await session.scalar(select(func.count()).select_from(metadata.tables[table_name])) or 0)
