"""org-structure's ``/workload/*`` and personnel's ``/stats/headcount``, counted from stand-in records (issue #18).

The records are a few agencies of Cao Bằng before and after 2025-07-01, the tasks they hold
(lead or shared) and the people placed in them; the fakes count them the way the producers do
(ownerships and placements in force on the day asked), so a test changes one record and
checks the report moved by exactly that.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import respx

PROVINCE = "04"
BEFORE, AFTER = date(2025, 6, 30), date(2025, 7, 1)
AS_OF = date(2026, 4, 15)
FOREVER = date(9999, 12, 31)


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    level: str
    commune_code: str | None
    valid_from: date = date(2000, 1, 1)
    valid_to: date = FOREVER
    quota: int = 0

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


@dataclass(frozen=True)
class Ownership:
    task: str
    agency: Agency
    is_lead: bool = True

    def held(self, day: date) -> bool:
        return self.agency.in_force(day)


@dataclass(frozen=True)
class Placement:
    agency: Agency
    category: str

    def in_force(self, day: date) -> bool:
        return self.agency.in_force(day)


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    predecessors: tuple[str, ...]


def _agency(name: str, level: str, commune: str | None, **kw: Any) -> Agency:
    return Agency(str(uuid.uuid5(uuid.NAMESPACE_URL, name)), name, level, commune, **kw)


THUC_PHAN = _agency("UBND phường Thục Phán", "commune", "01273", valid_from=AFTER, quota=3)
HOA_AN = _agency("UBND xã Hòa An", "commune", "01654", valid_from=AFTER, quota=4)
NAM_TUAN = _agency("UBND xã Nam Tuấn", "commune", "01660", valid_from=AFTER, quota=2)
HOME_AFFAIRS = _agency("Sở Nội vụ", "province", None, quota=9)
HOP_GIANG = _agency("UBND phường Hợp Giang (cũ)", "commune", "01273", valid_to=BEFORE)
SONG_HIEN = _agency("UBND phường Sông Hiến (cũ)", "commune", "01267", valid_to=BEFORE)
HOA_AN_OLD = _agency("UBND xã Hồng Việt (cũ)", "commune", "01666", valid_to=BEFORE)


@dataclass
class Records:
    communes: list[Commune] = field(
        default_factory=lambda: [
            Commune("01273", "Phường Thục Phán", ("01267", "01273")),
            Commune("01654", "Xã Hòa An", ("01654", "01666")),
            Commune("01660", "Xã Nam Tuấn", ("01657", "01660")),
        ]
    )
    agencies: list[Agency] = field(
        default_factory=lambda: [THUC_PHAN, HOA_AN, NAM_TUAN, HOME_AFFAIRS, HOP_GIANG, SONG_HIEN, HOA_AN_OLD]
    )
    ownerships: list[Ownership] = field(
        default_factory=lambda: [
            *(Ownership(f"T{i}", THUC_PHAN) for i in range(1, 7)),
            Ownership("T7", THUC_PHAN, is_lead=False),
            Ownership("T7", NAM_TUAN),
            Ownership("T8", HOA_AN),
            Ownership("T9", HOA_AN),
            Ownership("T10", NAM_TUAN),
            Ownership("T11", NAM_TUAN),
            *(Ownership(f"P{i}", HOME_AFFAIRS) for i in range(1, 6)),
            Ownership("B1", HOP_GIANG),
            Ownership("B2", HOP_GIANG),
            Ownership("B3", SONG_HIEN),
            Ownership("B4", HOA_AN_OLD),
        ]
    )
    placements: list[Placement] = field(
        default_factory=lambda: [
            Placement(THUC_PHAN, "civil_servant"),
            Placement(THUC_PHAN, "cadre"),
            *(Placement(HOA_AN, "civil_servant") for _ in range(4)),
            Placement(NAM_TUAN, "civil_servant"),
            Placement(NAM_TUAN, "public_employee"),
            *(Placement(HOME_AFFAIRS, "civil_servant") for _ in range(10)),
            Placement(HOP_GIANG, "civil_servant"),
            Placement(SONG_HIEN, "cadre"),
        ]
    )

    def held(self, agencies: list[Agency], day: date) -> dict[str, int]:
        mine = [o for o in self.ownerships if o.agency in agencies and o.held(day) and o.agency.in_force(day)]
        return {
            "tasks_lead": len({o.task for o in mine if o.is_lead}),
            "tasks_shared": len({o.task for o in mine if not o.is_lead}),
            "tasks_held": len({o.task for o in mine}),
        }

    def of_commune(self, code: str, day: date) -> list[Agency]:
        return [a for a in self.agencies if a.commune_code == code and a.in_force(day)]


def _day(request: httpx.Request, name: str) -> date:
    return date.fromisoformat(request.url.params[name])


def communes_body(records: Records, day: date, baseline: date) -> dict[str, Any]:
    rows = []
    for c in sorted(records.communes, key=lambda c: c.code):
        agencies = records.of_commune(c.code, day)
        then = [a for code in c.predecessors for a in records.of_commune(code, baseline)]
        rows.append(
            {
                "commune_code": c.code,
                "name": c.name,
                "agencies": len(agencies),
                **records.held(agencies, day),
                "predecessor_codes": list(c.predecessors),
                "baseline": records.held(then, baseline),
            }
        )
    return {"as_of": day.isoformat(), "baseline": baseline.isoformat(), "province": PROVINCE, "rows": rows}


def agencies_body(records: Records, day: date, baseline: date) -> dict[str, Any]:
    rows = [
        {
            "agency_id": a.id,
            "name": a.name,
            "level": a.level,
            "commune_code": a.commune_code,
            "parent_id": None,
            **records.held([a], day),
            "baseline_tasks_held": records.held([a], baseline)["tasks_held"] if a.in_force(baseline) else None,
        }
        for a in sorted(records.agencies, key=lambda a: a.name)
        if a.in_force(day)
    ]
    return {"as_of": day.isoformat(), "baseline": baseline.isoformat(), "province": PROVINCE, "level": None, "rows": rows}


def headcount_body(records: Records, day: date, by: list[str]) -> dict[str, Any]:
    with_quota = "category" not in by
    groups: dict[tuple[str | None, ...], list[int]] = {}
    keys = {"commune": lambda p: p.agency.commune_code, "agency": lambda p: p.agency.id, "category": lambda p: p.category}
    for p in records.placements:
        if p.in_force(day):
            groups.setdefault(tuple(keys[d](p) for d in by), [0, 0])[0] += 1
    if with_quota:
        for a in records.agencies:
            if a.in_force(day) and a.quota:
                key = tuple(a.commune_code if d == "commune" else a.id for d in by)
                groups.setdefault(key, [0, 0])[1] += a.quota

    def row(group: dict[str, str | None], people: int, quota: int) -> dict[str, Any]:
        q = quota if with_quota else None
        return {"group": group, "headcount": people, "quota": q, "over_quota": None if q is None else max(people - q, 0)}

    rows = [row(dict(zip(by, key, strict=True)), n, q) for key, (n, q) in sorted(groups.items(), key=lambda kv: str(kv[0]))]
    total = row({}, sum(n for n, _ in groups.values()), sum(q for _, q in groups.values()))
    scope = {"as_of": day.isoformat(), "province": PROVINCE, "commune": None, "level": None, "category": None, "by": by}
    return {**scope, "year": day.year, "rows": rows, "total": total}


def fake_workload(mock: respx.MockRouter, records: Records | None = None, *, headcount: bool = True) -> Records:
    """org-structure's workload routes (and, with ``headcount``, personnel's headcount) answering for ``records``."""
    records = records or Records()

    def communes(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=communes_body(records, _day(request, "as_of"), _day(request, "baseline")))

    def agencies(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=agencies_body(records, _day(request, "as_of"), _day(request, "baseline")))

    def people(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=headcount_body(records, _day(request, "as_of"), request.url.params.get_list("by")))

    # NOTE: the return values are the province's on AS_OF against BEFORE, for a test that answers every route itself
    mock.get("/api/v1/org/workload/communes", name="workload_communes").mock(
        return_value=httpx.Response(200, json=communes_body(records, AS_OF, BEFORE)), side_effect=communes
    )
    mock.get("/api/v1/org/workload/agencies", name="workload_agencies").mock(
        return_value=httpx.Response(200, json=agencies_body(records, AS_OF, BEFORE)), side_effect=agencies
    )
    if headcount:
        mock.get("/api/v1/personnel/stats/headcount", name="workload_headcount").mock(side_effect=people)
    return records
