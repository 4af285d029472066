#!/usr/bin/env python3
"""Benchmark org-structure's task statistics and checks on a national-scale catalogue.

Builds a throwaway PostgreSQL database (created and dropped here) at org-structure's
migration head, loads a synthetic but consistent catalogue with COPY (34 provinces, about
700 former districts and 3,300 communes, 5,000 agencies, 50,000 tasks, of which 30% were
district tasks taken over on 2025-07-01), then times, in one run:

* ``by_level``: cross-checked against the same aggregate by hand (``DISTINCT ON``, and the
  naive ``count(*)``, whose ratio shows what counting each task once costs);
* ``GET /tasks/stats`` through the app in process (auth, JSON) as reporting asks for it (by
  level and sector, the default) against the same aggregates by hand (``GROUPING SETS``),
  and the first pages of its long lists (``by=unit&by=agency&limit=100``) against the same
  pages by hand; the service with all five dimensions against one ``GROUPING SETS`` query;
* ``GET /tasks/findings`` (complete counts of the five kinds and the first 100 findings)
  against five hand-written count queries.

Each figure is the median of ``--runs`` runs after one warm-up; results are cross-checked.

    .venv/bin/python bench/org_stats.py
    .venv/bin/python bench/org_stats.py --tasks 20000 --agencies 2000 --runs 3
    HAICAP_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/org_stats.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
from haicap_scenario.national import Pools, task_catalogue
from sqlalchemy.ext.asyncio import async_sessionmaker

from haicap_org_structure.app import create_app
from haicap_org_structure.cli import MIGRATIONS
from haicap_org_structure.settings import OrgSettings
from haicap_org_structure.tasks import repository, service
from haicap_org_structure.tasks.access import lead_agency_visible
from haicap_org_structure.tasks.schemas import StatsDimension
from haicap_shared.auth import system_principal
from haicap_shared.db import create_engine
from haicap_shared.migrations import upgrade_to_head
from haicap_shared.roles import Area, Role
from haicap_shared.text import search_key
from haicap_shared.tokens import TokenIssuer, generate_private_key, jwks

T = TypeVar("T")
ADMIN_URL = os.environ.get("HAICAP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BEFORE, AFTER = date(2025, 6, 30), date(2025, 7, 1)
AS_OF = date(2026, 4, 15)
SECTORS = ["Nội vụ", "Tài chính", "Tư pháp", "Y tế", "Giáo dục", "Xây dựng", "Nông nghiệp và Môi trường", "Công thương"]
NOW = datetime.now(UTC)

# --- the same aggregates, written by hand ---------------------------------------------------

_HELD = "o.valid_from <= $1 AND (o.valid_to IS NULL OR o.valid_to >= $1)"
RAW_BY_LEVEL_NAIVE = f"SELECT o.level, count(*) FROM task_ownership o WHERE o.is_lead AND {_HELD} GROUP BY o.level"
_LEAD = f"""
WITH lead AS (
    SELECT DISTINCT ON (o.task_id) o.task_id, o.agency_id, o.level
    FROM task_ownership o WHERE o.is_lead AND {_HELD}
    ORDER BY o.task_id, o.valid_from DESC, o.id DESC
)"""
RAW_BY_LEVEL = _LEAD + "SELECT level, count(*) FROM lead GROUP BY level"
RAW_STATS = (
    _LEAD
    + """
SELECT l.level, t.sector, u.id AS unit_id, u.code, u.name AS unit_name, u.level AS unit_level,
       l.agency_id, a.name AS agency_name, a.level AS agency_level, count(*) AS n
FROM lead l JOIN task t ON t.id = l.task_id JOIN agency a ON a.id = l.agency_id JOIN administrative_unit u ON u.id = a.unit_id
GROUP BY GROUPING SETS ((l.level), (t.sector), (u.id, u.code, u.name, u.level), (l.agency_id, a.name, a.level))
"""
)
RAW_SHORT = (
    _LEAD
    + """
SELECT l.level, t.sector, count(*) AS n FROM lead l JOIN task t ON t.id = l.task_id
GROUP BY GROUPING SETS ((l.level), (t.sector), ())
"""
)
RAW_PAGES = (
    _LEAD
    + """, by_unit AS (
    SELECT u.code, u.id, u.name, u.level, count(*) AS n
    FROM lead l JOIN agency a ON a.id = l.agency_id JOIN administrative_unit u ON u.id = a.unit_id
    GROUP BY u.code, u.id, u.name, u.level ORDER BY u.code, u.id LIMIT $2
), by_agency AS (
    SELECT a.name, a.id, a.level, count(*) AS n FROM lead l JOIN agency a ON a.id = l.agency_id
    GROUP BY a.name, a.id, a.level ORDER BY a.name, a.id LIMIT $2
)
SELECT 'unit' AS dimension, code, id, name, level, n FROM by_unit
UNION ALL SELECT 'agency', NULL, id, name, level, n FROM by_agency
UNION ALL SELECT 'total', NULL, NULL, NULL, NULL, count(*) FROM lead
"""
)
_IN_CATALOGUE = """(EXISTS (SELECT 1 FROM task_ownership x WHERE x.task_id = t.id AND x.valid_from <= $1)
    OR NOT EXISTS (SELECT 1 FROM task_ownership x WHERE x.task_id = t.id))"""
RAW_FINDINGS = {
    "overlap": """SELECT count(*) FROM task t
        JOIN task_ownership p ON p.task_id = t.id JOIN task_ownership q ON q.task_id = t.id AND p.id < q.id
        WHERE p.valid_from <= $1 AND (p.valid_to IS NULL OR p.valid_to >= $1)
          AND q.valid_from <= $1 AND (q.valid_to IS NULL OR q.valid_to >= $1)
          AND (NOT t.shared OR (p.is_lead AND q.is_lead))""",
    "no_owner": f"""SELECT count(*) FROM task t WHERE {_IN_CATALOGUE}
        AND NOT EXISTS (SELECT 1 FROM task_ownership o WHERE o.task_id = t.id AND o.is_lead AND {_HELD})""",
    "no_legal_basis": f"""SELECT count(*) FROM task t WHERE {_IN_CATALOGUE}
        AND (t.legal_basis IS NULL OR trim(t.legal_basis) = '')""",
    "ended_owner": f"""SELECT count(*) FROM task_ownership o JOIN agency a ON a.id = o.agency_id
        JOIN administrative_unit u ON u.id = a.unit_id WHERE {_HELD}
        AND NOT ((a.valid_from IS NULL OR a.valid_from <= $1) AND (a.valid_to IS NULL OR a.valid_to >= $1)
             AND (u.valid_from IS NULL OR u.valid_from <= $1) AND (u.valid_to IS NULL OR u.valid_to >= $1))""",
    "duplicate": f"""SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM task t WHERE {_IN_CATALOGUE}
        GROUP BY t.province_code, t.search_key HAVING count(*) > 1) g""",
}


# --- the catalogue --------------------------------------------------------------------------


def _entity() -> dict[str, Any]:
    return {"id": uuid.uuid4(), "created_at": NOW, "updated_at": NOW, "version": 1}


def build(tasks: int, agencies: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """Units, agencies, tasks, ownership and transfers, consistent with the two-tier reform."""
    rng = random.Random(seed)
    units: list[dict[str, Any]] = []
    provinces: list[dict[str, Any]] = []
    districts: list[dict[str, Any]] = []
    communes: list[dict[str, Any]] = []
    for p in range(1, 35):
        code = f"{p:02d}"
        province = _entity() | {"code": code, "name": f"Tỉnh {code}", "kind": "tinh", "level": "province"}
        province |= {"parent_id": None, "province_code": code, "valid_from": None, "valid_to": None}
        provinces.append(province)
        for _d in range(20 if p <= 20 else 21):
            dcode = f"{len(districts):03d}"
            districts.append(
                _entity()
                | {"code": dcode, "name": f"Huyện {dcode}", "kind": "huyen", "level": "district", "parent_id": province["id"]}
                | {"province_code": code, "valid_from": None, "valid_to": BEFORE}
            )
        for _c in range(98):
            ccode = f"{len(communes):05d}"
            communes.append(
                _entity()
                | {"code": ccode, "name": f"Xã {ccode}", "kind": "xa", "level": "commune", "parent_id": province["id"]}
                | {"province_code": code, "valid_from": AFTER, "valid_to": None}
            )
    for unit in (units := provinces + districts + communes):
        unit["short_name"] = unit["name"].split(" ", 1)[1]
        unit["search_key"] = search_key(unit["name"])

    def agency(name: str, kind: str, unit: dict[str, Any], valid_to: date | None = None) -> dict[str, Any]:
        return _entity() | {
            "name": name,
            "kind": kind,
            "unit_id": unit["id"],
            "level": unit["level"],
            "province_code": unit["province_code"],
            "commune_code": unit["code"] if unit["level"] == "commune" else None,
            "parent_id": None,
            "valid_from": unit["valid_from"],
            "valid_to": valid_to or unit["valid_to"],
            "search_key": search_key(name),
        }

    departments = [agency(f"Sở {n} tỉnh {p['code']}", "provincial_department", p) for p in provinces for n in range(14)]
    district_offices = [agency(f"Phòng Kinh tế {d['code']}", "district_office", d) for d in districts]
    commune_offices = [
        agency(f"Văn phòng {i} xã {communes[i % len(communes)]['code']}", "commune_office", communes[i % len(communes)])
        for i in range(max(0, agencies - len(departments) - len(district_offices)))
    ]
    pools = {p["code"]: Pools() for p in provinces}
    for group, attribute in (
        (departments, "departments"),
        (district_offices, "district_offices"),
        (commune_offices, "commune_orgs"),
    ):
        for a in group:
            getattr(pools[a["province_code"]], attribute).append(a)
    # NOTE: the catalogue is the one haicap_scenario.national builds for the national data set.
    task_rows, transfers, ownerships = task_catalogue(
        rng, tasks, [p["code"] for p in provinces], pools, SECTORS, repository.task_search_key, uuid.uuid4, NOW
    )
    return {
        "administrative_unit": units,
        "agency": departments + district_offices + commune_offices,
        "task": task_rows,
        "task_transfer": transfers,
        "task_ownership": ownerships,
    }


async def load(connection: asyncpg.Connection, data: dict[str, list[dict[str, Any]]]) -> None:
    for table, rows in data.items():
        if rows:
            columns = list(rows[0])
            await connection.copy_records_to_table(table, records=[tuple(r[c] for c in columns) for r in rows], columns=columns)
    await connection.execute("ANALYZE")


# --- timing ---------------------------------------------------------------------------------


async def timed(runs: int, call: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    """Median milliseconds of ``runs`` calls after one warm-up, and the last result."""
    result = await call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = await call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


async def bench(args: argparse.Namespace) -> int:
    name = f"haicap_bench_org_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_URL, timeout=10)
    await admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    raw_url, app_url = f"{base}/{name}", f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
    try:
        started = time.perf_counter()
        await upgrade_to_head(MIGRATIONS, app_url)
        data = build(args.tasks, args.agencies, args.seed)
        raw = await asyncpg.connect(raw_url, timeout=10)
        await raw.execute(f"SET statement_timeout = '{args.statement_timeout}s'")
        await load(raw, data)
        counts = {table: len(rows) for table, rows in data.items()}
        print(f"loaded in {time.perf_counter() - started:.1f} s: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))

        engine = create_engine(app_url)
        key = generate_private_key()
        token, _ = TokenIssuer(key).issue(subject="bench", username="bench", role=Role.ADMIN, area=Area(), ttl_seconds=3600)
        settings = OrgSettings(database_url=app_url, var_dir=Path(tempfile.mkdtemp()), jwks=json.dumps(jwks(key.public_key())))
        app = create_app(settings)
        principal = system_principal("bench")
        rows: list[tuple[str, float, float]] = []
        async with app.router.lifespan_context(app), engine.connect() as connection:
            await connection.exec_driver_sql(f"SET statement_timeout = '{args.statement_timeout}s'")
            session = async_sessionmaker(bind=connection)()
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench", headers={"Authorization": f"Bearer {token}"}
            )
            visible = lead_agency_visible(principal)
            for day in (BEFORE, AS_OF):
                naive_ms, naive = await timed(args.runs, partial(raw.fetch, RAW_BY_LEVEL_NAIVE, day))
                raw_ms, by_hand = await timed(args.runs, partial(raw.fetch, RAW_BY_LEVEL, day))
                levels = (await repository.count_tasks(session, day, visible, by=["level"]))[None].by_level
                assert dict(levels) == {r[0]: r[1] for r in by_hand} == {r[0]: r[1] for r in naive}, (levels, by_hand)
                print(f"by_level on {day}: {dict(sorted(levels))}")
                rows.append((f"raw by_level {day}: naive count(*) vs DISTINCT ON (cost of one-per-task)", naive_ms, raw_ms))

            default = {"as_of": AS_OF.isoformat()}
            short_ms, response = await timed(args.runs, lambda: client.get("/tasks/stats", params=default))
            assert response.status_code == 200, response.text
            raw_short_ms, short = await timed(args.runs, lambda: raw.fetch(RAW_SHORT, AS_OF))
            body = response.json()
            assert body["total"] == next(r["n"] for r in short if r["level"] is None and r["sector"] is None)
            assert {k: v for k, v in body["by_level"].items() if v} == {
                r["level"]: r["n"] for r in short if r["level"] is not None
            }
            assert len(body["by_sector"]) == sum(1 for r in short if r["sector"] is not None)
            print(
                f"GET /tasks/stats (by level and sector, the default and what reporting reads): {len(response.content):,} bytes"
            )
            rows.append(("GET /tasks/stats (default: by level, sector) vs GROUPING SETS by hand", short_ms, raw_short_ms))

            paged = {"as_of": AS_OF.isoformat(), "by": ["unit", "agency"], "limit": "100"}
            pages_ms, response = await timed(args.runs, lambda: client.get("/tasks/stats", params=paged))
            assert response.status_code == 200, response.text
            raw_pages_ms, by_hand_pages = await timed(args.runs, lambda: raw.fetch(RAW_PAGES, AS_OF, 101))
            body = response.json()
            assert [a["agency_id"] for a in body["by_agency"]] == [
                str(r["id"]) for r in by_hand_pages if r["dimension"] == "agency"
            ][:100]
            assert [u["unit_id"] for u in body["by_unit"]] == [str(r["id"]) for r in by_hand_pages if r["dimension"] == "unit"][
                :100
            ]
            print(f"GET /tasks/stats?by=unit&by=agency&limit=100 (first pages): {len(response.content):,} bytes")
            rows.append(("GET /tasks/stats?by=unit&by=agency&limit=100 vs the same pages by hand", pages_ms, raw_pages_ms))

            every = list(StatsDimension)
            grouping_ms, grouped = await timed(args.runs, lambda: raw.fetch(RAW_STATS, AS_OF))
            svc_ms, counted = await timed(args.runs, lambda: service.task_stats(session, principal, AS_OF, by=every))
            assert sum(r["n"] for r in grouped if r["sector"] is not None) == counted.total
            rows.append(
                ("service.task_stats (all 5 dimensions, pages of 100) vs GROUPING SETS (whole lists)", svc_ms, grouping_ms)
            )

            params = {"as_of": AS_OF.isoformat(), "limit": "100"}
            findings_ms, found = await timed(args.runs, lambda: client.get("/tasks/findings", params=params))
            assert found.status_code == 200, found.text

            async def raw_findings() -> dict[str, int]:
                return {kind: int(await raw.fetchval(sql, AS_OF)) for kind, sql in RAW_FINDINGS.items()}

            raw_findings_ms, by_hand_counts = await timed(args.runs, raw_findings)
            # NOTE: the kinds counted here by hand; the findings may count more (task feasibility's).
            assert {k: found.json()["counts"][k] for k in by_hand_counts} == by_hand_counts, (found.json(), by_hand_counts)
            print(f"findings on {AS_OF}: {by_hand_counts}")
            rows.append(("GET /tasks/findings (counts + 100 items) vs 5 raw counts", findings_ms, raw_findings_ms))
            await client.aclose()
            await session.close()
        await engine.dispose()
        await raw.close()

        print(f"\nmedians of {args.runs} runs (after 1 warm-up), {args.tasks:,} tasks, {len(data['agency']):,} agencies:\n")
        print("| measurement | measured ms | baseline (raw SQL) ms | ratio |")
        print("| --- | ---: | ---: | ---: |")
        for label, ours, theirs in rows:
            print(f"| {label} | {ours:.1f} | {theirs:.1f} | {ours / theirs:.2f} |")
        print(f"\ntotal {time.perf_counter() - started:.1f} s")
        return 0
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--agencies", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement; medians are printed")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--timeout", type=float, default=600, help="give up after this many seconds")
    parser.add_argument("--statement-timeout", type=int, default=60, help="PostgreSQL statement_timeout, seconds")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(asyncio.wait_for(bench(args), args.timeout))
    except TimeoutError:
        print(f"gave up after {args.timeout:.0f} s", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
