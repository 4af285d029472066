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
class Qualified:
    """One group of staff in service on 2026-04-15 and how many of them hold each qualification."""

    headcount: int
    university: int  # university degree or higher
    advanced: int  # political theory: cao cấp (or cử nhân)
    intermediate: int  # political theory: trung cấp

    def __add__(self, other: Qualified) -> Qualified:
        return Qualified(
            self.headcount + other.headcount,
            self.university + other.university,
            self.advanced + other.advanced,
            self.intermediate + other.intermediate,
        )


def percent(count: int, of: int) -> float:
    """A share as the province publishes it: a percentage rounded to one decimal."""
    return round(100 * count / of, 1)


@dataclass(frozen=True)
class StaffTargets:
    """Who serves on 2026-04-15, by group; the shares come out of these counts.

    Cadres and civil servants (cán bộ, công chức), 2,000:

    - province level 700: university or higher 694 (99.1%), advanced 160, intermediate 350;
    - commune level 1,300: university or higher 1,270 (1,270 / 1,300 = 97.69% -> **97.7%**),
      advanced 134, intermediate 752;
    - together: university 1,964 / 2,000 = **98.2%**, advanced 294 / 2,000 = **14.7%**,
      intermediate 1,102 / 2,000 = **55.1%** (exact: 2,000 is a multiple of 1,000 / 2).

    Public employees (viên chức), 1,000 in the province's public service units: university
    861 (**86.1%**), advanced 9 (**0.9%**), intermediate 93 (**9.3%**), exact.

    The reporting section divides counts and rounds to 4 decimals (0.9769, 0.982...); the
    published figure is that share as a percentage to one decimal, which :func:`percent` gives.

    Where they come from: the province's 700 are 640 who were already in its agencies and 60
    of the former district offices' staff taken over with the district's tasks; the commune
    level's 1,300 are the rest of the former district offices' and commune committees'
    staff, re-placed on 2025-07-01. A further ``streamlined`` of them left under a
    streamlining case and were not re-placed.
    """

    province: Qualified
    commune: Qualified
    public_employees: Qualified
    province_from_districts: int
    commune_cadres: int  # cán bộ among the commune level's 1,300 (chủ tịch, phó chủ tịch...)
    district_staff: int  # people in the former district offices on 2025-06-30 (re-placed or streamlined)
    district_offices_staffed: tuple[str, ...]  # the former district offices that had staff, in each district

    @property
    def cadres_and_civil_servants(self) -> Qualified:
        return self.province + self.commune


@dataclass(frozen=True)
class StreamliningTargets:
    """Streamlining cases (Nghị định 178/2024, 67/2025), amounts from the calculator.

    ``by_status`` counts the cases of people who left (not re-placed); ``withdrawn`` cases
    belong to people who stayed and were re-placed like the others.

    The amounts are not targets: the calculator computes them from each person's record. For
    the record, the 45 cases of the seeded demo total 45,581,803,317 VND under rule version
    ``nd178-2024+nd67-2025/v2``; under v1 they totalled 44,862,648,192. The difference,
    719,155,125, is the 28 early retirements (29 to 35 years of social insurance, all leaving
    from 2025-07-01), each paid 1.5 months' salary more by the 15-year form; the resignations
    are unchanged.
    """

    early_retirement: dict[str, int]  # status -> cases
    resignation: dict[str, int]
    withdrawn: int

    @property
    def leaving(self) -> int:
        return sum(self.early_retirement.values()) + sum(self.resignation.values())

    @property
    def cases(self) -> int:
        return self.leaving + self.withdrawn


@dataclass(frozen=True)
class Plan:
    """Disposition plans of one form (and new use) that reached one step by 2026-04-15."""

    kind: str  # premises or car
    form: str
    step: str  # proposed, submitted, approved, executed
    count: int
    repurpose_to: str | None = None
    overdue: bool = False  # submitted over 20 days before 2026-04-15 with no decision yet


@dataclass(frozen=True)
class AssetTargets:
    """Premises and cars: what the communes hold on 2026-04-15, and what became of the surplus.

    Premises held by communes: the 2,010 of the 161 former communes (all handed over on
    2025-07-01 to the commune each became part of) + 60 of the former districts' premises
    allocated to communes as offices the same day + the 28 surplus district premises
    repurposed and handed to the commune where they stand (schools, clinics, storm shelters,
    culture houses) = **2,098**. The other surplus district premises are in disposition at
    various steps; none is left without a plan.

    Cars: the former districts' general-work cars; 59 are allocated to the 56 communes (3
    communes get two, the others one: the norm allows two), = **59 for 56 communes**; the
    rest are surplus, with plans.
    """

    premises_from_former_communes: int
    district_premises_to_communes: int
    cars_to_communes: int
    communes: int
    plans: tuple[Plan, ...]

    @property
    def repurposed_to_communes(self) -> int:
        return sum(p.count for p in self.plans if p.kind == "premises" and p.form == "repurpose" and p.step == "executed")

    @property
    def premises_held_by_communes(self) -> int:
        return self.premises_from_former_communes + self.district_premises_to_communes + self.repurposed_to_communes

    def count(self, *, kind: str | None = None, form: str | None = None, step: str | None = None) -> int:
        return sum(
            p.count
            for p in self.plans
            if (kind is None or p.kind == kind) and (form is None or p.form == form) and (step is None or p.step == step)
        )

    @property
    def overdue(self) -> int:
        return sum(p.count for p in self.plans if p.overdue)


@dataclass(frozen=True)
class Targets:
    tasks: TaskTargets
    decisions: DecisionTargets
    staff: StaffTargets
    streamlining: StreamliningTargets
    assets: AssetTargets


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
    staff=StaffTargets(
        province=Qualified(headcount=700, university=694, advanced=160, intermediate=350),
        commune=Qualified(headcount=1300, university=1270, advanced=134, intermediate=752),
        public_employees=Qualified(headcount=1000, university=861, advanced=9, intermediate=93),
        province_from_districts=60,
        commune_cadres=224,
        district_staff=440,
        district_offices_staffed=(
            "Văn phòng HĐND và UBND",
            "Phòng Nội vụ",
            "Phòng Tài chính - Kế hoạch",
            "Phòng Kinh tế và Hạ tầng",
            "Phòng Tài nguyên và Môi trường",
        ),
    ),
    streamlining=StreamliningTargets(
        early_retirement={"proposed": 8, "approved": 9, "paid": 11},
        resignation={"proposed": 4, "approved": 5, "paid": 5},
        withdrawn=3,
    ),
    assets=AssetTargets(
        premises_from_former_communes=2010,
        district_premises_to_communes=60,
        cars_to_communes=59,
        communes=56,
        plans=(
            Plan("premises", "repurpose", "executed", 12, repurpose_to="education"),
            Plan("premises", "repurpose", "executed", 8, repurpose_to="health"),
            Plan("premises", "repurpose", "executed", 5, repurpose_to="storm_shelter"),
            Plan("premises", "repurpose", "executed", 3, repurpose_to="culture_sports"),
            Plan("premises", "repurpose", "approved", 4, repurpose_to="education"),
            Plan("premises", "repurpose", "submitted", 3, repurpose_to="farm_supply_point"),
            Plan("premises", "transfer", "executed", 4),
            Plan("premises", "hand_over_housing_land_fund", "executed", 6),
            Plan("premises", "hand_over_housing_land_fund", "approved", 5),
            Plan("premises", "hand_over_housing_land_fund", "submitted", 4),
            Plan("premises", "sell", "executed", 2),
            Plan("premises", "sell", "approved", 3),
            Plan("premises", "sell", "submitted", 3, overdue=True),
            Plan("premises", "sell", "proposed", 4),
            Plan("premises", "keep_reallocate", "proposed", 5),
            Plan("car", "transfer", "executed", 6),
            Plan("car", "sell", "approved", 4),
            Plan("car", "sell", "proposed", 3),
            Plan("car", "liquidate", "executed", 5),
            Plan("car", "liquidate", "submitted", 3),
        ),
    ),
)
