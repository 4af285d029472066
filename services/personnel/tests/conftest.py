"""What haicap's pytest plugin needs from personnel (its migrations and its app), and a fake org-structure."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from fastapi import FastAPI

from haicap_personnel.app import create_app
from haicap_personnel.cli import MIGRATIONS
from haicap_personnel.org_client import OrgAgency, OrgChange, OrgLineage, OrgLineageStep, OrgUnit
from haicap_personnel.settings import PersonnelSettings
from haicap_shared.errors import UpstreamUnavailable
from haicap_shared.testing import ServiceMigrations, TestTokens

MERGED = date(2025, 7, 1)


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


class World:
    """Cao Bằng in miniature: three former communes merged into one on 2025-07-01, a department, another province."""

    province = OrgUnit(id=_id(1), code="04", name="Tỉnh Cao Bằng", level="province")
    former = [
        OrgUnit(id=_id(11), code="01001", name="Xã Một", level="commune", valid_to=date(2025, 6, 30)),
        OrgUnit(id=_id(12), code="01002", name="Xã Hai", level="commune", valid_to=date(2025, 6, 30)),
        OrgUnit(id=_id(13), code="01003", name="Xã Ba", level="commune", valid_to=date(2025, 6, 30)),
    ]
    new = OrgUnit(id=_id(20), code="01010", name="Xã Mới", level="commune", valid_from=MERGED)
    elsewhere_unit = OrgUnit(id=_id(30), code="06", name="Tỉnh Bắc Kạn", level="province")

    def __init__(self) -> None:
        self.down = False
        self.agencies: dict[uuid.UUID, OrgAgency] = {}
        self.former_offices = [self._agency(100 + i, f"UBND {u.name}", u, "commune_office") for i, u in enumerate(self.former)]
        self.new_office = self._agency(200, "Văn phòng HĐND và UBND Xã Mới", self.new, "commune_office")
        self.new_economic = self._agency(201, "Phòng Kinh tế Xã Mới", self.new, "commune_economic_office")
        self.department = self._agency(300, "Sở Nội vụ", self.province, "provincial_department")
        self.elsewhere = self._agency(400, "Sở Nội vụ Bắc Kạn", self.elsewhere_unit, "provincial_department", province="06")

    def _agency(self, n: int, name: str, unit: OrgUnit, kind: str, province: str = "04") -> OrgAgency:
        agency = OrgAgency(
            id=_id(n),
            name=name,
            kind=kind,
            unit_id=unit.id,
            level=unit.level,
            province_code=province,
            commune_code=unit.code if unit.level == "commune" else None,
            valid_from=unit.valid_from,
            valid_to=unit.valid_to,
        )
        self.agencies[agency.id] = agency
        return agency

    async def agency(self, agency_id: uuid.UUID) -> OrgAgency | None:
        if self.down:
            raise UpstreamUnavailable("org-structure")
        return self.agencies.get(agency_id)

    async def lineage(self, unit_id: uuid.UUID) -> OrgLineage | None:
        if self.down:
            raise UpstreamUnavailable("org-structure")
        units = {u.id: u for u in (*self.former, self.new, self.province, self.elsewhere_unit)}
        if unit_id not in units:
            return None
        change = OrgChange(kind="merge", effective_date=MERGED, legal_basis="Nghị quyết 1657/NQ-UBTVQH15")
        predecessors = [OrgLineageStep(unit=u, change=change, depth=1) for u in self.former] if unit_id == self.new.id else []
        return OrgLineage(unit=units[unit_id], predecessors=predecessors, successors=[])

    async def unit_by_code(self, code: str, as_of: date) -> OrgUnit | None:
        if self.down:
            raise UpstreamUnavailable("org-structure")
        for unit in (*self.former, self.new, self.province, self.elsewhere_unit):
            if unit.code == code and (unit.valid_from or date.min) <= as_of <= (unit.valid_to or date.max):
                return unit
        return None


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations("personnel", MIGRATIONS)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens, world: World) -> FastAPI:
    return create_app(PersonnelSettings(database_url=db_url, jwks=test_tokens.jwks_json), org_client_factory=lambda _app: world)
