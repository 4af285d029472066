"""Vietnam's administrative units before and after 1 July 2025, from ``vietnamadminunits``.

The package ships the 63 former provinces with their districts and communes, the 34
provinces and 3,321 communes in force since 2025-07-01, and which former units formed each
new commune. This module turns that into a plan of units and changes with stable ids:
the same unit always gets the same id, so importing twice changes nothing.
"""

from __future__ import annotations

import importlib.resources
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from vietnamadminunits.database import query

from .models import ChangeKind, UnitKind, UnitLevel

REFORM_DATE = date(2025, 7, 1)
LAST_DAY_BEFORE_REFORM = date(2025, 6, 30)
_ID_NAMESPACE = uuid.UUID("5f0e3f8c-6a57-4f0b-9a55-2f4e1c0d7a11")

PROVINCE_RESOLUTION = "Nghị quyết 202/2025/QH15 ngày 12/06/2025 của Quốc hội về sắp xếp đơn vị hành chính cấp tỉnh"
DISTRICT_END_BASIS = (
    "Nghị quyết 202/2025/QH15 ngày 12/06/2025 (đơn vị hành chính cấp huyện kết thúc hoạt động từ 01/07/2025); "
    "Luật Tổ chức chính quyền địa phương số 72/2025/QH15"
)
# NOTE: the package does not name the Standing Committee resolution of each province's
# commune rearrangement; those known to the project are listed, the others get a
# descriptive basis that a planner can correct.
COMMUNE_RESOLUTIONS = {"04": "Nghị quyết 1657/NQ-UBTVQH15 ngày 16/06/2025 của Ủy ban Thường vụ Quốc hội"}

GENERIC_COMMUNE_RESOLUTION = "Nghị quyết năm 2025 của Ủy ban Thường vụ Quốc hội về sắp xếp đơn vị hành chính cấp xã"

_PROVINCE_KINDS = {"Tỉnh": UnitKind.TINH, "Thành phố": UnitKind.THANH_PHO_TRUC_THUOC_TW}
_DISTRICT_KINDS = {
    "Huyện": UnitKind.HUYEN,
    "Quận": UnitKind.QUAN,
    "Thị xã": UnitKind.THI_XA,
    "Thành phố": UnitKind.THANH_PHO_THUOC_TINH,
}
_COMMUNE_KINDS = {"Xã": UnitKind.XA, "Phường": UnitKind.PHUONG, "Thị trấn": UnitKind.THI_TRAN, "Đặc khu": UnitKind.DAC_KHU}


@dataclass(frozen=True)
class PlannedUnit:
    id: uuid.UUID
    code: str
    name: str
    short_name: str
    kind: UnitKind
    level: UnitLevel
    parent_id: uuid.UUID | None
    province_code: str
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True)
class PlannedChange:
    id: uuid.UUID
    kind: ChangeKind
    effective_date: date
    legal_basis: str
    province_code: str
    note: str | None
    source_ids: tuple[uuid.UUID, ...]
    result_ids: tuple[uuid.UUID, ...]


@dataclass
class ImportPlan:
    units: list[PlannedUnit] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)
    splits: list[str] = field(default_factory=list)


def unit_id(level: UnitLevel, code: str, valid_from: date | None) -> uuid.UUID:
    return uuid.uuid5(_ID_NAMESPACE, f"{level.value}:{code}:{valid_from.isoformat() if valid_from else 'before-2025-07-01'}")


def _change_id(kind: ChangeKind, sources: Iterable[uuid.UUID], results: Iterable[uuid.UUID]) -> uuid.UUID:
    members = ",".join(sorted(map(str, sources))) + "->" + ",".join(sorted(map(str, results)))
    return uuid.uuid5(_ID_NAMESPACE, f"change:{kind.value}:{REFORM_DATE.isoformat()}:{members}")


def _strip(name: str, prefixes: Iterable[str]) -> str:
    for prefix in sorted(prefixes, key=len, reverse=True):
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :]
    return name


def _kind(name: str, kinds: dict[str, UnitKind]) -> UnitKind:
    for prefix in sorted(kinds, key=len, reverse=True):
        if name.startswith(prefix + " "):
            return kinds[prefix]
    raise ValueError(f"cannot tell the kind of {name!r}")


def _converter() -> dict[str, Any]:
    data = importlib.resources.files("vietnamadminunits").joinpath("data/converter_2025.json").read_text(encoding="utf-8")
    result: dict[str, Any] = json.loads(data)
    return result


def national_plan() -> ImportPlan:
    """Every unit and change of the 2025 reorganisation, nationwide."""
    legacy = query(
        "SELECT DISTINCT province, provinceCode, provinceKey, district, districtType, districtCode, districtKey, "
        "ward, wardType, wardCode, wardKey FROM admin_units_legacy"
    )
    current = query("SELECT DISTINCT province, provinceCode, provinceKey, ward, wardType, wardCode, wardKey FROM admin_units")
    converter = _converter()
    plan = ImportPlan()

    # Provinces: one kept whole continues as the same unit; merged ones end and a new one begins.
    former_provinces = {r["provinceKey"]: r for r in legacy}
    new_provinces = {r["provinceKey"]: r for r in current}
    province_ids: dict[str, uuid.UUID] = {}
    for new_key, old_keys in sorted(converter["DICT_PROVINCE"].items()):
        new = new_provinces[new_key]
        continuing = old_keys == [new_key] and former_provinces[new_key]["provinceCode"] == new["provinceCode"]
        if continuing:
            pid = unit_id(UnitLevel.PROVINCE, new["provinceCode"], None)
            plan.units.append(_province(pid, new, None, None))
            province_ids[f"old:{new_key}"] = province_ids[f"new:{new_key}"] = pid
            continue
        new_id = unit_id(UnitLevel.PROVINCE, new["provinceCode"], REFORM_DATE)
        plan.units.append(_province(new_id, new, REFORM_DATE, None))
        province_ids[f"new:{new_key}"] = new_id
        old_ids = []
        for old_key in old_keys:
            old = former_provinces[old_key]
            old_id = unit_id(UnitLevel.PROVINCE, old["provinceCode"], None)
            plan.units.append(_province(old_id, old, None, LAST_DAY_BEFORE_REFORM))
            province_ids[f"old:{old_key}"] = old_id
            old_ids.append(old_id)
        plan.changes.append(
            PlannedChange(
                id=_change_id(ChangeKind.MERGE, old_ids, [new_id]),
                kind=ChangeKind.MERGE if len(old_ids) > 1 else ChangeKind.REORGANISE,
                effective_date=REFORM_DATE,
                legal_basis=PROVINCE_RESOLUTION,
                province_code=new["provinceCode"],
                note=None,
                source_ids=tuple(old_ids),
                result_ids=(new_id,),
            )
        )

    # Former districts and communes, valid until 2025-06-30.
    district_ids: dict[tuple[str, str], uuid.UUID] = {}
    former_commune_ids: dict[tuple[str, str, str], uuid.UUID] = {}
    for row in legacy:
        district_key = (row["provinceKey"], row["districtKey"])
        if district_key not in district_ids:
            did = unit_id(UnitLevel.DISTRICT, row["districtCode"], None)
            district_ids[district_key] = did
            plan.units.append(
                PlannedUnit(
                    id=did,
                    code=row["districtCode"],
                    name=row["district"],
                    short_name=_strip(row["district"], _DISTRICT_KINDS),
                    kind=_DISTRICT_KINDS[row["districtType"]],
                    level=UnitLevel.DISTRICT,
                    parent_id=province_ids[f"old:{row['provinceKey']}"],
                    province_code=row["provinceCode"],
                    valid_from=None,
                    valid_to=LAST_DAY_BEFORE_REFORM,
                )
            )
        if not row["wardCode"]:
            continue  # an island district with no communes: it became a special zone itself
        cid = unit_id(UnitLevel.COMMUNE, row["wardCode"], None)
        former_commune_ids[(row["provinceKey"], row["districtKey"], row["wardKey"])] = cid
        plan.units.append(
            PlannedUnit(
                id=cid,
                code=row["wardCode"],
                name=row["ward"],
                short_name=_strip(row["ward"], _COMMUNE_KINDS),
                kind=_COMMUNE_KINDS[row["wardType"]],
                level=UnitLevel.COMMUNE,
                parent_id=district_ids[district_key],
                province_code=row["provinceCode"],
                valid_from=None,
                valid_to=LAST_DAY_BEFORE_REFORM,
            )
        )

    # Communes in force since 2025-07-01, directly under their province.
    new_commune_ids: dict[tuple[str, str], uuid.UUID] = {}
    new_commune_names: dict[uuid.UUID, str] = {}
    for row in current:
        nid = unit_id(UnitLevel.COMMUNE, row["wardCode"], REFORM_DATE)
        new_commune_ids[(row["provinceKey"], row["wardKey"])] = nid
        new_commune_names[nid] = row["ward"]
        plan.units.append(
            PlannedUnit(
                id=nid,
                code=row["wardCode"],
                name=row["ward"],
                short_name=_strip(row["ward"], _COMMUNE_KINDS),
                kind=_kind(row["ward"], _COMMUNE_KINDS),
                level=UnitLevel.COMMUNE,
                parent_id=province_ids[f"new:{row['provinceKey']}"],
                province_code=row["provinceCode"],
                valid_from=REFORM_DATE,
                valid_to=None,
            )
        )

    former_names = {u.id: u.name for u in plan.units}

    def former_unit(old_key: str) -> uuid.UUID:
        province_key, district_key, ward_key = old_key.split("_")
        if ward_key:
            return former_commune_ids[(province_key, district_key, ward_key)]
        return district_ids[(province_key, district_key)]

    province_codes = {key: row["provinceCode"] for key, row in new_provinces.items()}
    absorbed: set[uuid.UUID] = set()
    for province_key, communes in sorted(converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items()):
        code = province_codes[province_key]
        province_name = new_provinces[province_key]["province"]
        basis = COMMUNE_RESOLUTIONS.get(code, f"{GENERIC_COMMUNE_RESOLUTION} của {province_name}")
        for ward_key, old_keys in sorted(communes.items()):
            result = new_commune_ids[(province_key, ward_key)]
            sources = tuple(former_unit(k) for k in old_keys)
            absorbed.update(sources)
            if len(sources) > 1:
                kind = ChangeKind.MERGE
            elif former_names[sources[0]] != new_commune_names[result]:
                kind = ChangeKind.RENAME
            else:
                kind = ChangeKind.REORGANISE
            plan.changes.append(
                PlannedChange(
                    id=_change_id(kind, sources, [result]),
                    kind=kind,
                    effective_date=REFORM_DATE,
                    legal_basis=basis,
                    province_code=code,
                    note=None,
                    source_ids=sources,
                    result_ids=(result,),
                )
            )
        for old_key, targets in sorted(converter["DICT_PROVINCE_WARD_DIVIDED"].get(province_key, {}).items()):
            source = former_unit(old_key)
            absorbed.add(source)
            results = tuple(new_commune_ids[(province_key, t["newWardKey"])] for t in targets)
            default = next(
                (new_commune_names[new_commune_ids[(province_key, t["newWardKey"])]] for t in targets if t["isDefaultNewWard"]),
                None,
            )
            note = (
                "Ambiguous in the source data: this former unit was divided between "
                + ", ".join(new_commune_names[r] for r in results)
                + (f"; by default its addresses go to {default}" if default else "")
            )
            plan.splits.append(f"{former_names[source]} ({code}) -> " + ", ".join(new_commune_names[r] for r in results))
            plan.changes.append(
                PlannedChange(
                    id=_change_id(ChangeKind.SPLIT, [source], results),
                    kind=ChangeKind.SPLIT,
                    effective_date=REFORM_DATE,
                    legal_basis=basis,
                    province_code=code,
                    note=note,
                    source_ids=(source,),
                    result_ids=results,
                )
            )

    # Every former district not itself turned into a commune-level unit was abolished.
    # NOTE: filed under the province in force since 2025-07-01 that absorbed the district's.
    successor_province = {old: province_codes[new] for new, olds in converter["DICT_PROVINCE"].items() for old in olds}
    for (old_province_key, _), did in sorted(district_ids.items()):
        if did in absorbed:
            continue
        plan.changes.append(
            PlannedChange(
                id=_change_id(ChangeKind.ABOLISH, [did], []),
                kind=ChangeKind.ABOLISH,
                effective_date=REFORM_DATE,
                legal_basis=DISTRICT_END_BASIS,
                province_code=successor_province[old_province_key],
                note=None,
                source_ids=(did,),
                result_ids=(),
            )
        )
    return plan


def _province(pid: uuid.UUID, row: dict[str, Any], valid_from: date | None, valid_to: date | None) -> PlannedUnit:
    return PlannedUnit(
        id=pid,
        code=row["provinceCode"],
        name=row["province"],
        short_name=_strip(row["province"], _PROVINCE_KINDS),
        kind=_kind(row["province"], _PROVINCE_KINDS),
        level=UnitLevel.PROVINCE,
        parent_id=None,
        province_code=row["provinceCode"],
        valid_from=valid_from,
        valid_to=valid_to,
    )


def province_plan(plan: ImportPlan, province_code: str) -> ImportPlan:
    """The part of ``plan`` for one province in force since 2025-07-01, with all it needs.

    That is the province, the former provinces merged into it, their districts and
    communes, its new communes, and every change between them; parents are included so
    the hierarchy stays whole.
    """
    units = {u.id: u for u in plan.units}
    if not any(u.level is UnitLevel.PROVINCE and u.code == province_code and u.valid_to is None for u in plan.units):
        raise LookupError(f"no province with code {province_code} is in force since {REFORM_DATE}")
    changes = [c for c in plan.changes if c.province_code == province_code]
    wanted = {u.id for u in plan.units if u.province_code == province_code and u.valid_to is None}
    for change in changes:
        wanted.update(change.source_ids, change.result_ids)
    children: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for u in plan.units:
        if u.parent_id is not None:
            children[u.parent_id].append(u.id)
    former_provinces = [s for c in changes for s in c.source_ids if units[s].level is UnitLevel.PROVINCE]
    stack = list(former_provinces)
    while stack:  # everything under a former province merged into this one
        for child in children[stack.pop()]:
            if child not in wanted:
                wanted.add(child)
                stack.append(child)
    for uid in list(wanted):  # and every ancestor
        parent = units[uid].parent_id
        while parent is not None and parent not in wanted:
            wanted.add(parent)
            parent = units[parent].parent_id
    return ImportPlan(
        units=[u for u in plan.units if u.id in wanted],
        changes=changes,
        splits=[s for s in plan.splits if f"({province_code})" in s],
    )
