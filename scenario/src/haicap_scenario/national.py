"""A national-scale data set for the benchmarks: 34 provinces, 3,321 communes, about 3,000,000 people.

Unlike the Cao Bằng demo (loaded through the public APIs), this writes straight into the
services' PostgreSQL databases with COPY, because 3 million people through the API would
take hours. It is benchmark data, like the benches' own, and it stays inside each service's
own schema: every database is first migrated by its service's own ``migrate`` command, the
real units are imported by org-structure's ``import-units --all``, and then only that
service's own tables are written, with the columns its code writes (denormalised agency and
holder fields included), so the services read it as if it had come through their APIs. Each
database gets only what its service holds (personnel and assets keep, as they do, their own
copy of the agency or unit fields they filter on), and only at its migration head. No audit
events are written (nobody made these records). Load into fresh databases only: it refuses
an org-structure database that already holds agencies.

What it makes, consistent across the three databases (the same agency ids in org-structure,
in personnel's placements and in assets' holders):

* org-structure: the real units; per province the 14 provincial agencies; per commune the
  four standard organisations (the office, the economic or economic-urban office, the
  culture-social office, the public administration service centre); one office per former
  district until 2025-06-30; function decisions (about 95% issued); a task catalogue
  (``--tasks``) of which 60% are held by provincial agencies, 30% taken over from the
  district offices on 2025-07-01 (1% left behind) and 10% commune tasks;
* personnel: ``--people`` people with category, education and political theory, 99.5% with a
  primary placement since 2025-07-01 (the rest at the former district offices, unplaced: the
  transition gap), one approved position per agency, staffing quotas for 2025 and 2026
  (some agencies over them), streamlining cases (about 2%);
* assets: ``--assets`` assets (70% premises, 20% cars, 10% equipment), 92% held by the new
  communes, the rest still by former districts; surplus ones with disposition plans at
  every step.

Seeded: the same seed and sizes give the same records (ids included).

    haicap-scenario national --org-url postgresql://postgres@127.0.0.1:5432/org \\
        --personnel-url postgresql://.../personnel --assets-url postgresql://.../assets \\
        --people 3000000 --assets 300000 --tasks 50000 --seed 1
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

from .names import FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES, SECTORS

BEFORE, REFORM = date(2025, 6, 30), date(2025, 7, 1)
STAMP = datetime(2025, 7, 1, tzinfo=UTC)
PROVINCES = ["01", "04", "08", "11", "12", "14", "15", "19", "20", "22", "24", "25", "31", "33", "37", "38", "40", "42",
             "44", "46", "48", "51", "52", "56", "66", "68", "75", "79", "80", "82", "86", "91", "92", "96"]  # fmt: skip

# --- people: shared with bench/personnel.py --------------------------------------------------

CATEGORIES = [("Công chức", "civil_servant"), ("Viên chức", "public_employee"), ("Cán bộ", "cadre")]
EDUCATION = [("Đại học", "university"), ("Thạc sĩ", "master"), ("Cao đẳng", "college"), ("Trung cấp", "vocational")]
THEORY = [("Trung cấp", "intermediate"), ("Cao cấp", "advanced"), ("Sơ cấp", "elementary"), ("", "none")]
FIELDS = [("Luật", "luat"), ("Kinh tế", "kinh te"), ("Quản lý đất đai", "quan ly dat dai"), ("Kế toán", "ke toan")]
BORN_FROM = date(1965, 1, 1)


@dataclass(frozen=True, slots=True)
class PersonDraw:
    """One generated person's own fields (labels as (Vietnamese, code) pairs)."""

    birth: date
    female: bool
    national_id: str
    category: tuple[str, str]
    education: tuple[str, str]
    theory: tuple[str, str]
    field: tuple[str, str]
    coefficient: str


def draw_person(rng: random.Random, n: int) -> PersonDraw:
    """The ``n``-th person: a birth date, a sex, a national id unique for n < 34,000,000, qualifications."""
    birth = BORN_FROM + timedelta(days=rng.randrange(13000))
    female = rng.random() < 0.5
    digit = ((birth.year // 100 - 19) % 5) * 2 + (1 if female else 0)
    # NOTE: the province-of-birth prefix varies with n so millions of numbers stay unique.
    nid = f"{int(PROVINCES[n // 1_000_000 * 11 % 34]):03d}{digit}{birth.year % 100:02d}{n % 1_000_000:06d}"
    category, education, theory, field_ = (rng.choice(CATEGORIES), rng.choice(EDUCATION), rng.choice(THEORY), rng.choice(FIELDS))
    return PersonDraw(birth, female, nid, category, education, theory, field_, f"{rng.randrange(200, 700) / 100:.2f}")


# --- tasks: shared with bench/org_stats.py ---------------------------------------------------


@dataclass
class Pools:
    """The agencies (rows of ``agency``) of one province a task can be given to."""

    departments: list[dict[str, Any]] = field(default_factory=list)
    district_offices: list[dict[str, Any]] = field(default_factory=list)
    commune_orgs: list[dict[str, Any]] = field(default_factory=list)


def task_catalogue(
    rng: random.Random,
    count: int,
    provinces: Sequence[str],
    pools: Mapping[str, Pools],
    sectors: Sequence[str],
    search_key_of: Callable[[str, str], str],
    new_id: Callable[[], uuid.UUID],
    now: datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Tasks, their transfers and ownerships (``task``, ``task_transfer``, ``task_ownership`` rows).

    60% held by a provincial agency since 2020; 30% held by a district office until
    2025-06-30 and taken over on 2025-07-01 (70% by a commune organisation, the rest by a
    provincial agency; 1% left behind at the ended office, a gap the checks find); 10% commune
    tasks since 2025-07-01. 2% lack a legal basis; 1% share a title (duplicates).
    """

    def entity() -> dict[str, Any]:
        return {"id": new_id(), "created_at": now, "updated_at": now, "version": 1}

    tasks: list[dict[str, Any]] = []
    ownerships: list[dict[str, Any]] = []
    transfers: list[dict[str, Any]] = []
    for n in range(count):
        province = provinces[n % len(provinces)]
        pool = pools[province]
        kind = rng.random()
        sector = sectors[n % len(sectors)]
        title = f"Nhiệm vụ quản lý nhà nước số {n}" if rng.random() > 0.01 else f"Nhiệm vụ trùng {n % 50}"
        task = entity() | {"code": f"NV-{n:06d}", "title": title, "sector": sector, "province_code": province}
        task |= {"legal_basis": None if rng.random() < 0.02 else "Nghị định 150/2025/NĐ-CP", "legal_article": None}
        task |= {"shared": False, "note": None, "search_key": search_key_of(sector, title)}
        tasks.append(task)

        def own(
            a: dict[str, Any],
            start: date,
            end: date | None = None,
            transfer: uuid.UUID | None = None,
            task_id: uuid.UUID = task["id"],
        ) -> None:
            ownerships.append(
                {"id": new_id(), "task_id": task_id, "agency_id": a["id"], "level": a["level"], "is_lead": True}
                | {"valid_from": start, "valid_to": end, "transfer_id": transfer}
            )

        if kind < 0.6 or not pool.commune_orgs or not pool.district_offices:
            own(rng.choice(pool.departments), date(2020, 1, 1))
        elif kind < 0.9:
            office = rng.choice(pool.district_offices)
            if rng.random() < 0.01:  # left behind: a gap the checks must find
                own(office, date(2020, 1, 1))
                continue
            target = rng.choice(pool.commune_orgs) if rng.random() < 0.7 else rng.choice(pool.departments)
            transfer_id = new_id()
            transfers.append(
                entity()
                | {"id": transfer_id, "task_id": task["id"], "mode": "taken_over_from_district", "from_level": "district"}
                | {"from_agency_id": office["id"], "from_authority": None, "to_level": target["level"]}
                | {"to_agency_id": target["id"], "effective_date": REFORM, "legal_basis": "Luật 72/2025/QH15"}
                | {"batch_id": None, "province_code": province}
            )
            own(office, date(2020, 1, 1), BEFORE)
            own(target, REFORM, None, transfer_id)
        else:
            own(rng.choice(pool.commune_orgs), REFORM)
    return tasks, transfers, ownerships


# --- assets: shared with bench/assets.py -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssetDraw:
    kind: str
    purpose: str
    land_area_m2: int | None
    floor_area_m2: int | None
    plate: str | None
    seats: int | None
    original_value: int
    residual_value: int
    status: str


def draw_asset(rng: random.Random, n: int, plate_prefix: str) -> AssetDraw:
    """The ``n``-th asset: 70% premises, 20% general-work cars, 10% equipment; 10% surplus."""
    roll = rng.random()
    value = rng.randrange(100, 5_000) * 1_000_000
    residual = value * rng.randrange(10, 90) // 100
    status = "surplus" if rng.random() < 0.1 else "in_use"
    if roll < 0.7:
        return AssetDraw(
            "premises", "office", rng.randrange(100, 5000), rng.randrange(50, 2000), None, None, value, residual, status
        )
    if roll < 0.9:
        value = rng.randrange(600, 950) * 1_000_000
        plate = f"{plate_prefix}A-{n // 1000 % 1000:03d}.{n % 100:02d}"
        return AssetDraw("car", "general_work_car", None, None, plate, 7, value, value // 2, status)
    return AssetDraw("equipment", "office", None, None, None, None, value, residual, status)


# --- loading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Urls:
    """The services' databases (``postgresql://`` URLs)."""

    org: str
    personnel: str
    assets: str


@dataclass(frozen=True)
class Sizes:
    people: int = 3_000_000
    assets: int = 300_000
    tasks: int = 50_000


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def service_command(cli: str, prefix: str, url: str, *args: str, timeout: float = 1800.0) -> str:
    """Run a service's own command (``haicap-org migrate``, ...) against ``url``."""
    binary = Path(sys.executable).parent / cli
    env = {**os.environ, f"{prefix}DATABASE_URL": plain(url)}
    result = subprocess.run(  # noqa: S603 - our own console scripts, no shell
        [str(binary), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{cli} {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


class Ids:
    """Seeded UUIDs (version 4), so the same seed gives the same ids."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


async def copy_rows(connection: asyncpg.Connection, table: str, rows: Sequence[dict[str, Any]]) -> int:
    if not rows:
        return 0
    columns = list(rows[0])
    await connection.copy_records_to_table(table, records=[tuple(r[c] for c in columns) for r in rows], columns=columns)
    return len(rows)


@dataclass
class Country:
    """What org-structure holds, as the other services see it (for their denormalised fields)."""

    provinces: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> unit row
    communes: list[dict[str, Any]] = field(default_factory=list)
    districts: list[dict[str, Any]] = field(default_factory=list)  # with "new_province"
    pools: dict[str, Pools] = field(default_factory=dict)
    agencies: list[dict[str, Any]] = field(default_factory=list)


async def read_units(connection: asyncpg.Connection) -> Country:
    country = Country()
    rows = await connection.fetch(
        "SELECT id, code, name, kind, level, province_code, valid_from, valid_to FROM administrative_unit"
        " ORDER BY code, valid_from NULLS FIRST"
    )
    merged_into = dict(
        await connection.fetch(
            """SELECT s.code, r.code FROM unit_change c
               JOIN unit_change_link ls ON ls.change_id = c.id AND ls.role = 'source'
               JOIN administrative_unit s ON s.id = ls.unit_id AND s.level = 'province'
               JOIN unit_change_link lr ON lr.change_id = c.id AND lr.role = 'result'
               JOIN administrative_unit r ON r.id = lr.unit_id AND r.level = 'province'"""
        )
    )
    for r in map(dict, rows):
        if r["level"] == "province" and r["valid_to"] is None:
            country.provinces[r["code"]] = r
        elif r["level"] == "commune" and r["valid_to"] is None:
            country.communes.append(r)
        elif r["level"] == "district" and r["valid_to"] == BEFORE:
            country.districts.append(r | {"new_province": merged_into.get(r["province_code"], r["province_code"])})
    if len(country.provinces) != 34 or len(country.communes) != 3321:
        raise RuntimeError(
            f"expected the 34 provinces and 3,321 communes, found {len(country.provinces)} and {len(country.communes)}"
        )
    return country


COMMUNE_ORGS = (
    ("Văn phòng HĐND và UBND", "commune_office"),
    ("Phòng Kinh tế", "commune_economic_office"),
    ("Phòng Văn hóa - Xã hội", "commune_culture_social_office"),
    ("Trung tâm Phục vụ hành chính công", "commune_service_centre"),
)


def make_agencies(country: Country, ids: Ids, search_key: Callable[[str], str]) -> None:
    def agency(name: str, kind: str, unit: dict[str, Any], level: str, valid_to: date | None) -> dict[str, Any]:
        return {
            "id": ids(),
            "created_at": STAMP,
            "updated_at": STAMP,
            "version": 1,
            "name": name,
            "kind": kind,
            "unit_id": unit["id"],
            "level": level,
            "province_code": unit["province_code"],
            "commune_code": unit["code"] if level == "commune" else None,
            "parent_id": None,
            "valid_from": None if level == "district" else unit["valid_from"],
            "valid_to": valid_to,
            "search_key": search_key(name),
        }

    country.pools = {code: Pools() for code in country.provinces}
    for code, province in country.provinces.items():
        for sector in SECTORS:
            name = f"{sector.department} {province['name'].replace('Thành phố', 'thành phố').replace('Tỉnh', 'tỉnh')}"
            country.pools[code].departments.append(agency(name, "provincial_department", province, "province", None))
    for commune in country.communes:
        for label, kind in COMMUNE_ORGS:
            if kind == "commune_economic_office" and commune["kind"] == "phuong":
                label, kind = "Phòng Kinh tế, Hạ tầng và Đô thị", "commune_economic_urban_office"
            row = agency(f"{label} {commune['name']}", kind, commune, "commune", None)
            country.pools[commune["province_code"]].commune_orgs.append(row)
    for district in country.districts:
        row = agency(f"Phòng Nội vụ {district['name']}", "district_office", district, "district", BEFORE)
        if district["new_province"] in country.pools:
            country.pools[district["new_province"]].district_offices.append(row)
    country.agencies = [
        a for pool in country.pools.values() for a in (*pool.departments, *pool.commune_orgs, *pool.district_offices)
    ]


async def settle(connection: asyncpg.Connection) -> None:
    """VACUUM and ANALYZE the database just written, as autovacuum would a database in service.

    ANALYZE alone is not enough: freshly copied rows are not yet in the visibility map, so the
    statistics' covering indexes cannot be read index-only and PostgreSQL plans a scan of every
    row instead (3 M people for one province's figures).
    """
    await connection.execute("VACUUM (ANALYZE)")


async def load_org(url: str, country: Country, sizes: Sizes, seed: int) -> dict[str, int]:
    from haicap_org_structure.tasks.repository import task_search_key
    from haicap_shared.text import search_key

    rng = random.Random(f"{seed}:org")
    ids = Ids(rng)
    make_agencies(country, ids, search_key)
    decisions = []
    for a in country.agencies:
        if a["valid_to"] is not None:
            continue
        issued = rng.random() < 0.95
        decisions.append(
            {"id": ids(), "created_at": STAMP, "updated_at": STAMP, "version": 1, "agency_id": a["id"]}
            | {"number": f"{rng.randrange(1, 3000)}/QĐ-UBND", "issuer": "Ủy ban nhân dân", "note": None, "document_url": None}
            | {"status": "issued" if issued else "drafting", "superseded_on": None}
            | {
                "signed_on": (d := REFORM + timedelta(days=rng.randrange(0, 240))) if issued else None,
                "issued_on": d if issued else None,
            }
        )
    tasks, transfers, ownerships = task_catalogue(
        rng, sizes.tasks, sorted(country.pools), country.pools, [s.name for s in SECTORS], task_search_key, ids, STAMP
    )
    connection = await asyncpg.connect(plain(url))
    try:
        async with connection.transaction():
            counts = {
                "agencies": await copy_rows(connection, "agency", country.agencies),
                "function_decisions": await copy_rows(connection, "function_decision", decisions),
                "tasks": await copy_rows(connection, "task", tasks),
                "task_transfers": await copy_rows(connection, "task_transfer", transfers),
                "task_ownerships": await copy_rows(connection, "task_ownership", ownerships),
            }
        await settle(connection)
    finally:
        await connection.close()
    return counts


PERSON_COLUMNS = ["id", "created_at", "updated_at", "version", "national_id", "full_name", "search_key", "birth_date", "sex",
                  "ethnicity_code", "category", "education_level", "field_of_study", "field_key", "political_theory",
                  "state_management", "salary_coefficient", "agency_id", "province_code", "commune_code", "agency_level",
                  "unit_id", "agency_valid_to"]  # fmt: skip
CASE_COLUMNS = ["id", "created_at", "updated_at", "version", "person_id", "policy", "status", "reason", "proposed_on",
                "leave_date", "rule_version", "inputs", "result", "amount_vnd", "agency_id", "province_code", "commune_code",
                "agency_level", "unit_id", "agency_valid_to"]  # fmt: skip
POLICIES = ("early_retirement", "resignation", "non_specialised_leave", "leadership_relinquished", "other")
CASE_STATUSES = ("proposed", "approved", "approved", "paid", "paid", "paid", "withdrawn")
BATCH = 50_000


def _names() -> dict[str, list[tuple[str, str]]]:
    """(name, search key) of every family, middle and given name, by sex; keys computed once."""
    from haicap_shared.text import search_key

    out: dict[str, list[tuple[str, str]]] = {}
    for sex in ("male", "female"):
        out[f"middle_{sex}"] = [(m, search_key(m)) for m in MIDDLE_NAMES[sex]]
        out[f"given_{sex}"] = [(g, search_key(g)) for g in GIVEN_NAMES[sex]]
    out["family"] = [(f, search_key(f)) for f, weight in FAMILY_NAMES for _ in range(weight)]
    return out


def people_rows(
    rng: random.Random, country: Country, count: int, rule_version: str
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Batches of (person records, streamlining-case records)."""
    names = _names()
    ids = Ids(rng)
    departments = [a for pool in country.pools.values() for a in pool.departments]
    commune_orgs = [a for pool in country.pools.values() for a in pool.commune_orgs]
    offices = [a for pool in country.pools.values() for a in pool.district_offices]
    people: list[tuple[Any, ...]] = []
    cases: list[tuple[Any, ...]] = []
    for n in range(count):
        d = draw_person(rng, n)
        roll = rng.random()
        agency = rng.choice(offices if roll < 0.005 else departments if roll < 0.3 else commune_orgs)
        sex = "female" if d.female else "male"
        family, middle, given = rng.choice(names["family"]), rng.choice(names[f"middle_{sex}"]), rng.choice(names[f"given_{sex}"])
        person_id = ids()
        where = (
            agency["id"],
            agency["province_code"],
            agency["commune_code"],
            agency["level"],
            agency["unit_id"],
            agency["valid_to"],
        )
        people.append(
            (
                person_id,
                STAMP,
                STAMP,
                1,
                d.national_id,
                f"{family[0]} {middle[0]} {given[0]}",
                f"{family[1]} {middle[1]} {given[1]}",
                d.birth,
                sex,
                "01",  # Kinh, as its code in personnel's ethnicity list
                d.category[1],
                d.education[1],
                d.field[0],
                d.field[1],
                d.theory[1],
                "none",
                Decimal(d.coefficient),
                *where,
            )
        )
        if agency["valid_to"] is None and rng.random() < 0.02:
            policy, status = rng.choice(POLICIES), rng.choice(CASE_STATUSES)
            proposed = REFORM + timedelta(days=rng.randrange(0, 270))
            amount = Decimal(rng.randrange(50, 900) * 1_000_000)
            cases.append(
                (
                    ids(),
                    STAMP,
                    STAMP,
                    1,
                    person_id,
                    policy,
                    status,
                    None,
                    proposed,
                    proposed + timedelta(days=60),
                    rule_version,
                    "{}",
                    "{}",
                    amount,
                    *where,
                )
            )
        if len(people) >= BATCH:
            yield people, cases
            people, cases = [], []
    yield people, cases


PLACE = """
INSERT INTO job_position (id, created_at, updated_at, version, title, search_key, "group", required_education,
    required_fields, posts, status, agency_id, province_code, commune_code, agency_level, unit_id, agency_valid_to)
SELECT md5('position' || agency_id::text)::uuid, $1, $1, 1, 'Chuyên viên', 'chuyen vien', 'professional', 'university',
    '["Luật"]', count(*), 'approved', agency_id, min(province_code), min(commune_code), min(agency_level),
    (array_agg(unit_id))[1], NULL
FROM person WHERE agency_valid_to IS NULL GROUP BY agency_id;
INSERT INTO placement (id, created_at, updated_at, version, person_id, position_id, is_primary, valid_from, valid_to,
    suitability, suitability_reasons, agency_id, province_code, commune_code, agency_level, unit_id, agency_valid_to)
SELECT md5('placement' || per.id::text)::uuid, $1, $1, 1, per.id, md5('position' || per.agency_id::text)::uuid, true, $2, NULL,
    CASE WHEN per.education_level IN ('university', 'master', 'doctorate') THEN 'suitable' ELSE 'unsuitable' END, '[]',
    per.agency_id, per.province_code, per.commune_code, per.agency_level, per.unit_id, NULL
FROM person per WHERE per.agency_valid_to IS NULL;
INSERT INTO staffing_quota (id, created_at, updated_at, version, year, posts, note, agency_id, province_code, commune_code,
    agency_level, unit_id, agency_valid_to)
SELECT md5('quota' || y || agency_id::text)::uuid, $1, $1, 1, y,
    -- NOTE: about one agency in ten is staffed above its quota.
    CASE WHEN abs(hashtext(agency_id::text)) % 10 = 0 THEN count(*) * 9 / 10 ELSE count(*) + count(*) / 10 END, NULL,
    agency_id, min(province_code), min(commune_code), min(agency_level), (array_agg(unit_id))[1], NULL
FROM person, (VALUES (2025), (2026)) AS years(y) WHERE agency_valid_to IS NULL GROUP BY agency_id, y;
"""


async def load_personnel(url: str, country: Country, sizes: Sizes, seed: int) -> dict[str, int]:
    from haicap_personnel.streamlining.entitlement import RULE_VERSION

    rng = random.Random(f"{seed}:personnel")
    connection = await asyncpg.connect(plain(url))
    people = cases = 0
    try:
        async with connection.transaction():
            for batch, case_batch in people_rows(rng, country, sizes.people, RULE_VERSION):
                await connection.copy_records_to_table("person", records=batch, columns=PERSON_COLUMNS)
                people += len(batch)
                if case_batch:
                    await connection.copy_records_to_table("streamlining_case", records=case_batch, columns=CASE_COLUMNS)
                    cases += len(case_batch)
            await connection.execute("ANALYZE person")
            positions, placements, quotas = PLACE.split(";\n")[:3]
            await connection.execute(positions, STAMP)
            await connection.execute(placements, STAMP, REFORM)
            await connection.execute(quotas, STAMP)
        await settle(connection)
        placements = await connection.fetchval("SELECT count(*) FROM placement")
        positions = await connection.fetchval("SELECT count(*) FROM job_position")
    finally:
        await connection.close()
    return {"people": people, "placements": placements, "positions": positions, "streamlining_cases": cases}


ASSET_COLUMNS = ["id", "created_at", "updated_at", "version", "kind", "code", "name", "search_key", "province_code",
                 "commune_code", "land_area_m2", "floor_area_m2", "plate", "seats", "original_value", "residual_value",
                 "status", "holder_id", "holder_name", "holder_province_code", "holder_commune_code", "holder_unit_id",
                 "holder_valid_to", "holder_kind", "holder_level"]  # fmt: skip
ALLOCATION_COLUMNS = ["id", "created_at", "updated_at", "version", "asset_id", "purpose", "valid_from", "valid_to",
                      "holder_id", "holder_name", "holder_province_code", "holder_commune_code", "holder_unit_id",
                      "holder_valid_to", "holder_kind", "holder_level", "asset_kind"]  # fmt: skip
EVENT_COLUMNS = ["asset_id", "event_date", "occurred_at", "kind", "status", "allocation_id", "disposition_id", "actor",
                 "province_code"]  # fmt: skip
DISPOSITION_COLUMNS = ["id", "created_at", "updated_at", "version", "asset_id", "asset_kind", "province_code", "form",
                       "priority_rank", "reason_higher_forms_unfit", "status", "asset_status_before", "proposed_on",
                       "submitted_on", "decided_on", "decision_number", "authority", "rejection_reason",
                       "executed_on"]  # fmt: skip
FORMS = ("keep_reallocate", "share_use", "transfer", "sell", "liquidate")
STEPS = ("proposed", "submitted", "approved", "rejected", "executed")


async def load_assets(url: str, country: Country, sizes: Sizes, seed: int) -> dict[str, int]:
    from haicap_assets.dispositions.forms import rank
    from haicap_assets.dispositions.models import Form
    from haicap_assets.plates import PLATE_PREFIXES

    rng = random.Random(f"{seed}:assets")
    ids = Ids(rng)
    prefixes = {code: sorted(PLATE_PREFIXES.get(code, {"99"}))[0] for code in country.provinces}
    # NOTE: a former district's units keep their former province's code, as org-structure gives it.
    former = [d for d in country.districts if d["province_code"] in country.provinces]
    assets: list[tuple[Any, ...]] = []
    allocations: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    plans: list[tuple[Any, ...]] = []
    for n in range(sizes.assets):
        if rng.random() < 0.92:
            holder = rng.choice(country.communes)
            province, commune, level, until = holder["province_code"], holder["code"], "commune", None
        else:
            holder = rng.choice(former)
            province, commune, level, until = holder["province_code"], None, "district", BEFORE
        d = draw_asset(rng, n, prefixes[province])
        asset_id, allocation_id = ids(), ids()
        status = d.status
        holder_fields = (holder["id"], holder["name"], province, commune, holder["id"], until, "unit", level)
        since = date(2020, 1, 1) if until else REFORM
        events.append((asset_id, since, STAMP, "registered", "in_use", None, None, "national", province))
        if d.status == "surplus":
            events.append((asset_id, REFORM, STAMP, "status_changed", "surplus", None, None, "national", province))
            if rng.random() < 0.8:
                step = rng.choice(STEPS)
                plan_id = ids()
                proposed = REFORM + timedelta(days=rng.randrange(10, 120))
                submitted = proposed + timedelta(days=rng.randrange(5, 30)) if step != "proposed" else None
                decided = submitted + timedelta(days=rng.randrange(5, 40)) if submitted and step != "submitted" else None
                executed = decided + timedelta(days=rng.randrange(5, 60)) if decided and step == "executed" else None
                form = rng.choice(FORMS)
                events.append(
                    (asset_id, proposed, STAMP, "disposition_proposed", "in_disposition", None, plan_id, "national", province)
                )
                if executed:
                    events.append(
                        (asset_id, executed, STAMP, "disposition_executed", "disposed", None, plan_id, "national", province)
                    )
                status = "disposed" if executed else "surplus" if step == "rejected" else "in_disposition"
                priority = rank(Form(form), None)
                plans.append(
                    (
                        plan_id,
                        STAMP,
                        STAMP,
                        1,
                        asset_id,
                        d.kind,
                        province,
                        form,
                        priority,
                        "Không phù hợp các hình thức ưu tiên hơn" if priority > 2 else None,
                        step,
                        "surplus",
                        proposed,
                        submitted,
                        decided,
                        f"{n}/QĐ-UBND" if decided else None,
                        "Ủy ban nhân dân tỉnh" if decided else None,
                        "Chưa đủ hồ sơ" if step == "rejected" else None,
                        executed,
                    )
                )
        assets.append(
            (
                asset_id,
                STAMP,
                STAMP,
                1,
                d.kind,
                f"TS-{n:07d}",
                f"Tài sản {n}",
                f"tai san {n}",
                province,
                commune,
                d.land_area_m2,
                d.floor_area_m2,
                d.plate,
                d.seats,
                d.original_value,
                d.residual_value,
                status,
                *holder_fields,
            )
        )
        allocations.append((allocation_id, STAMP, STAMP, 1, asset_id, d.purpose, since, None, *holder_fields, d.kind))
    connection = await asyncpg.connect(plain(url))
    try:
        async with connection.transaction():
            await connection.copy_records_to_table("asset", records=assets, columns=ASSET_COLUMNS)
            await connection.copy_records_to_table("allocation", records=allocations, columns=ALLOCATION_COLUMNS)
            await connection.copy_records_to_table("disposition", records=plans, columns=DISPOSITION_COLUMNS)
            await connection.copy_records_to_table("asset_event", records=events, columns=EVENT_COLUMNS)
        await settle(connection)
    finally:
        await connection.close()
    return {"assets": len(assets), "allocations": len(allocations), "dispositions": len(plans), "asset_events": len(events)}


SERVICES = (("haicap-org", "HAICAP_ORG_"), ("haicap-personnel", "HAICAP_PERSONNEL_"), ("haicap-assets", "HAICAP_ASSETS_"))


async def load(urls: Urls, sizes: Sizes, seed: int, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Migrate the three databases, import the units, write everything; return the counts and seconds."""
    started = time.perf_counter()
    summary: dict[str, Any] = {"seed": seed}
    for (cli, prefix), url in zip(SERVICES, (urls.org, urls.personnel, urls.assets), strict=True):
        service_command(cli, prefix, url, "migrate")
    connection = await asyncpg.connect(plain(urls.org))
    try:
        empty = not await connection.fetchval("SELECT EXISTS (SELECT 1 FROM agency)")
    finally:
        await connection.close()
    if not empty:
        raise RuntimeError("org-structure already holds agencies: load the national data set into fresh databases")
    service_command("haicap-org", "HAICAP_ORG_", urls.org, "import-units", "--all")
    log(f"migrated, units imported ({time.perf_counter() - started:.0f} s)")
    connection = await asyncpg.connect(plain(urls.org))
    try:
        country = await read_units(connection)
    finally:
        await connection.close()
    for name, part, url in (
        ("org", load_org, urls.org),
        ("personnel", load_personnel, urls.personnel),
        ("assets", load_assets, urls.assets),
    ):
        mark = time.perf_counter()
        summary[name] = await part(url, country, sizes, seed)
        summary[f"{name}_seconds"] = round(time.perf_counter() - mark, 1)
        log(f"{name}: {json.dumps(summary[name])} ({summary[f'{name}_seconds']} s)")
    summary["units"] = {
        "provinces": len(country.provinces),
        "communes": len(country.communes),
        "former_districts": len(country.districts),
    }
    summary["seconds"] = round(time.perf_counter() - started, 1)
    return summary


def run(urls: Urls, sizes: Sizes, seed: int) -> dict[str, Any]:
    return asyncio.run(load(urls, sizes, seed, log=lambda line: print(line, file=sys.stderr, flush=True)))
