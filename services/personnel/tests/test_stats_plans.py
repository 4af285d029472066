"""The statistics' plans at scale: a province's figures read from indexes, not from every person (issue 19).

At 3 M people ``/stats/qualifications`` for one province took 0.7 to 1.2 s (a parallel hash join
over the whole ``person`` table) and ``/stats/gaps`` 2.8 s (a hash anti-join over every
placement). Migrations 0017 and 0018 give each statistic an index carrying the columns it reads
(0018: a province's placements, which the headcount read from 59,000 heap pages, with their
person's category and qualifications copied onto them, which the qualifications looked up
person by person). These
tests seed a national-shaped data set (34 provinces, 120,000 people, 99.5% placed) in a
database of their own, committed and vacuumed as a production database is, and check
PostgreSQL's plan for the statements the statistics run (``EXPLAIN (FORMAT JSON)``): no
sequential scan of ``person`` or ``placement``, and the new indexes used. SQLite has no such
planner choice: it serves one province on a laptop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy import CompoundSelect, Select, true

from haicap_personnel.cli import MIGRATIONS
from haicap_personnel.stats import repository
from haicap_personnel.stats.repository import Scope
from haicap_personnel.stats.schemas import Dimension
from haicap_shared.db import null_pool_engine
from haicap_shared.migrations import upgrade_to_head
from haicap_shared.testing import create_postgres_database, drop_postgres_database, plan_nodes, postgres_plan

PEOPLE = 120_000
AS_OF = date(2026, 4, 15)

# NOTE: 34 provinces of 20 agencies each (one in five at province level); every person in one
# agency, all but one in 200 with a primary placement there since 2025-07-01. The person rows
# are as wide as real ones (about 300 bytes), which is what makes scanning them all costly.
SEED = """
INSERT INTO job_position (id, version, title, search_key, "group", required_education, required_fields, posts, status,
    agency_id, province_code, commune_code, agency_level, unit_id)
SELECT md5('position' || a)::uuid, 1, 'Chuyên viên', 'chuyen vien', 'professional', 'university', '[]', 1000, 'approved',
    md5('agency' || a)::uuid, lpad((a % 34 + 1)::text, 2, '0'),
    CASE WHEN a % 5 = 0 THEN NULL ELSE lpad(a::text, 5, '0') END, CASE WHEN a % 5 = 0 THEN 'province' ELSE 'commune' END,
    md5('unit' || a)::uuid
FROM generate_series(0, 679) AS a;
ANALYZE job_position;
INSERT INTO person (id, version, category, full_name, search_key, birth_date, sex, national_id, education_level,
    political_theory, state_management, field_of_study, field_key, residence_address, residence_code, certificates,
    salary_coefficient, agency_id, province_code, commune_code, agency_level, unit_id)
SELECT md5('person' || i)::uuid, 1, (ARRAY['civil_servant', 'public_employee', 'cadre'])[i % 3 + 1], 'Nguyễn Văn An',
    'nguyen van an', DATE '1970-01-01' + i % 9000, 'male', lpad(i::text, 12, '0'),
    (ARRAY['university', 'master', 'college', 'vocational'])[i % 4 + 1],
    (ARRAY['none', 'elementary', 'intermediate', 'advanced'])[i % 7 % 4 + 1],
    'none', 'Quản lý nhà nước', 'quan ly nha nuoc', 'Số ' || i % 300 || ', đường Lê Lợi, phường Bến Thành, Thành phố Hồ Chí Minh',
    '26734', 'Tin học ứng dụng cơ bản; Tiếng Anh B1; Bồi dưỡng quản lý nhà nước ngạch chuyên viên', 3.33,
    j.agency_id, j.province_code, j.commune_code, j.agency_level, j.unit_id
FROM generate_series(1, {people}) AS i JOIN job_position j ON j.id = md5('position' || (i::bigint * 7919 % 680))::uuid;
INSERT INTO placement (id, version, person_id, position_id, is_primary, valid_from, suitability, suitability_reasons,
    agency_id, province_code, commune_code, agency_level, unit_id)
SELECT md5('placement' || per.id::text)::uuid, 1, per.id, j.id, true, DATE '2025-07-01', 'suitable', '[]',
    per.agency_id, per.province_code, per.commune_code, per.agency_level, per.unit_id
FROM person per JOIN job_position j ON j.agency_id = per.agency_id WHERE per.national_id NOT LIKE '%00';
"""


@pytest.fixture
def postgresql_only(db_backend: str) -> None:
    if db_backend != "postgresql":
        pytest.skip("the planner's choice between an index and a scan of every person is PostgreSQL's")


@pytest_asyncio.fixture(scope="module")
async def national_shaped() -> AsyncIterator[str]:
    """A migrated database of its own with the seeded people, committed, vacuumed and analysed."""
    url = await create_postgres_database("haicap_test_personnel_plans")
    try:
        await upgrade_to_head(MIGRATIONS, url)
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            await connection.execute(SEED.format(people=PEOPLE))
            await connection.execute("VACUUM ANALYZE job_position, person, placement, streamlining_case")
        finally:
            await connection.close()
        yield url
    finally:
        await drop_postgres_database(url)


async def _plan(url: str, stmt: Select[Any] | CompoundSelect[Any]) -> dict[str, Any]:
    engine = null_pool_engine(url)
    try:
        async with engine.connect() as connection:
            return await postgres_plan(connection, stmt)
    finally:
        await engine.dispose()


def _scans(plan: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(node type, table, index) of every scan in the plan."""
    nodes = plan_nodes(plan)
    return {(node["Node Type"], node["Relation Name"], node.get("Index Name", "")) for node in nodes if "Relation Name" in node}


def _full_scans(scans: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """The sequential scans of the large tables (a scan of the few streamlining cases is fine)."""
    return {s for s in scans if s[0] == "Seq Scan" and s[1] in ("person", "placement")}


# NOTE: a province's primary placements in force, read from the index alone (no heap page)
_PROVINCE_S_PLACEMENTS = ("Index Only Scan", "placement", "ix_placement_province_code_valid_from_id")


def _scope(*by: Dimension, province: str = "01") -> Scope:
    return Scope(as_of=AS_OF, province=province, commune=None, level=None, category=None, by=list(by))


@pytest.mark.usefixtures("postgresql_only")
async def test_a_province_s_qualifications_read_only_its_placements_index(national_shaped: str) -> None:
    for stmt in (
        repository._qualifications(_scope(Dimension.CATEGORY, Dimension.LEVEL), true()),
        repository._headcount(_scope(Dimension.COMMUNE, Dimension.CATEGORY), true(), true()),
    ):
        # NOTE: the person's category and qualifications come with the placement (its copies)
        assert _scans(await _plan(national_shaped, stmt)) == {_PROVINCE_S_PLACEMENTS}


@pytest.mark.usefixtures("postgresql_only")
async def test_a_province_s_gaps_are_an_index_anti_join(national_shaped: str) -> None:
    # NOTE: the counts and the sample are one statement: the province's people are checked once
    plan = await _plan(national_shaped, repository._gap_figures(_scope(Dimension.AGENCY), true()))
    scans = _scans(plan)
    assert not _full_scans(scans), scans
    assert ("Index Only Scan", "person", "ix_person_province_code_id") in scans, scans
    assert ("Index Only Scan", "placement", "ix_placement_person_id_serving") in scans, scans
    assert sum(1 for node in plan_nodes(plan) if node.get("Relation Name") == "person") == 1, "the people are read once"


@pytest.mark.usefixtures("postgresql_only")
async def test_a_province_s_headcount_does_not_read_people(national_shaped: str) -> None:
    for by in ([Dimension.AGENCY], [Dimension.LEVEL]):
        scans = _scans(await _plan(national_shaped, repository._headcount(_scope(*by), true(), true())))
        assert not _full_scans(scans), scans
        assert "person" not in {table for _, table, _ in scans}, scans
        assert _PROVINCE_S_PLACEMENTS in scans, scans
