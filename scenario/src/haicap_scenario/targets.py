"""What the scenario sets out to build: the figures a province published.

These are the generator's intentions. Every report computes its figures from the records
the scenario loads; the scenario's own tests check that what the reports compute equals
what was intended here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

BEFORE = date(2025, 6, 30)
REFORM = date(2025, 7, 1)
AFTER = date(2026, 4, 15)


@dataclass(frozen=True)
class TaskTargets:
    province_before: int
    district_before: int
    commune_before: int
    province_after: int
    commune_after: int
    # NOTE: how the district's tasks were shared out on 2025-07-01; the rest of the growth
    # came from ministries (phân cấp).
    district_to_commune: int

    @property
    def district_to_province(self) -> int:
        return self.district_before - self.district_to_commune

    @property
    def decentralised_to_province(self) -> int:
        return self.province_after - self.province_before - self.district_to_province

    @property
    def decentralised_to_commune(self) -> int:
        return self.commune_after - self.commune_before - self.district_to_commune


@dataclass(frozen=True)
class DecisionTargets:
    provincial_agencies: int
    provincial_issued: int


@dataclass(frozen=True)
class Targets:
    tasks: TaskTargets
    decisions: DecisionTargets


CAO_BANG = Targets(
    tasks=TaskTargets(
        province_before=1330,
        district_before=596,
        commune_before=113,
        province_after=1687,
        commune_after=527,
        district_to_commune=380,
    ),
    decisions=DecisionTargets(provincial_agencies=14, provincial_issued=12),
)
