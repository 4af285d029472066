"""The people part of the scenario: positions, quotas, people, placements, streamlining, re-placement.

Before 2025-07-01 the province's civil servants sit in its agencies, its public employees in
its public service units, and the commune level's cadres and civil servants in the former
district offices and former communes' People's Committees. Each agency's job positions go
through their approval (the agency submits, Sở Nội vụ appraises, UBND tỉnh approves) and each
gets its staffing quota. On 2025-07-01 the former agencies' people are re-placed into the new
communes' organisations (a few district officers into provincial agencies) in one bulk
re-placement, except those who leave under a streamlining case: nobody is left without a place.

Calls are few and large: one CSV import of the people, one batch of their first placements,
one bulk re-placement; only positions, quotas and cases are one call each.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from haicap_shared.batching import in_batches

from .api import Api, ScenarioError, each, stable_key
from .dossier import REPLACEMENT_DECISION, load_dossier
from .names import (
    BIRTH_PROVINCES,
    ETHNICITIES,
    FAMILY_NAMES,
    FIELDS,
    GIVEN_NAMES,
    KINH,
    MIDDLE_NAMES,
    OTHER_FIELDS,
    PUBLIC_SERVICE_UNITS,
    RELIGIONS,
    SECTOR_FIELDS,
    SECTORS,
)
from .org import OrgState, _csv
from .targets import BEFORE, REFORM, Qualified, Targets

P = "/api/v1/personnel"
PLACEMENT_BATCH = 5000
"""The rows of one ``placements/batch`` call: the most the API takes."""
REORGANISATION_DECISION = date(2025, 6, 16)  # Nghị quyết 1657/NQ-UBTVQH15 on Cao Bằng's communes
CHUYEN_VIEN = "01.003"  # ngạch Chuyên viên (Thông tư 2/2021/TT-BNV)
POSITION_TITLES = {
    "provincial_department": ("Chuyên viên", CHUYEN_VIEN),
    "provincial_office": ("Chuyên viên", CHUYEN_VIEN),
    "public_service_unit": ("Viên chức chuyên môn", CHUYEN_VIEN),
    "district_office": ("Chuyên viên", CHUYEN_VIEN),
    "former_committee": ("Công chức cấp xã", CHUYEN_VIEN),
    "commune_office": ("Chuyên viên Văn phòng - Tổng hợp", CHUYEN_VIEN),
    "commune_economic_office": ("Chuyên viên kinh tế", CHUYEN_VIEN),
    "commune_economic_urban_office": ("Chuyên viên kinh tế - hạ tầng - đô thị", CHUYEN_VIEN),
    "commune_culture_social_office": ("Chuyên viên văn hóa - xã hội", CHUYEN_VIEN),
    "commune_service_centre": ("Chuyên viên tiếp nhận và trả kết quả", CHUYEN_VIEN),
}
# NOTE: a public service unit's professional title (chức danh nghề nghiệp) at hạng III, where its
# sector has one in personnel's list; elsewhere its staff hold the Chuyên viên grade, as public
# employees in administrative work do (Thông tư 2/2021/TT-BNV).
PSU_TITLES = {
    "Y tế": "V.08.01.03",  # Bác sĩ (hạng III)
    "Giáo dục và Đào tạo": "V.07.05.15",  # Giáo viên trung học phổ thông hạng III
    "Nội vụ": "V.01.02.02",  # Lưu trữ viên (hạng III)
    "Văn hóa, Thể thao và Du lịch": "V.10.05.17",  # Di sản viên hạng III
}
NEW_AGENCY_WEIGHTS = {
    "commune_office": 35,
    "commune_economic_office": 25,
    "commune_economic_urban_office": 25,
    "commune_culture_social_office": 25,
    "commune_service_centre": 15,
}
CERTIFICATES = ("Tin học cơ bản", "Tiếng Anh B1", "Tiếng Trung A2", "Tiếng dân tộc Tày - Nùng", "Tin học nâng cao")


@dataclass
class Agency:
    """An agency as the people part uses it: its record, its fields, its position, its people over time."""

    record: dict[str, Any]
    kind: str  # the kinds of POSITION_TITLES ("former_committee" for the former communes' committees)
    fields: tuple[str, ...]
    grade_code: str | None = None  # a public service unit's title, where not POSITION_TITLES'
    position: dict[str, Any] | None = None
    before: int = 0
    after: int = 0

    @property
    def id(self) -> str:
        return str(self.record["id"])


@dataclass
class Person:
    first: Agency
    final: Agency | None  # None: leaves under a streamlining case
    group: str  # province, commune, public_employees, leaving
    category: str = "civil_servant"
    sex: str = "male"
    birth_date: date = date(1980, 1, 1)
    full_name: str = ""
    national_id: str = ""
    ethnicity: str = "02"  # a code of the ethnicity list
    religion: str = "00"
    record_number: str = ""
    birth_place: tuple[str, date] | None = None  # (unit code, the date it refers to)
    home_town: tuple[str, date] | None = None
    residence: tuple[str, str] | None = None  # (address, commune code)
    education: str = "university"
    field_of_study: str = ""
    theory: str = "none"
    state_management: str = "none"
    certificates: list[str] = field(default_factory=list)
    insured_from: date = date(2005, 1, 1)
    placed_from: date = date(2015, 1, 1)
    coefficient: Decimal = Decimal("2.34")
    position_allowance: Decimal | None = None
    case: tuple[str, str] | None = None  # (policy, final status)
    id: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.full_name, self.birth_date.isoformat())


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _agencies(state: OrgState, psus: list[dict[str, Any]], targets: Targets) -> dict[str, list[Agency]]:
    sector_of = {s.name: s for s in SECTORS}
    found: dict[str, list[Agency]] = defaultdict(list)
    for name, record in state.departments.items():
        found["province"].append(Agency(record, record["kind"], SECTOR_FIELDS[sector_of[name].name]))
    psu_sector = {f"{name} tỉnh {state.province['short_name']}": sector for name, sector in PUBLIC_SERVICE_UNITS}
    for record in psus:
        sector = psu_sector[record["name"]]
        found["public_service_units"].append(
            Agency(record, "public_service_unit", SECTOR_FIELDS[sector], grade_code=PSU_TITLES.get(sector))
        )
    office_fields = {
        "Văn phòng HĐND và UBND": SECTOR_FIELDS["Văn phòng"],
        "Phòng Nội vụ": SECTOR_FIELDS["Nội vụ"],
        "Phòng Tài chính - Kế hoạch": SECTOR_FIELDS["Tài chính"],
        "Phòng Kinh tế và Hạ tầng": SECTOR_FIELDS["Xây dựng"] + SECTOR_FIELDS["Công Thương"][:1],
        "Phòng Tài nguyên và Môi trường": SECTOR_FIELDS["Nông nghiệp và Môi trường"],
    }
    for district in state.districts:
        for office in targets.staff.district_offices_staffed:
            record = state.district_offices[(district["id"], office)]
            found[f"district:{district['id']}"].append(Agency(record, "district_office", office_fields[office]))
    for former_id, record in state.committees.items():
        found[f"committee:{former_id}"].append(Agency(record, "former_committee", FIELDS["former_committee"]))
    for (unit_id, kind), record in state.commune_offices.items():
        found[f"commune:{unit_id}"].append(Agency(record, kind, FIELDS[kind]))
    return found


def _people(rng: random.Random, state: OrgState, agencies: dict[str, list[Agency]], targets: Targets) -> list[Person]:
    """Who sits where before and after the reform; the qualifications come later, by group."""
    staff, leaving = targets.staff, targets.streamlining.leaving
    people: list[Person] = []
    province = agencies["province"]
    for _ in range(staff.province.headcount - staff.province_from_districts):
        agency = rng.choice(province)
        people.append(Person(agency, agency, "province"))
    for _ in range(staff.public_employees.headcount):
        agency = rng.choice(agencies["public_service_units"])
        people.append(Person(agency, agency, "public_employees", category="public_employee"))

    # NOTE: the former agencies' people, then where each goes: 60 of the district offices' to
    # the province, a few of each kind to a streamlining case, the rest to the new communes.
    district_leaving = leaving // 3
    committee_people = staff.commune.headcount + staff.province_from_districts + leaving - staff.district_staff
    offices = [a for key, found in agencies.items() if key.startswith("district:") for a in found]
    district_slots = [offices[i % len(offices)] for i in range(staff.district_staff)]
    committees = [a for key, found in sorted(agencies.items()) if key.startswith("committee:") for a in found]
    committee_slots = [committees[i % len(committees)] for i in range(committee_people)]
    rng.shuffle(district_slots)
    rng.shuffle(committee_slots)
    communes_of = state.communes_of_district()

    def new_agency(unit_id: str) -> Agency:
        found = agencies[f"commune:{unit_id}"]
        return rng.choices(found, weights=[NEW_AGENCY_WEIGHTS[a.kind] for a in found])[0]

    for index, office in enumerate(district_slots):
        if index < staff.province_from_districts:
            people.append(Person(office, rng.choice(province), "province"))
        elif index < staff.province_from_districts + district_leaving:
            people.append(Person(office, None, "leaving"))
        else:
            commune = rng.choice(communes_of[office.record["unit_id"]])
            people.append(Person(office, new_agency(commune["id"]), "commune"))
    for index, committee in enumerate(committee_slots):
        if index < leaving - district_leaving:
            people.append(Person(committee, None, "leaving"))
        else:
            people.append(Person(committee, new_agency(state.successor[committee.record["unit_id"]]), "commune"))
    return people


def _qualify(rng: random.Random, group: list[Person], target: Qualified, *, top: tuple[str, ...]) -> None:
    """Give a group exactly the target's counts: degrees, then political theory (advanced among graduates)."""
    if len(group) != target.headcount:
        raise ScenarioError(f"the scenario built {len(group)} people where it meant {target.headcount}")
    order = group[:]
    rng.shuffle(order)
    graduates, others = order[: target.university], order[target.university :]
    for person in graduates:
        person.education = rng.choices(top, weights=(85, 14, 1)[: len(top)])[0]
    for person in others:
        person.education = rng.choice(("college", "college", "vocational"))
    for person in graduates[: target.advanced]:
        person.theory = "advanced"
    rest = graduates[target.advanced :] + others
    rng.shuffle(rest)
    for person in rest[: target.intermediate]:
        person.theory = "intermediate"
    for person in rest[target.intermediate :]:
        person.theory = rng.choice(("elementary", "none"))


def _birth(rng: random.Random, person: Person) -> date:
    if person.case is not None and person.case[0] == "early_retirement":
        # NOTE: 3 to 6 years from their retirement age: the calculator's early-retirement window.
        years = (1966, 1969) if person.sex == "male" else (1969, 1972)
    elif person.case is not None:
        years = (1985, 1993)
    elif person.theory == "advanced":
        years = (1966, 1982)
    else:
        years = (1970, 2000)
    return date(rng.randint(*years), rng.randint(1, 12), rng.randint(1, 28))


def _dossier(people: list[Person], state: OrgState) -> None:
    """Record numbers, religions, places of birth and home towns (former communes, by their codes before the reform), residences.

    NOTE: drawn from a generator of their own, so the rest of the scenario draws what it drew before.
    """
    rng = random.Random(f"dossier-{state.province['code']}")
    former = sorted(c["code"] for c in state.former_communes)
    communes = sorted(state.communes, key=lambda c: c["code"])
    by_id = {c["id"]: c for c in communes}
    province = state.province["code"]
    for index, person in enumerate(people, start=1):
        person.record_number = f"HS-{province}-{index:06d}"
        person.religion = _weighted(rng, RELIGIONS)
        if person.national_id.startswith(f"0{province}"):
            born = rng.choice(former)
            person.birth_place = (born, BEFORE)
            person.home_town = (born if rng.random() < 0.7 else rng.choice(former), BEFORE)
        else:
            # NOTE: born elsewhere: the province of birth as its code was then (the national id's prefix).
            person.birth_place = (person.national_id[1:3], BEFORE)
            person.home_town = person.birth_place
        agency = person.final or person.first
        commune = by_id.get(agency.record["unit_id"]) or rng.choice(communes)
        person.residence = (f"Tổ {rng.randint(1, 12)}, {commune['name']}", commune["code"])


def _describe(rng: random.Random, people: list[Person], targets: Targets) -> None:
    """Names, sex, birth, national ids, fields, salary, cases: plausible and unique."""
    staff, plan = targets.staff, targets.streamlining
    commune = [p for p in people if p.group == "commune"]
    _qualify(rng, [p for p in people if p.group == "province"], staff.province, top=("university", "master", "doctorate"))
    _qualify(rng, commune, staff.commune, top=("university", "master"))
    _qualify(rng, [p for p in people if p.group == "public_employees"], staff.public_employees, top=("university", "master"))
    leaders = sorted(commune, key=lambda p: {"advanced": 0, "intermediate": 1}.get(p.theory, 2) + rng.random())
    for person in leaders[: staff.commune_cadres]:
        person.category = "cadre"
    cases = [("early_retirement", s) for s, n in plan.early_retirement.items() for _ in range(n)]
    cases += [("resignation", s) for s, n in plan.resignation.items() for _ in range(n)]
    leaving = [p for p in people if p.group == "leaving"]
    rng.shuffle(cases)
    for person, case in zip(leaving, cases, strict=True):
        person.case = case
        person.category = rng.choice(("cadre", "civil_servant", "civil_servant"))
        person.education = rng.choice(("university", "university", "college"))
        person.theory = rng.choice(("intermediate", "elementary", "advanced"))
    for person in rng.sample(commune, plan.withdrawn):
        person.case = ("resignation", "withdrawn")

    taken_ids: set[str] = set()
    taken_names: set[tuple[str, str]] = set()
    for person in people:
        person.sex = "male" if rng.random() < 0.55 else "female"
        person.ethnicity = _weighted(rng, ETHNICITIES)
        family = _weighted(rng, FAMILY_NAMES)
        while True:
            person.birth_date = _birth(rng, person)
            middle, given = rng.choice(MIDDLE_NAMES[person.sex]), rng.choice(GIVEN_NAMES[person.sex])
            person.full_name = f"{family} {middle} {given}"
            if person.key not in taken_names:
                taken_names.add(person.key)
                break
        century = ((person.birth_date.year // 100 - 19) % 5) * 2 + (1 if person.sex == "female" else 0)
        prefix = "004" if person.ethnicity != KINH else _weighted(rng, BIRTH_PROVINCES)
        while True:
            number = f"{prefix}{century}{person.birth_date.year % 100:02d}{rng.randint(0, 999_999):06d}"
            if number not in taken_ids:
                taken_ids.add(number)
                person.national_id = number
                break
        agency = person.final or person.first
        person.field_of_study = rng.choice(agency.fields) if rng.random() < 0.85 else rng.choice(OTHER_FIELDS)
        person.state_management = (
            rng.choice(("principal", "senior")) if person.theory == "advanced" else rng.choice(("officer", "officer", "none"))
        )
        person.certificates = rng.sample(CERTIFICATES, rng.randint(1, 2))
        start_age = rng.randint(22, 27)
        person.insured_from = date(min(person.birth_date.year + start_age, 2024), rng.randint(1, 12), 1)
        years = BEFORE.year - person.insured_from.year
        person.placed_from = max(person.insured_from, date(2025 - rng.randint(1, 12), rng.randint(1, 12), 1))
        person.coefficient = min(Decimal("2.34") + Decimal("0.33") * (years // 3), Decimal("6.20"))
        if person.theory == "advanced":
            person.position_allowance = rng.choice((Decimal("0.30"), Decimal("0.40"), Decimal("0.50"), Decimal("0.70")))


def _person_row(person: Person) -> dict[str, Any]:
    birth_place, home_town, residence = person.birth_place, person.home_town, person.residence
    return {
        "national_id": person.national_id,
        "full_name": person.full_name,
        "birth_date": person.birth_date.isoformat(),
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "religion": person.religion,
        "record_number": person.record_number,
        "birth_place_code": birth_place[0] if birth_place else "",
        "birth_place_as_of": birth_place[1].isoformat() if birth_place else "",
        "home_town_code": home_town[0] if home_town else "",
        "home_town_as_of": home_town[1].isoformat() if home_town else "",
        "residence_address": residence[0] if residence else "",
        "residence_code": residence[1] if residence else "",
        "category": person.category,
        "education_level": person.education,
        "field_of_study": person.field_of_study,
        "political_theory": person.theory,
        "state_management": person.state_management,
        "certificates": "; ".join(person.certificates),
        "social_insurance_start_date": person.insured_from.isoformat(),
        "salary_coefficient": str(person.coefficient),
        "position_allowance": str(person.position_allowance or ""),
        "allowance_percent": "25",
        "agency_id": person.first.id,
    }


async def _appraiser(api: Api, province: str) -> Api:
    """Sign in as Sở Nội vụ's officer who appraises positions (the scenario's admin creates the account)."""
    username = f"so-noi-vu-{province}"
    password = secrets.token_urlsafe(18)
    body = {
        "username": username,
        "display_name": "Phòng Tổ chức biên chế, Sở Nội vụ",
        "password": password,
        "role": "province_officer",
        "area": {"province": province},
    }
    created = await api.call("POST", "/api/v1/auth/users", json=body, expect=(201, 409))
    if created is not None and created.get("code") == "username_taken":
        user = next(u for u in await api.all("/api/v1/auth/users", role="province_officer") if u["username"] == username)
        await api.call(
            "PATCH", f"/api/v1/auth/users/{user['id']}", json={"password": password}, headers={"If-Match": f'"{user["version"]}"'}
        )
    return await Api.sign_in(str(api.client.base_url), username, password)


async def _step(api: Api, path: str, record: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await api.call("POST", path, json=body, headers={"If-Match": f'"{record["version"]}"'})
    return result


async def _approve_position(api: Api, appraiser: Api, province: str, agency: Agency, posts: int) -> None:
    title, grade_code = POSITION_TITLES[agency.kind]
    body = {
        "agency_id": agency.id,
        "title": title,
        "group": "professional",
        "grade_code": agency.grade_code or grade_code,
        "required_education": "college" if agency.kind == "public_service_unit" else "university",
        "required_fields": list(agency.fields),
        "posts": posts,
    }
    position = await api.post(f"{P}/positions", body, key=stable_key("position", province, agency.id))
    path = f"{P}/positions/{position['id']}/transitions"
    for who, action in ((api, "submit"), (appraiser, "appraise"), (api, "approve")):
        if position["status"] == "approved":
            break
        position = await _step(who, path, position, {"action": action})
    agency.position = position


async def _quota(api: Api, province: str, agency: Agency, year: int, posts: int) -> None:
    body = {"agency_id": agency.id, "year": year, "posts": posts, "note": f"Quyết định giao biên chế năm {year} của UBND tỉnh"}
    await api.post(f"{P}/quotas", body, key=stable_key("quota", province, agency.id, year))


async def _positions_and_quotas(
    api: Api, rng: random.Random, province: str, state: OrgState, agencies: dict[str, list[Agency]]
) -> None:
    appraiser = await _appraiser(api, province)
    try:
        every = [a for found in agencies.values() for a in found]
        slack = {a.id: rng.randint(0, 2) for a in every}

        async def positions() -> None:
            await each(every, lambda a: _approve_position(api, appraiser, province, a, max(a.before, a.after, 1) + slack[a.id]))

        async def quotas() -> None:
            # NOTE: the former communes' quotas first: they are the new communes' ceiling (Nghị quyết 76/2025).
            new_totals: dict[str, int] = defaultdict(int)
            for (unit_id, _kind), record in state.commune_offices.items():
                agency = next(a for a in agencies[f"commune:{unit_id}"] if a.id == record["id"])
                new_totals[unit_id] += agency.after + slack[agency.id]
            formers: dict[str, list[Agency]] = defaultdict(list)
            for former_id, new_id in state.successor.items():
                formers[new_id].extend(agencies.get(f"committee:{former_id}", []))
            committee_quota: dict[str, int] = {}
            for new_id, committees in formers.items():
                base = [c.before + 1 for c in committees]
                missing = max(new_totals[new_id] - sum(base), 0)
                for i, committee in enumerate(committees):
                    committee_quota[committee.id] = base[i] + missing // len(committees) + (i < missing % len(committees))
            former_rows = [(a, 2025, committee_quota.get(a.id, a.before + 1)) for key, f in agencies.items() for a in f]
            former_rows = [r for r in former_rows if r[0].kind in ("former_committee", "district_office")]
            await each(former_rows, lambda r: _quota(api, province, *r))
            lasting = [a for key in ("province", "public_service_units") for a in agencies[key]]
            rows = [(a, 2025, a.before + slack[a.id]) for a in lasting] + [(a, 2026, a.after + slack[a.id]) for a in lasting]
            rows += [(a, 2026, a.after + slack[a.id]) for key, f in agencies.items() if key.startswith("commune:") for a in f]
            await each(rows, lambda r: _quota(api, province, *r))

        await each([positions, quotas], lambda work: work())
    finally:
        await appraiser.aclose()


async def _public_service_units(api: Api, province: str, state: OrgState) -> list[dict[str, Any]]:
    short = state.province["short_name"]
    names = {f"{name} tỉnh {short}" for name, _ in PUBLIC_SERVICE_UNITS}
    existing = await api.all("/api/v1/org/agencies", province=province, level="province", as_of=BEFORE.isoformat())
    if not names <= {a["name"] for a in existing}:
        rows = [{"name": name, "kind": "public_service_unit", "unit_code": province} for name in sorted(names)]
        await api.upload("/api/v1/org/agencies/imports", "public-service-units.csv", _csv(["name", "kind", "unit_code"], rows))
        existing = await api.all("/api/v1/org/agencies", province=province, level="province", as_of=BEFORE.isoformat())
    return [a for a in existing if a["name"] in names]


async def _cases(api: Api, rng: random.Random, province: str, people: list[Person]) -> None:
    reasons = {
        "early_retirement": "Dôi dư do sắp xếp tổ chức bộ máy, đơn vị hành chính; tự nguyện nghỉ hưu trước tuổi",
        "resignation": "Dôi dư do sắp xếp đơn vị hành chính cấp xã; tự nguyện thôi việc",
    }
    steps = {"proposed": (), "approved": ("approve",), "paid": ("approve", "pay"), "withdrawn": ("withdraw",)}

    async def one(person: Person) -> None:
        assert person.case is not None
        policy, status = person.case
        leave = REFORM if status != "withdrawn" else REFORM + timedelta(days=30)
        body = {
            "person_id": person.id,
            "policy": policy,
            "reason": reasons[policy],
            "leave_date": (leave + timedelta(days=31 * rng.randint(0, 2))).replace(day=1).isoformat(),
            "decision_date": REORGANISATION_DECISION.isoformat(),
            "proposed_on": (REORGANISATION_DECISION + timedelta(days=rng.randint(2, 12))).isoformat(),
        }
        case = await api.post(f"{P}/streamlining-cases", body, key=stable_key("case", province, person.id))
        for action in steps[status]:
            if case["status"] == status:
                break
            case = await _step(api, f"{P}/streamlining-cases/{case['id']}/transitions", case, {"action": action})

    await each([p for p in people if p.case is not None], one)


async def load_people(api: Api, rng: random.Random, province: str, targets: Targets, state: OrgState) -> dict[str, Any]:
    psus = await _public_service_units(api, province, state)
    agencies = _agencies(state, psus, targets)
    people = _people(rng, state, agencies, targets)
    _describe(rng, people, targets)
    _dossier(people, state)
    for person in people:
        person.first.before += 1
        if person.final is not None:
            person.final.after += 1
    await _positions_and_quotas(api, rng, province, state, agencies)

    await api.upload(
        f"{P}/people/imports",
        "can-bo-cong-chuc-vien-chuc.csv",
        _csv(list(_person_row(people[0])), [_person_row(p) for p in people]),
    )
    by_key = {p.key: p for p in people}
    for record in await api.all(f"{P}/people", province=province):
        found = by_key.get((record["full_name"], record["birth_date"]))
        if found is not None and record["national_id"][-3:] == found.national_id[-3:]:
            found.id = record["id"]
    if missing := [p for p in people if not p.id]:
        raise ScenarioError(f"{len(missing)} imported people were not found again, e.g. {missing[0].full_name}")

    rows = []
    for person in people:
        assert person.first.position is not None
        rows.append(
            {"person_id": person.id, "position_id": person.first.position["id"], "valid_from": person.placed_from.isoformat()}
        )
    for number, batch in enumerate(in_batches(rows, PLACEMENT_BATCH)):
        # NOTE: a batch's key is its first row's index (0, 5000, ...), so a re-run replays the same batches.
        key = stable_key("placements", province, number * PLACEMENT_BATCH)
        await api.post(f"{P}/placements/batch", {"rows": list(batch)}, key=key)
    await _cases(api, rng, province, people)

    moving = [p for p in people if p.first is not p.final and p.final is not None]
    former = sorted({p.first.id for p in people if p.first.kind in ("district_office", "former_committee")})
    body = {
        "effective_date": REFORM.isoformat(),
        "from_agency_ids": former,
        "rows": [{"person_id": p.id, "position_id": p.final.position["id"]} for p in moving if p.final and p.final.position],
        # NOTE: with its decision, each person moved gets a transfer career event linked to the new placement.
        "decision": REPLACEMENT_DECISION,
    }
    report = await api.post(f"{P}/placements/bulk", body)
    groups = Counter(p.group for p in people)
    return {
        "people": len(people),
        "by_group": dict(groups),
        "re_placed": report["placed"],
        "cases": sum(1 for p in people if p.case),
        "dossier": await load_dossier(api, random.Random(f"{rng.random()}:dossier"), province, people),
    }
