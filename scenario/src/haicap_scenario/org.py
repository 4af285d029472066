"""The org-structure part of the scenario: agencies, their decisions, and the task catalogue.

On top of the real units (imported from the reference data), it records the provincial
agencies, the standard organisations of every new commune, the former district offices and
former commune committees (until 2025-06-30), a task catalogue held by them on 2025-06-30,
the hand-over of the district's and former communes' tasks on 2025-07-01, and the tasks
ministries decentralised afterwards, so the task counts on both dates come out as intended.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .api import Api, each, stable_key
from .names import SECTORS, VERBS, Sector
from .targets import AFTER, BEFORE, REFORM, Targets

QUALIFIERS = (
    "",
    "trên địa bàn",
    "ở cơ sở",
    "khu vực biên giới",
    "vùng đồng bào dân tộc thiểu số",
    "đối với tổ chức, cá nhân",
    "theo phân cấp",
)
COMMUNE_KINDS = {
    "office": "commune_office",
    "culture_social": "commune_culture_social_office",
    "economic": "economic",  # the variant depends on the commune: see _office_of
}
DISTRICT_HANDOVER_BASIS = (
    "Luật Tổ chức chính quyền địa phương số 72/2025/QH15; Quyết định của UBND tỉnh về tiếp nhận nhiệm vụ của cấp huyện"
)
COMMUNE_HANDOVER_BASIS = "Nghị quyết 1657/NQ-UBTVQH15 ngày 16/06/2025; Quyết định của UBND tỉnh về danh mục nhiệm vụ cấp xã"

# NOTE: electronic identifier codes (Decision 20/2020/QĐ-TTg): level 4.level 3.level 2.level 1.
# H14 is the People's Committee of Cao Bằng's level-1 code as public integration code for the
# document exchange shows it (000.00.00.H14), not read from the decision's appendix here; the
# levels below it are illustrative (the province assigns them): its departments 01, 02...,
# each commune 40 + its place, and the commune's four organisations 01 to 04 under it.
ELECTRONIC_ID_LEVEL_ONE = {"04": "H14"}
FIRST_COMMUNE_LEVEL_TWO = 40
STANDARD_LEVEL_THREE = {
    "commune_office": 1,
    "commune_economic_office": 2,
    "commune_economic_urban_office": 2,
    "commune_culture_social_office": 3,
    "commune_service_centre": 4,
}


def electronic_id_code(province_code: str, level_two: int, level_three: int = 0) -> str | None:
    """An agency's illustrative code under its province's level-1 code (None where the province has none here)."""
    level_one = ELECTRONIC_ID_LEVEL_ONE.get(province_code)
    if level_one is None or not 0 < level_two < 100:
        return None
    return f"000.{level_three:02d}.{level_two:02d}.{level_one}"


@dataclass
class OrgState:
    """What the org part made, for the other parts and for checks."""

    province: dict[str, Any]
    departments: dict[str, dict[str, Any]] = field(default_factory=dict)  # by sector name
    commune_offices: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (commune id, kind)
    communes: list[dict[str, Any]] = field(default_factory=list)
    former_communes: list[dict[str, Any]] = field(default_factory=list)
    successor: dict[str, str] = field(default_factory=dict)  # former commune id -> new commune id
    districts: list[dict[str, Any]] = field(default_factory=list)
    district_offices: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (district id, office name)
    committees: dict[str, dict[str, Any]] = field(default_factory=dict)  # former commune id -> its People's Committee

    def lower(self, name: str) -> str:
        return f"{name[:1].lower()}{name[1:]}"

    def communes_of_district(self) -> dict[str, list[dict[str, Any]]]:
        """The new communes each former district's communes became part of."""
        by_id = {c["id"]: c for c in self.communes}
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for former in self.former_communes:
            new_id = self.successor.get(former["id"])
            if new_id and former["parent_id"] and by_id[new_id] not in found[former["parent_id"]]:
                found[former["parent_id"]].append(by_id[new_id])
        return found


async def read_state(api: Api, province_code: str) -> OrgState:
    """What the org part made, read back through the gateway (so the other parts also run on their own)."""
    org = "/api/v1/org"
    province = await api.get(f"{org}/units/by-code/{province_code}", as_of=AFTER.isoformat())
    state = OrgState(province=province)
    state.communes = await api.all(f"{org}/units", province=province_code, level="commune", as_of=AFTER.isoformat())
    state.former_communes = await api.all(f"{org}/units", province=province_code, level="commune", as_of=BEFORE.isoformat())
    state.districts = await api.all(f"{org}/units", province=province_code, level="district", as_of=BEFORE.isoformat())
    for office in await api.all(f"{org}/agencies", province=province_code, level="commune", as_of=AFTER.isoformat()):
        state.commune_offices[(office["unit_id"], office["kind"])] = office
    departments = {f"{s.department} tỉnh {province['short_name']}": s.name for s in SECTORS}
    for agency in await api.all(f"{org}/agencies", province=province_code, level="province", as_of=AFTER.isoformat()):
        if agency["name"] in departments:
            state.departments[departments[agency["name"]]] = agency
    district_by_id = {d["id"]: d for d in state.districts}
    offices = sorted({s.district_office for s in SECTORS})
    for agency in await api.all(f"{org}/agencies", province=province_code, as_of=BEFORE.isoformat()):
        if agency["kind"] == "district_office" and agency["unit_id"] in district_by_id:
            district = district_by_id[agency["unit_id"]]
            for office_name in offices:
                if agency["name"] == f"{office_name} {state.lower(district['name'])}":
                    state.district_offices[(district["id"], office_name)] = agency
        elif agency["kind"] == "commune_office" and agency["level"] == "commune":
            state.committees[agency["unit_id"]] = agency
    lineages = await each(state.communes, lambda c: api.get(f"{org}/units/{c['id']}/lineage"))
    for commune, lineage in zip(state.communes, lineages, strict=True):
        for step in lineage["predecessors"]:
            if step["depth"] == 1 and step["unit"]["level"] == "commune":
                state.successor[step["unit"]["id"]] = commune["id"]
    return state


def _title_pool(rng: random.Random, sector: Sector) -> list[str]:
    titles = [
        f"{verb} {obj} {qualifier}".strip() for verb, obj, qualifier in itertools.product(VERBS, sector.objects, QUALIFIERS)
    ]
    rng.shuffle(titles)
    return titles


def _spread(rng: random.Random, total: int, buckets: int) -> list[int]:
    """``total`` split into ``buckets`` uneven positive-ish shares that add up exactly."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(buckets)]
    shares = [int(total * w / sum(weights)) for w in weights]
    for i in range(total - sum(shares)):
        shares[i % buckets] += 1
    return shares


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _office_of(state: OrgState, commune: dict[str, Any], sector: Sector) -> dict[str, Any]:
    kind = COMMUNE_KINDS[sector.commune_office]
    if kind == "economic":
        kind = "commune_economic_urban_office" if commune["kind"] == "phuong" else "commune_economic_office"
    return state.commune_offices[(commune["id"], kind)]


async def _issue_decision(api: Api, agency: dict[str, Any], number: str, issued_on: date, issuer: str) -> None:
    draft = await api.post(
        "/api/v1/org/function-decisions",
        {"agency_id": agency["id"], "number": number, "issuer": issuer},
        key=stable_key("decision", agency["id"]),
    )
    await api.call(
        "POST",
        f"/api/v1/org/function-decisions/{draft['id']}/issue",
        json={"issued_on": issued_on.isoformat()},
        headers={"If-Match": f'"{draft["version"]}"'},
    )


async def load_org(api: Api, rng: random.Random, province_code: str, targets: Targets) -> OrgState:
    org = "/api/v1/org"
    province = await api.get(f"{org}/units/by-code/{province_code}", as_of=AFTER.isoformat())
    state = OrgState(province=province)
    short = province["short_name"]
    issuer = f"UBND {province['name'][:1].lower()}{province['name'][1:]}"

    # Provincial agencies, all but the last few with their decision issued.
    for index, sector in enumerate(SECTORS[: targets.decisions.provincial_agencies]):
        kind = "provincial_office" if sector.department.startswith(("Văn phòng", "Thanh tra")) else "provincial_department"
        body = {
            "name": f"{sector.department} tỉnh {short}",
            "kind": kind,
            "unit_id": province["id"],
            "electronic_id_code": electronic_id_code(province_code, index + 1),
        }
        state.departments[sector.name] = await api.post(
            f"{org}/agencies", body, key=stable_key("agency", province_code, sector.name)
        )
        if index < targets.decisions.provincial_issued:
            issued = REFORM + timedelta(days=rng.randint(0, 120))
            await _issue_decision(api, state.departments[sector.name], f"{rng.randint(10, 99)}/2025/QĐ-UBND", issued, issuer)

    # The four standard organisations of every new commune, each with its decision.
    await api.post(f"{org}/agencies/standard-setup", {"province": province_code, "as_of": REFORM.isoformat()})
    state.communes = await api.all(f"{org}/units", province=province_code, level="commune", as_of=AFTER.isoformat())
    offices = await api.all(f"{org}/agencies", province=province_code, level="commune", as_of=AFTER.isoformat())
    place = {c["id"]: i for i, c in enumerate(sorted(state.communes, key=lambda c: c["code"]))}

    async def coded(office: dict[str, Any]) -> dict[str, Any]:
        level_three = STANDARD_LEVEL_THREE.get(office["kind"])
        if level_three is None or office["unit_id"] not in place:
            return office
        code = electronic_id_code(province_code, FIRST_COMMUNE_LEVEL_TWO + place[office["unit_id"]], level_three)
        if code is None:
            return office
        headers = {"If-Match": f'"{office["version"]}"'}
        changed: dict[str, Any] = await api.call(
            "PATCH", f"{org}/agencies/{office['id']}", json={"electronic_id_code": code}, headers=headers
        )
        return changed

    offices = await each(offices, coded)
    for office in offices:
        state.commune_offices[(office["unit_id"], office["kind"])] = office
    await each(
        offices,
        lambda office: _issue_decision(
            api, office, f"{rng.randint(1, 400)}/QĐ-UBND", REFORM + timedelta(days=rng.randint(5, 90)), issuer
        ),
    )

    # Where each former commune went.
    lineages = await each(state.communes, lambda c: api.get(f"{org}/units/{c['id']}/lineage"))
    for commune, lineage in zip(state.communes, lineages, strict=True):
        for step in lineage["predecessors"]:
            if step["unit"]["level"] == "commune":
                state.successor[step["unit"]["id"]] = commune["id"]
    state.former_communes = await api.all(f"{org}/units", province=province_code, level="commune", as_of=BEFORE.isoformat())
    districts = await api.all(f"{org}/units", province=province_code, level="district", as_of=BEFORE.isoformat())

    # Former district offices and commune committees, in force until the reform.
    district_offices = sorted({s.district_office for s in SECTORS})
    planned: dict[str, tuple[str, str]] = {}  # agency name -> (district id, office)
    rows = []
    for district in districts:
        for office_name in district_offices:
            name = f"{office_name} {district['name'][:1].lower()}{district['name'][1:]}"
            planned[name] = (district["id"], office_name)
            rows.append({"name": name, "kind": "district_office", "unit_code": district["code"], "valid_to": BEFORE.isoformat()})
    rows += [
        {
            "name": f"Ủy ban nhân dân {c['name'][:1].lower()}{c['name'][1:]}",
            "kind": "commune_office",
            "unit_code": c["code"],
            "valid_to": BEFORE.isoformat(),
        }
        for c in state.former_communes
    ]
    await api.upload(f"{org}/agencies/imports", "former-agencies.csv", _csv(["name", "kind", "unit_code", "valid_to"], rows))
    former = await api.all(f"{org}/agencies", province=province_code, as_of=BEFORE.isoformat())
    office_of_district = {planned[a["name"]]: a for a in former if a["name"] in planned}
    committees = [a for a in former if a["kind"] == "commune_office" and a["level"] == "commune"]
    await _load_tasks(api, rng, province_code, targets, state, districts, office_of_district, committees)
    return state


async def _load_tasks(
    api: Api,
    rng: random.Random,
    province_code: str,
    targets: Targets,
    state: OrgState,
    districts: list[dict[str, Any]],
    office_of_district: dict[tuple[str, str], dict[str, Any]],
    committees: list[dict[str, Any]],
) -> None:
    org = "/api/v1/org"
    t = targets.tasks
    pools = {s.name: _title_pool(rng, s) for s in SECTORS}
    sectors = list(SECTORS[: targets.decisions.provincial_agencies])
    counter = itertools.count(1)
    rows: list[dict[str, Any]] = []

    def task(level: str, sector: Sector, owner: dict[str, Any], valid_from: date) -> dict[str, Any]:
        number = next(counter)
        row = {
            "code": f"{province_code}-{level}-{sector.abbreviation}-{number:05d}",
            "title": pools[sector.name].pop(),
            "sector": sector.name,
            "legal_basis": f"Quyết định {rng.randint(100, 2999)}/QĐ-UBND năm 2024 của UBND tỉnh",
            "legal_article": f"Điều {rng.randint(1, 30)}",
            "owner_agency_id": owner["id"],
            "valid_from": valid_from.isoformat(),
        }
        rows.append(row)
        return row

    start = date(2024, 1, 1)
    for sector, count in zip(sectors, _spread(rng, t.province_before, len(sectors)), strict=True):
        for _ in range(count):
            task("T", sector, state.departments[sector.name], start)
    district_tasks: list[tuple[dict[str, Any], dict[str, Any], Sector]] = []
    for district, count in zip(districts, _spread(rng, t.district_before, len(districts)), strict=True):
        for _ in range(count):
            sector = rng.choice(sectors)
            office = office_of_district[(district["id"], sector.district_office)]
            district_tasks.append((task("H", sector, office, start), district, sector))
    commune_tasks: list[tuple[dict[str, Any], dict[str, Any], Sector]] = []
    for _ in range(t.commune_before):
        committee = rng.choice(committees)
        sector = rng.choice(sectors)
        commune_tasks.append((task("X", sector, committee, start), committee, sector))
    columns = ["code", "title", "sector", "legal_basis", "legal_article", "owner_agency_id", "valid_from"]
    await api.upload(f"{org}/tasks/imports", "tasks.csv", _csv(columns, rows), province=province_code)

    # 2025-07-01: the district's tasks go to the new communes or the province.
    communes_of_district: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_id = {c["id"]: c for c in state.communes}
    former_parent = {c["id"]: c["parent_id"] for c in state.former_communes}
    for former_id, new_id in state.successor.items():
        district_id = former_parent.get(former_id)
        if district_id and by_id[new_id] not in communes_of_district[district_id]:
            communes_of_district[district_id].append(by_id[new_id])
    rng.shuffle(district_tasks)
    moves: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for index, (row, district, sector) in enumerate(district_tasks):
        if index < t.district_to_commune:
            target = _office_of(state, rng.choice(communes_of_district[district["id"]]), sector)
        else:
            target = state.departments[sector.name]
        moves[row["owner_agency_id"]].append({"task_code": row["code"], "to_agency_id": target["id"]})
    for row, committee, sector in commune_tasks:
        target = _office_of(state, by_id[state.successor[committee["unit_id"]]], sector)
        moves[row["owner_agency_id"]].append({"task_code": row["code"], "to_agency_id": target["id"]})
    district_office_ids = {o["id"] for o in office_of_district.values()}

    async def transfer(item: tuple[str, list[dict[str, Any]]]) -> None:
        from_agency, transfer_rows = item
        district = from_agency in district_office_ids
        body = {
            "from_agency_id": from_agency,
            "effective_date": REFORM.isoformat(),
            "mode": "taken_over_from_district" if district else "reassigned",
            "legal_basis": DISTRICT_HANDOVER_BASIS if district else COMMUNE_HANDOVER_BASIS,
            "rows": transfer_rows,
        }
        await api.post(f"{org}/task-transfers/bulk", body, key=stable_key("bulk", province_code, from_agency))

    await each(sorted(moves.items()), transfer)

    # Tasks ministries decentralised after the reform.
    handed_down: list[tuple[Sector, dict[str, Any]]] = []
    for _ in range(t.decentralised_to_province):
        sector = rng.choice(sectors)
        handed_down.append((sector, state.departments[sector.name]))
    for _ in range(t.decentralised_to_commune):
        sector = rng.choice(sectors)
        handed_down.append((sector, _office_of(state, rng.choice(state.communes), sector)))

    async def decentralise(item: tuple[int, tuple[Sector, dict[str, Any]]]) -> None:
        index, (sector, owner) = item
        level = "T" if owner["level"] == "province" else "X"
        body = {
            "code": f"{province_code}-{level}-{sector.abbreviation}-PC{index:04d}",
            "title": pools[sector.name].pop(),
            "sector": sector.name,
            "legal_basis": f"Nghị định {rng.randint(100, 180)}/2025/NĐ-CP phân cấp, phân quyền lĩnh vực {sector.name.lower()}",
            "legal_article": f"Điều {rng.randint(2, 20)}",
            "owner_agency_id": owner["id"],
            "valid_from": (REFORM + timedelta(days=rng.randint(0, (AFTER - REFORM).days - 1))).isoformat(),
            "origin": {
                "mode": "decentralised",
                "from_authority": sector.ministry,
                "legal_basis": f"Nghị định {rng.randint(100, 180)}/2025/NĐ-CP",
            },
        }
        await api.post(f"{org}/tasks", body, key=stable_key("decentralised", province_code, index))

    await each(list(enumerate(handed_down, start=1)), decentralise)
