#!/usr/bin/env python3
"""Benchmark personnel at the national design ceiling: bulk import and statistics on PostgreSQL.

Needs PostgreSQL (``HAICAP_TEST_POSTGRES_URL``, default postgres on 127.0.0.1:5432), ``psql``,
and the installed repository (``make install``). It creates a database of its own, migrates
it with personnel's migrations, and drops it at the end.

    .venv/bin/python bench/personnel.py                     # 3,000,000 people (and a 300,000 run for memory)
    .venv/bin/python bench/personnel.py --people 200000 --small 20000

In one run it measures:

- **import**: the same generated rows loaded twice into the same ``person`` table (all its
  indexes): once with ``psql \\copy`` of a CSV in the table's own columns (the baseline), once
  through personnel's importer (``people.service.import_people``, the code behind
  ``POST /people/imports``) from the CSV a province would send (Vietnamese headers and labels,
  DD/MM/YYYY dates): COPY into a staging table, validation in SQL, one INSERT ... SELECT. The
  ratio is rows per second of the importer over \\copy's. org-structure is an in-process fake
  (the import fetches each distinct agency once; that cost is not what is measured here).
- **peak memory of the import**: the process's peak RSS growth (``VmHWM`` reset through
  ``/proc/self/clear_refs``) during the small import and the full one: bounded means they
  are alike although the files differ tenfold.
- **statistics**: ``GET /stats/qualifications`` (through the app, in process, with a token)
  against the same aggregate written as one raw SQL query on asyncpg, median of 3 each.
- **lists**: the first page and the 20th page (following cursors) of ``GET /people`` filtered
  by province and by commune.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

# NOTE: run as a script, this file's folder comes first on sys.path and its name would hide
# the personnel package; the folder holds nothing else to import.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from haicap_scenario.national import PROVINCES, draw_person  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from haicap_personnel.app import create_app  # noqa: E402
from haicap_personnel.cli import MIGRATIONS  # noqa: E402
from haicap_personnel.events import CATALOGUE  # noqa: E402
from haicap_personnel.org_client import OrgAgency, OrgLineage  # noqa: E402
from haicap_personnel.people.service import PERSONAL_FIELDS, import_people  # noqa: E402
from haicap_personnel.settings import PersonnelSettings  # noqa: E402
from haicap_personnel.tables import metadata  # noqa: E402
from haicap_shared.audit import AuditTrail  # noqa: E402
from haicap_shared.auth import system_principal  # noqa: E402
from haicap_shared.db import create_engine  # noqa: E402
from haicap_shared.events.outbox import Outbox  # noqa: E402
from haicap_shared.imports import ImportLimits, Upload  # noqa: E402
from haicap_shared.migrations import upgrade_to_head  # noqa: E402
from haicap_shared.roles import Area, Role  # noqa: E402
from haicap_shared.testing import create_postgres_database, drop_postgres_database, postgres_admin_url  # noqa: E402
from haicap_shared.tokens import TokenIssuer, generate_private_key, jwks  # noqa: E402

HEADER = ["Họ và tên", "Ngày sinh", "Giới tính", "Số định danh", "Đối tượng", "Trình độ chuyên môn", "Chuyên ngành",
          "Lý luận chính trị", "Quản lý nhà nước", "Hệ số lương", "Mã cơ quan"]  # fmt: skip
TABLE_COLUMNS = ["id", "created_at", "updated_at", "version", "national_id", "full_name", "search_key", "birth_date", "sex",
                 "category", "education_level", "field_of_study", "field_key", "political_theory", "state_management",
                 "salary_coefficient", "agency_id", "province_code", "commune_code", "agency_level", "unit_id"]  # fmt: skip


class FakeOrg:
    """The agencies of the generated country: per province one department and per commune two offices."""

    def __init__(self, communes_per_province: int) -> None:
        self.agencies: dict[uuid.UUID, OrgAgency] = {}
        for p, province in enumerate(PROVINCES):
            self._add(uuid.UUID(int=p + 1), f"Sở Nội vụ {province}", province, None, "province")
            for c in range(communes_per_province):
                code = f"{p:02d}{c:03d}"
                for k in range(2):
                    self._add(
                        uuid.UUID(int=1_000_000 + p * 10_000 + c * 10 + k), f"Phòng {k} xã {code}", province, code, "commune"
                    )
        self.ids = list(self.agencies)

    def _add(self, agency_id: uuid.UUID, name: str, province: str, commune: str | None, level: str) -> None:
        unit = uuid.UUID(int=agency_id.int + 500_000_000)
        self.agencies[agency_id] = OrgAgency(
            id=agency_id, name=name, kind="x", unit_id=unit, level=level, province_code=province, commune_code=commune
        )

    async def agency(self, agency_id: uuid.UUID) -> OrgAgency | None:
        return self.agencies.get(agency_id)

    async def lineage(self, unit_id: uuid.UUID) -> OrgLineage | None:
        return None


def write_files(org: FakeOrg, people: int, upload: Path, baseline: Path, seed: int) -> None:
    """The same rows twice: as a province sends them, and in the table's own columns for \\copy."""
    rng = random.Random(seed)
    now = "2025-07-01 00:00:00+00"
    with upload.open("w", newline="", encoding="utf-8") as u, baseline.open("w", newline="", encoding="utf-8") as b:
        up, base = csv.writer(u), csv.writer(b)
        up.writerow(HEADER)
        for n in range(people):
            # NOTE: the person's own fields are drawn as for the national data set (haicap_scenario.national).
            d = draw_person(rng, n)
            agency = org.agencies[org.ids[rng.randrange(len(org.ids))]]
            name = f"Người {n}"
            up.writerow([name, d.birth.strftime("%d/%m/%Y"), "Nữ" if d.female else "Nam", d.national_id, d.category[0],
                         d.education[0], d.field[0], d.theory[0], "", d.coefficient.replace(".", ","),
                         str(agency.id)])  # fmt: skip
            base.writerow([uuid.UUID(int=rng.getrandbits(128)), now, now, 1, d.national_id, name, f"nguoi {n}",
                           d.birth.isoformat(), "female" if d.female else "male", d.category[1], d.education[1],
                           d.field[0], d.field[1], d.theory[1], "none", d.coefficient, agency.id, agency.province_code,
                           agency.commune_code or "", agency.level, agency.unit_id])  # fmt: skip


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


async def timed(action: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await action()
    return time.perf_counter() - started, result


async def run_import(url: str, org: FakeOrg, path: Path) -> tuple[float, int, float]:
    """Seconds, rows written, peak RSS growth (MB) of one import through the importer."""
    engine = create_engine(url)
    # NOTE: the trail the app builds: every imported person is audited and published.
    audit = AuditTrail(metadata.tables["audit_event"], PERSONAL_FIELDS)
    audit.outbox = Outbox(metadata.tables["event_outbox"], CATALOGUE, audit.personal, public_base_url="http://127.0.0.1:8000")
    before = rss_mb("VmRSS")
    reset_peak_rss()
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            with path.open("rb") as stream:

                async def go() -> Any:
                    # NOTE: the bench's files are a whole country's; the row limit of one upload is lifted.
                    upload = Upload(stream, path.name, 0, ImportLimits(max_rows=10_000_000, chunk_rows=5000))
                    report = await import_people(session, audit, org, system_principal("bench"), upload, partial=False)
                    await session.commit()
                    return report

                seconds, report = await timed(go)
    finally:
        await engine.dispose()
    assert report.rejected == 0, report.problems[:5]
    return seconds, report.written, rss_mb("VmHWM") - before


def psql_copy(url: str, path: Path) -> float:
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    command = f"\\copy person({', '.join(TABLE_COLUMNS)}) FROM '{path}' WITH (FORMAT csv, NULL '')"
    started = time.perf_counter()
    subprocess.run(["psql", plain, "-v", "ON_ERROR_STOP=1", "-q", "-c", command], check=True)  # noqa: S603, S607
    return time.perf_counter() - started


RAW_QUALIFICATIONS = """
SELECT p.agency_level, count(*),
       sum(CASE WHEN per.education_level IN ('university', 'master', 'doctorate') THEN 1 ELSE 0 END),
       sum(CASE WHEN per.political_theory = 'none' THEN 1 ELSE 0 END),
       sum(CASE WHEN per.political_theory = 'elementary' THEN 1 ELSE 0 END),
       sum(CASE WHEN per.political_theory = 'intermediate' THEN 1 ELSE 0 END),
       sum(CASE WHEN per.political_theory = 'advanced' THEN 1 ELSE 0 END),
       sum(CASE WHEN per.state_management = 'none' THEN 1 ELSE 0 END),
       sum(CASE WHEN per.state_management = 'officer' THEN 1 ELSE 0 END),
       sum(CASE WHEN per.state_management = 'principal' THEN 1 ELSE 0 END),
       sum(CASE WHEN per.state_management = 'senior' THEN 1 ELSE 0 END)
FROM placement p JOIN person per ON per.id = p.person_id
WHERE p.is_primary AND p.valid_from <= $1 AND (p.valid_to IS NULL OR p.valid_to >= $1)
  AND (p.agency_valid_to IS NULL OR p.agency_valid_to >= $1)
GROUP BY p.agency_level
"""

PLACE_EVERYONE = """
INSERT INTO job_position (id, created_at, updated_at, version, title, search_key, "group", required_education,
    required_fields, posts, status, agency_id, province_code, commune_code, agency_level, unit_id)
SELECT gen_random_uuid(), now(), now(), 1, 'Chuyên viên', 'chuyen vien', 'professional', 'university', '["Luật"]',
    1000, 'approved', agency_id, min(province_code), min(commune_code), min(agency_level), (array_agg(unit_id))[1]
FROM person GROUP BY agency_id;
INSERT INTO placement (id, created_at, updated_at, version, person_id, position_id, is_primary, valid_from, valid_to,
    suitability, suitability_reasons, agency_id, province_code, commune_code, agency_level, unit_id)
SELECT gen_random_uuid(), now(), now(), 1, per.id, pos.id, true, DATE '2025-07-01', NULL,
    CASE WHEN per.education_level IN ('university', 'master', 'doctorate') THEN 'suitable' ELSE 'unsuitable' END, '[]',
    per.agency_id, per.province_code, per.commune_code, per.agency_level, per.unit_id
FROM person per JOIN job_position pos ON pos.agency_id = per.agency_id;
ANALYZE person; ANALYZE placement; ANALYZE job_position;
"""


async def bench(args: argparse.Namespace) -> None:
    org = FakeOrg(args.communes)
    url = await create_postgres_database("haicap_bench_personnel")
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    work = Path(tempfile.mkdtemp(prefix="haicap-bench-"))
    try:
        await upgrade_to_head(MIGRATIONS, url)
        raw = await asyncpg.connect(plain)
        print(f"PostgreSQL at {postgres_admin_url()}; {len(org.ids)} agencies; files in {work}", flush=True)
        results: dict[int, tuple[float, float, float, float]] = {}
        for size in sorted({args.small, args.people}):
            upload, baseline = work / f"people-{size}.csv", work / f"table-{size}.csv"
            started = time.perf_counter()
            write_files(org, size, upload, baseline, args.seed)
            print(f"{size:,} rows generated in {time.perf_counter() - started:.0f} s "
                  f"({upload.stat().st_size / 2**20:.0f} MB as sent)", flush=True)  # fmt: skip
            await raw.execute("TRUNCATE person CASCADE; CHECKPOINT")
            copy_seconds = psql_copy(url, baseline)
            await raw.execute("TRUNCATE person CASCADE; CHECKPOINT")
            import_seconds, written, peak = await run_import(url, org, upload)
            assert written == size, (written, size)
            results[size] = (copy_seconds, import_seconds, peak, upload.stat().st_size / 2**20)
            print(f"  \\copy {size / copy_seconds:,.0f} rows/s; importer {size / import_seconds:,.0f} rows/s; "
                  f"peak RSS growth {peak:.0f} MB", flush=True)  # fmt: skip
            upload.unlink()
            baseline.unlink()

        print("placing everyone (one approved position per agency)...", flush=True)
        await raw.execute(PLACE_EVERYONE)
        key = generate_private_key()
        settings = PersonnelSettings(database_url=url, jwks=json.dumps(jwks(key.public_key())))
        token, _ = TokenIssuer(key).issue(subject="bench", username="bench", role=Role.ADMIN, area=Area(), ttl_seconds=3600)
        app = create_app(settings, org_client_factory=lambda _app: org)
        as_of = date(2025, 7, 1)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://bench",
                headers={"Authorization": f"Bearer {token}"},
                timeout=600,
            ) as client,
        ):

            async def endpoint() -> Any:
                response = await client.get("/stats/qualifications", params={"as_of": as_of.isoformat(), "by": "level"})
                assert response.status_code == 200, response.text
                return response.json()

            async def raw_query() -> Any:
                return await raw.fetch(RAW_QUALIFICATIONS, as_of)

            await endpoint()  # warm the cache once for both
            api_times = [(await timed(endpoint))[0] for _ in range(3)]
            raw_times = [(await timed(raw_query))[0] for _ in range(3)]
            body = await endpoint()
            raw_rows = await raw_query()
            assert body["total"]["headcount"] == sum(r[1] for r in raw_rows) == args.people

            async def pages(params: dict[str, str]) -> tuple[float, float]:
                """Milliseconds of the first page and of the 20th (reached by following cursors)."""
                cursor: str | None = None
                took: list[float] = []
                for _ in range(20):
                    paged = params | {"limit": "100"} | ({"cursor": cursor} if cursor else {})
                    started = time.perf_counter()
                    response = await client.get("/people", params=paged)
                    took.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text
                    cursor = response.json()["next"]
                return took[0], took[-1]

            province_first, province_20th = await pages({"province": "04"})
            commune_first, commune_20th = await pages({"commune": "01005"})

        api, raw_median = statistics.median(api_times), statistics.median(raw_times)
        print("\n| measure | value |\n| --- | ---: |")
        for size, (copy_seconds, import_seconds, peak, megabytes) in sorted(results.items()):
            print(f"| {size:,} rows: `psql \\copy` | {size / copy_seconds:,.0f} rows/s ({copy_seconds:.1f} s) |")
            print(f"| {size:,} rows: importer (COPY, validate in SQL, INSERT ... SELECT) | "
                  f"{size / import_seconds:,.0f} rows/s ({import_seconds:.1f} s) |")  # fmt: skip
            print(f"| {size:,} rows: import / \\copy | **{copy_seconds / import_seconds:.2f}** (goal >= 0.5) |")
            print(f"| {size:,} rows: peak RSS growth of the import ({megabytes:.0f} MB file) | {peak:.0f} MB |")
        print(f"| GET /stats/qualifications?by=level, {args.people:,} people | {api * 1000:.0f} ms (median of 3) |")
        print(f"| the same aggregate as one raw SQL query | {raw_median * 1000:.0f} ms |")
        print(f"| stats / raw | **{api / raw_median:.2f}** (goal <= 1.5) |")
        print(f"| GET /people?province=04: first page, 20th page | {province_first:.1f} ms, {province_20th:.1f} ms |")
        print(f"| GET /people?commune=01005: first page, 20th page | {commune_first:.1f} ms, {commune_20th:.1f} ms |")
        await raw.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        await drop_postgres_database(url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=3_000_000, help="rows of the full run (default 3,000,000)")
    parser.add_argument("--small", type=int, default=300_000, help="rows of the run that shows memory is bounded")
    parser.add_argument("--communes", type=int, default=98, help="communes per province (x 34 provinces, 2 agencies each)")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    if not os.path.exists("/proc/self/clear_refs"):
        print("needs Linux (/proc/self/clear_refs) to measure peak memory", file=sys.stderr)
        return 1
    asyncio.run(bench(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
