"""Small agencies on top of Cao Bằng's real units, and helpers the task tests share.

Agencies are written with Core inserts (the tasks tests do not depend on the agencies API).
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.agencies.models import AgencyKind, agency_table
from haicap_org_structure.units.models import unit_table
from haicap_shared.codes import UnitLevel
from haicap_shared.text import search_key
from haicap_shared.validity import in_force_on

BEFORE = date(2025, 6, 30)
AFTER = date(2025, 7, 1)


async def unit_on(session: AsyncSession, code: str, day: date) -> Any:
    stmt = select(unit_table).where(unit_table.c.code == code, in_force_on(unit_table, day))
    return (await session.execute(stmt)).one()


async def add_agency(
    session: AsyncSession,
    name: str,
    kind: AgencyKind,
    unit_code: str,
    *,
    valid_from: date | None = None,
    valid_to: date | None = None,
    parent_id: uuid.UUID | None = None,
    unit_on_day: date | None = None,
) -> uuid.UUID:
    unit = await unit_on(session, unit_code, unit_on_day or valid_from or valid_to or AFTER)
    agency_id = uuid.uuid4()
    await session.execute(
        insert(agency_table).values(
            id=agency_id,
            name=name,
            kind=kind,
            unit_id=unit.id,
            level=unit.level,
            province_code=unit.province_code,
            commune_code=unit.code if unit.level == UnitLevel.COMMUNE else None,
            parent_id=parent_id,
            valid_from=valid_from,
            valid_to=valid_to,
            search_key=search_key(name),
            version=1,
        )
    )
    return agency_id


@dataclass
class Agencies:
    """A provincial department, a Hòa An district office, and offices of two new communes."""

    health: uuid.UUID  # Sở Y tế (province)
    home_affairs: uuid.UUID  # Sở Nội vụ (province)
    hoa_an_office: uuid.UUID  # Phòng Kinh tế và Hạ tầng huyện Hòa An, to 2025-06-30
    hoa_an_commune: uuid.UUID  # Phòng Kinh tế, Xã Hòa An (01654), from 2025-07-01
    nam_tuan_commune: uuid.UUID  # Phòng Kinh tế, Xã Nam Tuấn (01660), from 2025-07-01
    bao_lam_commune: uuid.UUID  # Phòng Văn hóa - Xã hội, Xã Bảo Lâm (01290), from 2025-07-01


async def cao_bang_agencies(session: AsyncSession) -> Agencies:
    agencies = Agencies(
        health=await add_agency(session, "Sở Y tế", AgencyKind.PROVINCIAL_DEPARTMENT, "04"),
        home_affairs=await add_agency(session, "Sở Nội vụ", AgencyKind.PROVINCIAL_DEPARTMENT, "04"),
        hoa_an_office=await add_agency(
            session, "Phòng Kinh tế và Hạ tầng huyện Hòa An", AgencyKind.DISTRICT_OFFICE, "051", valid_to=BEFORE
        ),
        hoa_an_commune=await add_agency(
            session, "Phòng Kinh tế xã Hòa An", AgencyKind.COMMUNE_ECONOMIC_OFFICE, "01654", valid_from=AFTER
        ),
        nam_tuan_commune=await add_agency(
            session, "Phòng Kinh tế xã Nam Tuấn", AgencyKind.COMMUNE_ECONOMIC_OFFICE, "01660", valid_from=AFTER
        ),
        bao_lam_commune=await add_agency(
            session, "Phòng Văn hóa - Xã hội xã Bảo Lâm", AgencyKind.COMMUNE_CULTURE_SOCIAL_OFFICE, "01290", valid_from=AFTER
        ),
    )
    await session.commit()
    return agencies


def task_body(owner: uuid.UUID, code: str = "NV-001", **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title": f"Cấp giấy phép hoạt động khám bệnh, chữa bệnh ({code})",
        "sector": "Y tế",
        "legal_basis": "Luật Khám bệnh, chữa bệnh 2023",
        "legal_article": "Điều 48",
        "owner_agency_id": str(owner),
        "valid_from": "2020-01-01",
    } | overrides


async def create_task(client: httpx.AsyncClient, owner: uuid.UUID, code: str = "NV-001", **overrides: Any) -> dict[str, Any]:
    response = await client.post("/tasks", json=task_body(owner, code, **overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def csv_file(rows: list[dict[str, Any]], header: list[str] | None = None) -> bytes:
    header = header or list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


async def stats(client: httpx.AsyncClient, as_of: str, **params: str | list[str]) -> dict[str, Any]:
    response = await client.get("/tasks/stats", params={"as_of": as_of} | params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def findings(client: httpx.AsyncClient, as_of: str, **params: Any) -> dict[str, Any]:
    response = await client.get("/tasks/findings", params={"as_of": as_of} | params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
