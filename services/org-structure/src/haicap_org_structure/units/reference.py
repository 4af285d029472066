"""Vietnam's administrative units before and after 1 July 2025, from ``vietnamadminunits``.

The package ships the 63 former provinces with their districts and communes, the 34
provinces and 3,321 communes in force since 2025-07-01, and which former units formed each
new commune. This module turns that into a plan of units and changes with stable ids:
the same unit always gets the same id, so importing twice changes nothing.

Three rules sit on top of the package (see the service README, "Reference data rules"):

- same-named communes: the package matched former units by name alone where a resolution
  names a commune with its district, so a former commune can be linked to the successor of a
  same-named commune elsewhere. Such links are dropped (:func:`_resolve_same_names`) and
  reported;
- official codes and names (``data/communes.csv``, ``data/provinces.csv``) win over the
  package's; each difference is a dated :class:`PlannedCorrection`;
- the changes after 2025-07-01 (``data/changes_after_2025-07-01.csv``) are applied on their
  dates.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
import json
import math
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from haicap_shared.codes import UnitLevel
from haicap_shared.text import search_key
from haicap_shared.validity import Interval

from . import repository
from .models import KIND_LABELS, ChangeKind, CorrectedField, UnitKind

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

OFFICIAL_LIST = (
    "Danh mục và mã số đơn vị hành chính cấp xã (Công văn 1027/CTK-CSCL ngày 25/06/2025 của Cục Thống kê; "
    "mã theo danhmuchanhchinh.nso.gov.vn), bản sao data/communes.csv"
)
OFFICIAL_PROVINCES = "Danh mục đơn vị hành chính cấp tỉnh (Công văn 915/CTK-CSCL của Cục Thống kê), bản sao data/provinces.csv"

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


@dataclass(frozen=True)
class PlannedCorrection:
    """An official value that replaces the package's for one unit, from ``effective_date``."""

    id: uuid.UUID
    unit_id: uuid.UUID
    field: CorrectedField
    package_value: str
    official_value: str
    effective_date: date
    source: str
    province_code: str

    def describe(self) -> str:
        return (
            f"{self.field.value} {self.package_value} -> {self.official_value} "
            f"({self.province_code}, from {self.effective_date}; {self.source})"
        )


@dataclass(frozen=True)
class DroppedLink:
    """A package link from a former unit to a new one that the same-name rule rejected."""

    former_code: str
    former_name: str
    former_district: str
    former_province: str
    new_code: str
    new_name: str
    province_code: str
    reason: str

    def describe(self) -> str:
        return (
            f"{self.former_name} ({self.former_code}, {self.former_district}, {self.former_province}) -x-> "
            f"{self.new_name} ({self.new_code}) [{self.province_code}]: {self.reason}"
        )


@dataclass
class ImportPlan:
    """The units, changes and corrections to import, with what the import summary reports about them."""

    units: list[PlannedUnit] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)
    splits: list[str] = field(default_factory=list)
    dropped_links: list[DroppedLink] = field(default_factory=list)
    corrections: list[PlannedCorrection] = field(default_factory=list)
    # NOTE: the changes the package's raw links make and the same-name rule drops; the importer
    # removes them where present, so a database imported from the package alone converges on
    # the same lineage as a fresh import.
    superseded_change_ids: dict[uuid.UUID, str] = field(default_factory=dict)  # id -> province code
    unmatched: list[str] = field(default_factory=list)


def unit_id(level: UnitLevel, code: str, valid_from: date | None) -> uuid.UUID:
    return uuid.uuid5(_ID_NAMESPACE, f"{level.value}:{code}:{valid_from.isoformat() if valid_from else 'before-2025-07-01'}")


def _change_id(
    kind: ChangeKind, sources: Iterable[uuid.UUID], results: Iterable[uuid.UUID], effective: date = REFORM_DATE
) -> uuid.UUID:
    members = ",".join(sorted(map(str, sources))) + "->" + ",".join(sorted(map(str, results)))
    return uuid.uuid5(_ID_NAMESPACE, f"change:{kind.value}:{effective.isoformat()}:{members}")


def _correction_id(unit: uuid.UUID, corrected: CorrectedField, official: str) -> uuid.UUID:
    return uuid.uuid5(_ID_NAMESPACE, f"correction:{unit}:{corrected.value}:{official}")


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
# NOTE: "Hoà" (new style, mark on the last vowel) and "Hòa" (old style, used by the official
# list) are one name; the mark is moved onto the first vowel of a final oa/oe/uy ("quý" keeps it).
_NEW_STYLE_TONE = re.compile(f"(?<![qQ])([oOuU])([aAeEyY])([{_TONE_MARKS}])(?![\\w])")


def tone_key(name: str) -> str:
    """``name`` with tone marks placed the old (official) way, for comparing names."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", name))
    return unicodedata.normalize("NFC", _NEW_STYLE_TONE.sub(r"\1\3\2", decomposed))


def _data_csv(name: str) -> list[dict[str, str]]:
    text = importlib.resources.files("haicap_org_structure.units").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


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
    planner = _NationalPlanner(
        former=repository.package_former_register(), current=repository.package_current_register(), converter=_converter()
    )
    planner.add_provinces()
    planner.add_former_districts_and_communes()
    planner.add_new_communes()
    planner.add_commune_changes()
    planner.add_abolished_districts()
    plan = planner.plan
    _apply_official_list(plan)
    _apply_later_changes(plan)
    return plan


class _NationalPlanner:
    """Builds the plan of 2025-07-01 step by step; each step reads the ids the earlier ones gave.

    ``former`` and ``current`` are the package's registers before and after the reform (one
    row per commune, with its district and province); ``converter`` its links between them.
    """

    def __init__(self, former: list[dict[str, Any]], current: list[dict[str, Any]], converter: dict[str, Any]) -> None:
        self.former = former
        self.current = current
        self.converter = converter
        self.plan = ImportPlan()
        self.former_provinces = {r["provinceKey"]: r for r in former}
        self.new_provinces = {r["provinceKey"]: r for r in current}
        self.province_codes = {key: row["provinceCode"] for key, row in self.new_provinces.items()}
        # "old:<key>" and "new:<key>": a province kept whole has the same id under both.
        self.province_ids: dict[str, uuid.UUID] = {}
        self.district_ids: dict[tuple[str, str], uuid.UUID] = {}
        self.former_commune_ids: dict[tuple[str, str, str], uuid.UUID] = {}
        self.new_commune_ids: dict[tuple[str, str], uuid.UUID] = {}
        self.new_commune_names: dict[uuid.UUID, str] = {}
        # Former districts and communes that some new commune took (whole or in part).
        self.absorbed: set[uuid.UUID] = set()

    def add_provinces(self) -> None:
        """A province kept whole continues as the same unit; merged ones end and a new one begins."""
        for new_key, old_keys in sorted(self.converter["DICT_PROVINCE"].items()):
            new = self.new_provinces[new_key]
            continuing = old_keys == [new_key] and self.former_provinces[new_key]["provinceCode"] == new["provinceCode"]
            if continuing:
                pid = unit_id(UnitLevel.PROVINCE, new["provinceCode"], None)
                self.plan.units.append(_province(pid, new, None, None))
                self.province_ids[f"old:{new_key}"] = self.province_ids[f"new:{new_key}"] = pid
                continue
            new_id = unit_id(UnitLevel.PROVINCE, new["provinceCode"], REFORM_DATE)
            self.plan.units.append(_province(new_id, new, REFORM_DATE, None))
            self.province_ids[f"new:{new_key}"] = new_id
            old_ids = []
            for old_key in old_keys:
                old = self.former_provinces[old_key]
                old_id = unit_id(UnitLevel.PROVINCE, old["provinceCode"], None)
                self.plan.units.append(_province(old_id, old, None, LAST_DAY_BEFORE_REFORM))
                self.province_ids[f"old:{old_key}"] = old_id
                old_ids.append(old_id)
            self.plan.changes.append(
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

    def add_former_districts_and_communes(self) -> None:
        """Former districts and communes, valid until 2025-06-30."""
        for row in self.former:
            district_key = (row["provinceKey"], row["districtKey"])
            if district_key not in self.district_ids:
                did = unit_id(UnitLevel.DISTRICT, row["districtCode"], None)
                self.district_ids[district_key] = did
                self.plan.units.append(
                    PlannedUnit(
                        id=did,
                        code=row["districtCode"],
                        name=row["district"],
                        short_name=_strip(row["district"], _DISTRICT_KINDS),
                        kind=_DISTRICT_KINDS[row["districtType"]],
                        level=UnitLevel.DISTRICT,
                        parent_id=self.province_ids[f"old:{row['provinceKey']}"],
                        province_code=row["provinceCode"],
                        valid_from=None,
                        valid_to=LAST_DAY_BEFORE_REFORM,
                    )
                )
            if not row["wardCode"]:
                continue  # an island district with no communes: it became a special zone itself
            cid = unit_id(UnitLevel.COMMUNE, row["wardCode"], None)
            self.former_commune_ids[(row["provinceKey"], row["districtKey"], row["wardKey"])] = cid
            self.plan.units.append(
                PlannedUnit(
                    id=cid,
                    code=row["wardCode"],
                    name=row["ward"],
                    short_name=_strip(row["ward"], _COMMUNE_KINDS),
                    kind=_COMMUNE_KINDS[row["wardType"]],
                    level=UnitLevel.COMMUNE,
                    parent_id=self.district_ids[district_key],
                    province_code=row["provinceCode"],
                    valid_from=None,
                    valid_to=LAST_DAY_BEFORE_REFORM,
                )
            )

    def add_new_communes(self) -> None:
        """Communes in force since 2025-07-01, directly under their province."""
        for row in self.current:
            nid = unit_id(UnitLevel.COMMUNE, row["wardCode"], REFORM_DATE)
            self.new_commune_ids[(row["provinceKey"], row["wardKey"])] = nid
            self.new_commune_names[nid] = row["ward"]
            self.plan.units.append(
                PlannedUnit(
                    id=nid,
                    code=row["wardCode"],
                    name=row["ward"],
                    short_name=_strip(row["ward"], _COMMUNE_KINDS),
                    kind=_kind(row["ward"], _COMMUNE_KINDS),
                    level=UnitLevel.COMMUNE,
                    parent_id=self.province_ids[f"new:{row['provinceKey']}"],
                    province_code=row["provinceCode"],
                    valid_from=REFORM_DATE,
                    valid_to=None,
                )
            )

    def add_commune_changes(self) -> None:
        """For each new province, the merges, renames and splits that formed its communes."""
        former_names = {u.id: u.name for u in self.plan.units}
        former_rows = {f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}": r for r in self.former}
        new_rows = {(r["provinceKey"], r["wardKey"]): r for r in self.current}
        for province_key, communes in sorted(self.converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items()):
            code = self.province_codes[province_key]
            province_name = self.new_provinces[province_key]["province"]
            province = _ProvinceCommunes(
                key=province_key,
                code=code,
                basis=COMMUNE_RESOLUTIONS.get(code, f"{GENERIC_COMMUNE_RESOLUTION} của {province_name}"),
                links=_PackageLinks(communes, self.converter["DICT_PROVINCE_WARD_DIVIDED"].get(province_key, {})),
                former_names=former_names,
            )
            kept = _resolve_same_names(province.links, former_rows, new_rows, province_key, code, self.plan.dropped_links)
            self._add_whole_changes(province, kept)
            self._add_split_changes(province, kept)

    def _add_whole_changes(self, province: _ProvinceCommunes, kept: dict[str, list[str]]) -> None:
        """A merge (or a rename or reorganisation from one unit) into each new commune of the former units it took whole."""
        links = province.links
        for ward_key in sorted(links.sources):
            result = self.new_commune_ids[(province.key, ward_key)]
            raw_whole = [k for k in links.sources[ward_key] if k in links.whole_of]
            # NOTE: a former unit left with one successor after the same-name rule joins it whole.
            whole = raw_whole + sorted(k for k in links.sources[ward_key] if k in links.divided and kept[k] == [ward_key])
            if raw_whole and raw_whole != whole:
                raw_sources = tuple(self._former_unit(k) for k in raw_whole)
                raw_id = _change_id(self._whole_change_kind(province, raw_sources, result), raw_sources, [result])
                self.plan.superseded_change_ids[raw_id] = province.code
            if not whole:
                continue
            sources = tuple(self._former_unit(k) for k in whole)
            self.absorbed.update(sources)
            kind = self._whole_change_kind(province, sources, result)
            self.plan.changes.append(
                PlannedChange(
                    id=_change_id(kind, sources, [result]),
                    kind=kind,
                    effective_date=REFORM_DATE,
                    legal_basis=province.basis,
                    province_code=province.code,
                    note=None,
                    source_ids=sources,
                    result_ids=(result,),
                )
            )

    def _add_split_changes(self, province: _ProvinceCommunes, kept: dict[str, list[str]]) -> None:
        """A split of each former unit still divided between two or more new communes, reported as ambiguous."""
        for old_key, targets in sorted(province.links.divided.items()):
            source = self._former_unit(old_key)
            self.absorbed.add(source)
            raw_results = tuple(self.new_commune_ids[(province.key, t["newWardKey"])] for t in targets)
            remaining = [t for t in targets if t["newWardKey"] in kept[old_key]]
            if len(remaining) != len(targets):
                self.plan.superseded_change_ids[_change_id(ChangeKind.SPLIT, [source], raw_results)] = province.code
            if len(remaining) < 2:
                continue
            results = tuple(self.new_commune_ids[(province.key, t["newWardKey"])] for t in remaining)
            result_names = ", ".join(self.new_commune_names[r] for r in results)
            default = next(
                (
                    self.new_commune_names[self.new_commune_ids[(province.key, t["newWardKey"])]]
                    for t in remaining
                    if t["isDefaultNewWard"]
                ),
                None,
            )
            note = (
                "Ambiguous in the source data: this former unit was divided between "
                + result_names
                + (f"; by default its addresses go to {default}" if default else "")
            )
            self.plan.splits.append(f"{province.former_names[source]} ({province.code}) -> " + result_names)
            self.plan.changes.append(
                PlannedChange(
                    id=_change_id(ChangeKind.SPLIT, [source], results),
                    kind=ChangeKind.SPLIT,
                    effective_date=REFORM_DATE,
                    legal_basis=province.basis,
                    province_code=province.code,
                    note=note,
                    source_ids=(source,),
                    result_ids=results,
                )
            )

    def add_abolished_districts(self) -> None:
        """Every former district not itself turned into a commune-level unit was abolished.

        NOTE: filed under the province in force since 2025-07-01 that absorbed the district's.
        """
        successor_province = {
            old: self.province_codes[new] for new, olds in self.converter["DICT_PROVINCE"].items() for old in olds
        }
        for (old_province_key, _), did in sorted(self.district_ids.items()):
            if did in self.absorbed:
                continue
            self.plan.changes.append(
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

    def _former_unit(self, old_key: str) -> uuid.UUID:
        """The former commune (or island district) a converter key ``province_district_ward`` names."""
        province_key, district_key, ward_key = old_key.split("_")
        if ward_key:
            return self.former_commune_ids[(province_key, district_key, ward_key)]
        return self.district_ids[(province_key, district_key)]

    def _whole_change_kind(self, province: _ProvinceCommunes, sources: tuple[uuid.UUID, ...], result: uuid.UUID) -> ChangeKind:
        if len(sources) > 1:
            return ChangeKind.MERGE
        same_name = province.former_names[sources[0]] == self.new_commune_names[result]
        return ChangeKind.REORGANISE if same_name else ChangeKind.RENAME


@dataclass(frozen=True)
class _ProvinceCommunes:
    """One new province's part of the commune changes: its key and code, the basis, the package's links."""

    key: str
    code: str
    basis: str
    links: _PackageLinks
    former_names: dict[uuid.UUID, str]


@dataclass
class _PackageLinks:
    """The package's links in one new province: whole (old -> one new) and divided (old -> several)."""

    sources: dict[str, list[str]]  # new ward key -> old keys, whole ones first, in the package's order
    whole_of: dict[str, str]  # old key -> the new ward key it went to whole
    divided: dict[str, list[dict[str, Any]]]  # old key -> the package's targets

    def __init__(self, whole: dict[str, list[str]], divided: dict[str, list[dict[str, Any]]]) -> None:
        self.sources = {ward: list(olds) for ward, olds in whole.items()}
        self.whole_of = {old: ward for ward, olds in whole.items() for old in olds}
        self.divided = divided
        for old, targets in sorted(divided.items()):
            for target in targets:
                self.sources.setdefault(target["newWardKey"], []).append(old)

    def targets(self, old: str) -> list[str]:
        if old in self.whole_of:
            return [self.whole_of[old]]
        return [t["newWardKey"] for t in self.divided[old]]


def _district_of(old_key: str) -> str:
    return old_key.rsplit("_", 1)[0]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance on the ground, flat-earth approximation (fine at a province's scale)."""
    return math.hypot((lat1 - lat2) * 111.2, (lon1 - lon2) * 111.2 * math.cos(math.radians((lat1 + lat2) / 2)))


def _resolve_same_names(
    links: _PackageLinks,
    former: dict[str, dict[str, Any]],
    new: dict[tuple[str, str], dict[str, Any]],
    province_key: str,
    province_code: str,
    dropped: list[DroppedLink],
) -> dict[str, list[str]]:
    """Each former unit's successors once links that only a shared name supports are dropped.

    Former units are told apart by (former province, former district, name) and code. When a
    new commune's sources include same-named units of different former districts, the
    package matched a name of the resolution ("xã Hòa Bình") to all of them. The genuine one
    is the unit of a former district that also gives the new commune a source with another
    name; when no such district exists, the one nearest to the new commune by the package's
    own coordinates. The link of each other same-named unit is dropped if that unit keeps
    another successor; a unit is never left without one (it would then be kept and reported).
    """
    kept = {old: links.targets(old) for old in [*links.whole_of, *links.divided]}
    for ward_key, olds in sorted(links.sources.items()):
        by_name: dict[str, list[str]] = defaultdict(list)
        for old in olds:
            by_name[search_key(tone_key(former[old]["ward"] or former[old]["district"]))].append(old)
        clashes = {name: members for name, members in by_name.items() if len({_district_of(m) for m in members}) > 1}
        if not clashes:
            continue
        anchors = {_district_of(m) for name, members in by_name.items() if name not in clashes for m in members}
        target = new[(province_key, ward_key)]
        for members in clashes.values():
            genuine = [m for m in members if _district_of(m) in anchors]
            reason = (
                "same name as the unit of {kept}, whose former district forms this commune; "
                "nothing else in the source links this unit here"
            )
            if not genuine and target["wardLat"] is not None and all(former[m]["wardLat"] is not None for m in members):
                distance = {
                    m: _km(former[m]["wardLat"], former[m]["wardLon"], target["wardLat"], target["wardLon"]) for m in members
                }
                genuine = [min(members, key=lambda m: distance[m])]
                reason = (
                    "same name as the unit of {kept}, the nearer to this commune by the package's coordinates ("
                    + ", ".join(f"{former[m]['district']} {distance[m]:.0f} km" for m in sorted(members))
                    + "); nothing else in the source links this unit here"
                )
            if not genuine:
                continue
            for member in members:
                if member in genuine or ward_key not in kept[member] or len(kept[member]) < 2:
                    continue
                kept[member] = [w for w in kept[member] if w != ward_key]
                row = former[member]
                dropped.append(
                    DroppedLink(
                        former_code=row["wardCode"],
                        former_name=row["ward"],
                        former_district=row["district"],
                        former_province=row["province"],
                        new_code=target["wardCode"],
                        new_name=target["ward"],
                        province_code=province_code,
                        reason=reason.format(
                            kept=", ".join(sorted(f"{former[g]['district']} ({former[g]['province']})" for g in genuine))
                        ),
                    )
                )
    return kept


def _apply_official_list(plan: ImportPlan) -> None:
    """Official codes and names replace the package's; each difference becomes a correction."""
    official_communes = {row["code"]: row for row in _data_csv("communes.csv")}
    official_provinces = {row["code"]: row for row in _data_csv("provinces.csv")}
    by_name = {(row["province_code"], tone_key(row["full_name"])): row for row in official_communes.values()}
    current = [u for u in plan.units if u.valid_from == REFORM_DATE or (u.level is UnitLevel.PROVINCE and u.valid_to is None)]
    current_codes = {u.code for u in current if u.level is UnitLevel.COMMUNE}
    matched: set[str] = set()
    replaced: dict[uuid.UUID, PlannedUnit] = {}
    for unit in current:
        if unit.level is UnitLevel.PROVINCE:
            official = official_provinces.get(unit.code)
            source = OFFICIAL_PROVINCES
        else:
            # NOTE: matched by code when the names agree, else by (province, name) to a code the
            # package does not use (a wrong code), else by code alone (a wrong name).
            official = official_communes.get(unit.code)
            if official is None or tone_key(official["full_name"]) != tone_key(unit.name):
                candidate = by_name.get((unit.province_code, tone_key(unit.name)))
                if candidate and candidate["code"] not in current_codes:
                    official = candidate
            source = OFFICIAL_LIST
        if official is None:
            plan.unmatched.append(f"{unit.name} ({unit.code}, {unit.province_code}) is not in the official list")
            continue
        matched.add(f"{unit.level.value}:{official['code']}")
        fixed = unit
        if official["code"] != unit.code:
            fixed = replace(fixed, code=official["code"])
            plan.corrections.append(_correction(unit, CorrectedField.CODE, unit.code, official["code"], source))
        if tone_key(official["full_name"]) != tone_key(unit.name):
            kinds = _PROVINCE_KINDS if unit.level is UnitLevel.PROVINCE else _COMMUNE_KINDS
            fixed = replace(
                fixed,
                name=official["full_name"],
                short_name=_strip(official["full_name"], kinds),
                kind=_kind(official["full_name"], kinds),
            )
            plan.corrections.append(_correction(unit, CorrectedField.NAME, unit.name, official["full_name"], source))
        if fixed is not unit:
            replaced[unit.id] = fixed
    for level, rows in ((UnitLevel.COMMUNE, official_communes), (UnitLevel.PROVINCE, official_provinces)):
        plan.unmatched += [
            f"{row['full_name']} ({code}) of the official list is not in the package"
            for code, row in sorted(rows.items())
            if f"{level.value}:{code}" not in matched
        ]
    plan.units = [replaced.get(u.id, u) for u in plan.units]


def _correction(unit: PlannedUnit, corrected: CorrectedField, package: str, official: str, source: str) -> PlannedCorrection:
    return PlannedCorrection(
        id=_correction_id(unit.id, corrected, official),
        unit_id=unit.id,
        field=corrected,
        package_value=package,
        official_value=official,
        effective_date=unit.valid_from or REFORM_DATE,
        source=source,
        province_code=unit.province_code,
    )


def _apply_later_changes(plan: ImportPlan) -> None:
    """The changes after 2025-07-01 (``data/changes_after_2025-07-01.csv``), on their dates.

    A province that changes kind or name ends and a new unit begins; its communes are
    re-established under the new one (``reorganise``), or renamed when listed (a xã that
    became a phường). A listed commune of an unchanged province is renamed under it.
    """
    rows = sorted(_data_csv("changes_after_2025-07-01.csv"), key=lambda r: (r["effective_from"], r["level"] != "province"))
    for row in rows:
        effective = date.fromisoformat(row["effective_from"])
        day_before = effective - timedelta(days=1)
        if any(
            (u.code, u.level.value, u.valid_from, u.name) == (row["code"], row["level"], effective, row["full_name_after"])
            for u in plan.units
        ):
            continue  # a commune already renamed with its province
        in_force = {u.id: u for u in plan.units if Interval.of(u).contains(day_before)}
        old = next((u for u in in_force.values() if u.code == row["code"] and u.level.value == row["level"]), None)
        if old is None or old.valid_to is not None:
            plan.unmatched.append(f"later change of {row['full_name_2025_07_01']} ({row['code']}): no such unit in force")
            continue
        if tone_key(old.name) != tone_key(row["full_name_2025_07_01"]):
            plan.unmatched.append(f"later change of {row['code']}: {old.name} in force, not {row['full_name_2025_07_01']}")
            continue
        moved = [old]
        if old.level is UnitLevel.PROVINCE:
            moved += [u for u in in_force.values() if u.parent_id == old.id and u.valid_to is None]
        new_ids = {u.id: unit_id(u.level, u.code, effective) for u in moved}
        renamed = {r["code"]: r for r in rows if r["level"] == "commune" and r["effective_from"] == row["effective_from"]}
        replaced: dict[uuid.UUID, PlannedUnit] = {}
        new_names: dict[uuid.UUID, str] = {}
        for unit in moved:
            new_name = row["full_name_after"] if unit is old else renamed.get(unit.code, {}).get("full_name_after", unit.name)
            kinds = _PROVINCE_KINDS if unit.level is UnitLevel.PROVINCE else _COMMUNE_KINDS
            successor = replace(
                unit,
                id=new_ids[unit.id],
                name=new_name,
                short_name=_strip(new_name, kinds),
                kind=_kind(new_name, kinds),
                parent_id=new_ids.get(unit.parent_id, unit.parent_id) if unit.parent_id else None,
                valid_from=effective,
                valid_to=None,
            )
            replaced[unit.id] = replace(unit, valid_to=day_before)
            new_names[successor.id] = successor.name
            plan.units.append(successor)
            kind = ChangeKind.RENAME if successor.name != unit.name else ChangeKind.REORGANISE
            note = (
                f"{unit.name} ({KIND_LABELS[unit.kind]}) -> {successor.name} ({KIND_LABELS[successor.kind]})"
                if kind is ChangeKind.RENAME
                else f"re-established under {new_names.get(successor.parent_id or successor.id, successor.name)}"
            )
            plan.changes.append(
                PlannedChange(
                    id=_change_id(kind, [unit.id], [successor.id], effective),
                    kind=kind,
                    effective_date=effective,
                    legal_basis=(renamed.get(unit.code) or row)["basis"] if unit is not old else row["basis"],
                    province_code=unit.province_code,
                    note=note,
                    source_ids=(unit.id,),
                    result_ids=(successor.id,),
                )
            )
        plan.units = [replaced.get(u.id, u) for u in plan.units]


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
    since_reform = Interval(REFORM_DATE, None)
    wanted = {u.id for u in plan.units if u.province_code == province_code and Interval.of(u).overlaps(since_reform)}
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
        dropped_links=[d for d in plan.dropped_links if d.province_code == province_code],
        corrections=[c for c in plan.corrections if c.province_code == province_code],
        superseded_change_ids={i: p for i, p in plan.superseded_change_ids.items() if p == province_code},
        unmatched=list(plan.unmatched),
    )
