"""The assets part of the scenario: premises and cars, their hand-over on 2025-07-01, the surplus.

Before the reform the former communes hold their premises (headquarters, village culture
houses, halls...) and the former districts hold theirs and all the cars. On 2025-07-01 each new
commune takes over everything its former communes held (one hand-over each, from its
predecessors in the lineage); some district premises become commune offices and the district
cars are shared out among the communes within the car norm (one allocation each); the other
district premises and cars are surplus, and each gets a disposition plan that has reached
some step of its workflow by 2026-04-15. Nothing of an abolished unit is left without a plan.

The register is one CSV import; hand-overs, allocations and plans are one call each.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .api import Api, each, stable_key
from .names import CAR_MODELS, COMMUNE_PREMISES, DISTRICT_PREMISES, VILLAGE_FIRST, VILLAGE_SECOND
from .org import OrgState, _csv
from .targets import AFTER, REFORM, Plan, Targets

A = "/api/v1/assets"
COLUMNS = [
    "code",
    "name",
    "kind",
    "province_code",
    "commune_code",
    "address",
    "land_area_m2",
    "floor_area_m2",
    "year_built",
    "condition",
    "land_use_certificate",
    "plate",
    "seats",
    "model_year",
    "original_value",
    "residual_value",
    "holder_code",
    "purpose",
    "allocated_from",
    "decision_number",
]
REASONS = {
    "hand_over_housing_land_fund": "Cơ sở nhà, đất không phù hợp quy hoạch sử dụng cho cơ quan, đơn vị cấp xã; "
    "không có nhu cầu sử dụng vào mục đích y tế, giáo dục, văn hóa",
    "sell": "Công trình xuống cấp, nằm xen kẹt khu dân cư; các cơ quan, đơn vị không có nhu cầu tiếp nhận",
    "liquidate": "Xe đã sử dụng trên 15 năm, hư hỏng, chi phí sửa chữa lớn; không cơ quan nào có nhu cầu điều chuyển",
}
DECISION = "Quyết định số {n}/QĐ-UBND của UBND tỉnh về bàn giao tài sản khi sắp xếp đơn vị hành chính"


@dataclass
class Asset:
    row: dict[str, Any]
    stands_in: str  # the former commune's id
    goes_to: str | None = None  # the new commune that receives it on 2025-07-01 (district assets)
    plan: Plan | None = None
    id: str = ""
    version: int = 1


def _village(rng: random.Random) -> str:
    return f"{rng.choice(VILLAGE_FIRST)} {rng.choice(VILLAGE_SECOND)}"


def _premises(
    rng: random.Random, code: str, name: str, commune: dict[str, Any], district: dict[str, Any], *, big: bool
) -> dict[str, Any]:
    built = rng.randint(1995, 2020)
    land = rng.randint(2000, 12000) if big else rng.randint(150, 2500)
    value = rng.randint(30, 150) * 100_000_000 if big else rng.randint(3, 15) * 100_000_000
    return {
        "code": code,
        "name": name,
        "kind": "premises",
        "province_code": commune["province_code"],
        "commune_code": commune["code"],
        "address": f"{_hamlet(rng, commune)}, {_lower(commune['name'])}, {_lower(district['name'])}, tỉnh Cao Bằng",
        "land_area_m2": land,
        "floor_area_m2": int(land * rng.uniform(0.15, 0.5)),
        "year_built": built,
        "condition": rng.choices(("good", "fair", "degraded", "damaged"), weights=(35, 40, 20, 5))[0],
        "land_use_certificate": f"{rng.choice('ABCDEF')}{rng.choice('ABCDEFGHK')} {rng.randint(100000, 999999)}",
        "original_value": value,
        "residual_value": int(value * max(0.1, 1 - (2025 - built) * 0.03)),
        "purpose": "office",
        "allocated_from": f"{max(built, 2008)}-01-01",
    }


def _hamlet(rng: random.Random, commune: dict[str, Any]) -> str:
    """A xóm in a rural commune, a tổ dân phố in a ward or township."""
    if commune["kind"] in ("phuong", "thi_tran"):
        return f"Tổ dân phố {rng.randint(1, 24)}"
    return f"Xóm {_village(rng)}"


def _lower(name: str) -> str:
    return f"{name[:1].lower()}{name[1:]}"


def _register(rng: random.Random, state: OrgState, targets: Targets) -> list[Asset]:
    t = targets.assets
    assets: list[Asset] = []
    district_of = {d["id"]: d for d in state.districts}
    formers = sorted(state.former_communes, key=lambda c: c["code"])
    shares = [t.premises_from_former_communes // len(formers)] * len(formers)
    for i in rng.sample(range(len(formers)), t.premises_from_former_communes % len(formers)):
        shares[i] += 1
    for commune, count in zip(formers, shares, strict=True):
        district = district_of[commune["parent_id"]]
        for n in range(1, count + 1):
            if n == 1:
                name = f"Trụ sở Đảng ủy - HĐND - UBND {_lower(commune['name'])}"
            elif n <= 4:
                name = f"{COMMUNE_PREMISES[n - 1]} {_lower(commune['name'])}"
            else:
                name = f"Nhà văn hóa {_lower(_hamlet(rng, commune))}, {_lower(commune['name'])}"
            row = _premises(rng, f"04.{commune['code']}.ND.{n:03d}", name, commune, district, big=n == 1)
            row["holder_code"] = commune["code"]
            row["purpose"] = "office" if n <= 3 else "public_service_facility"
            row["decision_number"] = f"{rng.randint(10, 900)}/QĐ-UBND"
            assets.append(Asset(row, commune["id"]))

    # The districts' premises: some become commune offices, the others surplus with plans.
    communes_of = defaultdict(list)
    for commune in formers:
        communes_of[commune["parent_id"]].append(commune)
    plans = [plan for plan in t.plans for _ in range(plan.count)]
    premises_plans = [p for p in plans if p.kind == "premises"]
    car_plans = [p for p in plans if p.kind == "car"]
    rng.shuffle(premises_plans)
    district_premises = t.district_premises_to_communes + len(premises_plans)
    districts = sorted(state.districts, key=lambda d: d["code"])
    numbers: dict[str, int] = defaultdict(int)
    for index in range(district_premises):
        district = districts[index % len(districts)]
        numbers[district["id"]] += 1
        n = numbers[district["id"]]
        commune = rng.choice(communes_of[district["id"]])
        name = f"{DISTRICT_PREMISES[(n - 1) % len(DISTRICT_PREMISES)]} {_lower(district['name'])}"
        if n > len(DISTRICT_PREMISES):
            name += f" (cơ sở {n // len(DISTRICT_PREMISES) + 1})"
        row = _premises(rng, f"04.{district['code']}.ND.{n:03d}", name, commune, district, big=True)
        row["holder_code"] = district["code"]
        row["decision_number"] = f"{rng.randint(10, 900)}/QĐ-UBND"
        asset = Asset(row, commune["id"])
        if index < t.district_premises_to_communes:
            asset.goes_to = state.successor[commune["id"]]
        else:
            asset.plan = premises_plans[index - t.district_premises_to_communes]
        assets.append(asset)

    # The districts' cars: one for every new commune, a second for a few, the rest surplus.
    plates: set[str] = set()
    cars: list[tuple[dict[str, Any], str | None, Plan | None]] = []
    by_district_formers: dict[str, list[str]] = defaultdict(list)
    for former_id, new_id in state.successor.items():
        parent = next(c["parent_id"] for c in formers if c["id"] == former_id)
        if parent not in by_district_formers[new_id]:
            by_district_formers[new_id].append(parent)
    communes = sorted(state.communes, key=lambda c: c["code"])
    receivers = [c["id"] for c in communes] + [c["id"] for c in rng.sample(communes, t.cars_to_communes - len(communes))]
    for receiver in receivers:
        cars.append((district_of[rng.choice(by_district_formers[receiver])], receiver, None))
    for plan in car_plans:
        cars.append((rng.choice(districts), None, plan))
    car_numbers: dict[str, int] = defaultdict(int)
    for district, receiver, car_plan in cars:
        car_numbers[district["id"]] += 1
        while (plate := f"11A-{rng.randint(0, 999):03d}.{rng.randint(0, 99):02d}") in plates:
            pass
        plates.add(plate)
        model, seats = CAR_MODELS[rng.randrange(len(CAR_MODELS))]
        year = rng.randint(2006, 2012) if car_plan is not None else rng.randint(2014, 2023)
        value = rng.randint(70, 95) * 10_000_000
        commune = rng.choice(communes_of[district["id"]])
        row = {
            "code": f"04.{district['code']}.XE.{car_numbers[district['id']]:02d}",
            "name": f"Xe ô tô {model} phục vụ công tác chung, {_lower(district['name'])}",
            "kind": "car",
            "province_code": "04",
            "commune_code": commune["code"],
            "plate": plate,
            "seats": seats,
            "model_year": year,
            "original_value": value,
            "residual_value": int(value * max(0.05, 1 - (2025 - year) * 0.1)),
            "holder_code": district["code"],
            "purpose": "general_work_car",
            "allocated_from": f"{max(year, 2008)}-06-01",
            "decision_number": f"{rng.randint(10, 900)}/QĐ-UBND",
        }
        asset = Asset(row, commune["id"], goes_to=receiver, plan=car_plan)
        assets.append(asset)
    return assets


def _dates(rng: random.Random, plan: Plan) -> dict[str, date]:
    """The days of each step a plan reached, in order, all on or before 2026-04-15."""
    if plan.step == "proposed":
        return {"proposed": date(2026, 1, 5) + timedelta(days=rng.randint(0, 95))}
    if plan.step == "submitted":
        submitted = (
            date(2026, 2, 10) + timedelta(days=rng.randint(0, 30))
            if plan.overdue
            else date(2026, 3, 30) + timedelta(days=rng.randint(0, 12))
        )
        return {"proposed": submitted - timedelta(days=rng.randint(10, 40)), "submitted": submitted}
    proposed = date(2025, 7, 20) + timedelta(days=rng.randint(0, 120))
    submitted = proposed + timedelta(days=rng.randint(7, 30))
    decided = submitted + timedelta(days=rng.randint(5, 19))
    found = {"proposed": proposed, "submitted": submitted, "decided": decided}
    if plan.step == "executed":
        found["executed"] = decided + timedelta(days=rng.randint(10, 45))
    assert max(found.values()) <= AFTER
    return found


def _plan_calls(rng: random.Random, asset: Asset, state: OrgState) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """The proposal and the steps after it (drawn before any call, so the seed alone decides them)."""
    plan = asset.plan
    assert plan is not None
    days = _dates(rng, plan)
    body: dict[str, Any] = {"asset_id": asset.id, "form": plan.form, "proposed_on": days["proposed"].isoformat()}
    receiving_commune = {"kind": "unit", "id": state.successor[asset.stands_in]}
    if plan.form == "repurpose":
        body |= {"repurpose_to": plan.repurpose_to, "receiving_holder": receiving_commune}
    elif plan.form == "keep_reallocate":
        body |= {"receiving_holder": receiving_commune, "receiving_purpose": "office"}
    elif plan.form == "transfer":
        sector = "Y tế" if asset.row["kind"] == "premises" else rng.choice(sorted(state.departments))
        body |= {
            "receiving_holder": {"kind": "agency", "id": state.departments[sector]["id"]},
            "receiving_purpose": "public_service_facility" if asset.row["kind"] == "premises" else "general_work_car",
        }
    if plan.form in REASONS:
        body["reason_higher_forms_unfit"] = REASONS[plan.form]
    steps: list[tuple[str, dict[str, Any]]] = []
    if "submitted" in days:
        steps.append(("submit", {"submitted_on": days["submitted"].isoformat(), "dossier_ref": f"HS-{rng.randint(100, 999)}"}))
    if "decided" in days:
        decision = {
            "decision_number": f"{rng.randint(100, 2999)}/QĐ-UBND",
            "decided_on": days["decided"].isoformat(),
            "authority": "UBND tỉnh Cao Bằng",
        }
        steps.append(("approve", decision))
    if "executed" in days:
        record = f"Biên bản bàn giao số {rng.randint(1, 99)}/BB"
        steps.append(("execute", {"executed_on": days["executed"].isoformat(), "handover_record": record}))
    return body, steps


async def _plan(api: Api, province: str, asset: Asset, body: dict[str, Any], steps: list[tuple[str, dict[str, Any]]]) -> None:
    record = await api.post(f"{A}/dispositions", body, key=stable_key("disposition", province, asset.id))
    for action, step in steps:
        path = f"{A}/dispositions/{record['id']}/{action}"
        record = await api.call("POST", path, json=step, headers={"If-Match": f'"{record["version"]}"'})


async def load_assets(api: Api, rng: random.Random, province: str, targets: Targets, state: OrgState) -> dict[str, Any]:
    assets = _register(rng, state, targets)
    await api.upload(f"{A}/assets/imports", "tai-san-cong.csv", _csv(COLUMNS, [a.row for a in assets]))
    by_code = {a.row["code"]: a for a in assets}
    for record in await api.all(f"{A}/assets", province=province):
        if (asset := by_code.get(record["code"])) is not None:
            asset.id, asset.version = record["id"], record["version"]

    # 2025-07-01: every new commune takes over what its former communes held.
    receiving = sorted({state.successor[c["id"]] for c in state.former_communes if c["id"] in state.successor})

    async def hand_over(index_and_commune: tuple[int, str]) -> None:
        index, commune_id = index_and_commune
        body = {
            "from_predecessors": True,
            "to_holder": {"kind": "unit", "id": commune_id},
            "effective_date": REFORM.isoformat(),
            "decision_number": f"{1200 + index}/QĐ-UBND",
            "note": "Bàn giao tài sản, hồ sơ của các xã cũ cho xã mới theo Nghị quyết 1657/NQ-UBTVQH15",
        }
        await api.post(f"{A}/handovers", body, key=stable_key("handover", province, commune_id))

    await each(list(enumerate(receiving, start=1)), hand_over)

    # The same day, district premises kept as commune offices and the cars, one by one.
    async def allocate(asset: Asset) -> None:
        body = {
            "holder": {"kind": "unit", "id": asset.goes_to},
            "purpose": asset.row["purpose"],
            "valid_from": REFORM.isoformat(),
            "decision_number": "1189/QĐ-UBND",
            "note": "Bố trí tài sản của cấp huyện cho cấp xã khi kết thúc hoạt động của chính quyền cấp huyện",
        }
        await api.call("POST", f"{A}/assets/{asset.id}/allocations", json=body, headers={"If-Match": f'"{asset.version}"'})

    await each([a for a in assets if a.goes_to is not None], allocate)
    surplus = [(a, *_plan_calls(rng, a, state)) for a in assets if a.plan is not None]
    await each(surplus, lambda item: _plan(api, province, *item))
    return {
        "assets": len(assets),
        "handovers": len(receiving),
        "allocated": sum(1 for a in assets if a.goes_to),
        "plans": len(surplus),
    }
