"""A fake org-structure for the unit tests: units and agencies of Cao Bằng, and a commune and an agency of another province."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from haicap_assets.org_client import SERVICE, HolderNotFound, OrgAgency, OrgUnit
from haicap_shared.errors import UpstreamUnavailable

MERGER = date(2025, 7, 1)
LAST_DAY = date(2025, 6, 30)


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(int=0x4000_0000_0000_0000_0000 + n)


CAO_BANG = OrgUnit(id=_id(4), code="04", name="Tỉnh Cao Bằng", level="province", province_code="04")
# Three former communes merged into Xã Quảng Lâm on 2025-07-01; Phường Thục Phán is another new commune.
FORMER = [
    OrgUnit(id=_id(101), code="01288", name="Xã Lý Bôn", level="commune", province_code="04", valid_to=LAST_DAY),
    OrgUnit(id=_id(102), code="01291", name="Xã Vĩnh Quang", level="commune", province_code="04", valid_to=LAST_DAY),
    OrgUnit(id=_id(103), code="01294", name="Xã Quảng Lâm", level="commune", province_code="04", valid_to=LAST_DAY),
]
QUANG_LAM = OrgUnit(id=_id(201), code="01304", name="Xã Quảng Lâm", level="commune", province_code="04", valid_from=MERGER)
THUC_PHAN = OrgUnit(id=_id(202), code="01273", name="Phường Thục Phán", level="commune", province_code="04", valid_from=MERGER)
FORMER_DISTRICT = OrgUnit(id=_id(301), code="045", name="Huyện Bảo Lâm", level="district", province_code="04", valid_to=LAST_DAY)
HA_GIANG = OrgUnit(id=_id(8), code="08", name="Tỉnh Tuyên Quang", level="province", province_code="08")
FORMER_ELSEWHERE = OrgUnit(id=_id(104), code="02476", name="Xã Phương Độ", level="commune", province_code="08", valid_to=LAST_DAY)
MINH_XUAN = OrgUnit(id=_id(203), code="02509", name="Phường Minh Xuân", level="commune", province_code="08", valid_from=MERGER)

SCHOOL = OrgAgency(
    id=_id(501), name="Trường Tiểu học Quảng Lâm", unit_id=QUANG_LAM.id, level="commune", province_code="04",
    commune_code="01304", valid_from=MERGER,
)  # fmt: skip
LAND_FUND = OrgAgency(
    id=_id(502), name="Trung tâm Phát triển quỹ đất tỉnh Cao Bằng", unit_id=CAO_BANG.id, level="province", province_code="04"
)
DEPARTMENT_ELSEWHERE = OrgAgency(
    id=_id(503), name="Sở Tài chính tỉnh Tuyên Quang", unit_id=HA_GIANG.id, level="province", province_code="08"
)


@dataclass
class FakeOrg:
    """In-memory org-structure; ``down`` makes every call fail as an unreachable service would."""

    units: list[OrgUnit] = field(
        default_factory=lambda: [CAO_BANG, *FORMER, QUANG_LAM, THUC_PHAN, FORMER_DISTRICT, HA_GIANG, FORMER_ELSEWHERE, MINH_XUAN]
    )
    agencies: list[OrgAgency] = field(default_factory=lambda: [SCHOOL, LAND_FUND, DEPARTMENT_ELSEWHERE])
    down: bool = False
    calls: int = 0

    def _call(self) -> None:
        self.calls += 1
        if self.down:
            raise UpstreamUnavailable(SERVICE)

    async def agency(self, agency_id: uuid.UUID) -> OrgAgency:
        self._call()
        for agency in self.agencies:
            if agency.id == agency_id:
                return agency
        raise HolderNotFound(f"org-structure has no agency {agency_id}")

    async def unit(self, unit_id: uuid.UUID) -> OrgUnit:
        self._call()
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        raise HolderNotFound(f"org-structure has no unit {unit_id}")

    async def unit_by_code(self, code: str, as_of: date) -> OrgUnit:
        self._call()
        for unit in self.units:
            if unit.code == code and (unit.valid_from or date.min) <= as_of <= (unit.valid_to or date.max):
                return unit
        raise HolderNotFound(f"org-structure has no unit with code {code} on {as_of}")

    async def predecessors(self, unit_id: uuid.UUID) -> list[OrgUnit]:
        self._call()
        return list(FORMER) if unit_id == QUANG_LAM.id else []

    async def communes(self, province: str | None, as_of: date) -> list[OrgUnit]:
        self._call()
        return [
            u
            for u in self.units
            if u.level == "commune"
            and province in (None, u.province_code)
            and (u.valid_from or date.min) <= as_of <= (u.valid_to or date.max)
        ]
