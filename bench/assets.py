#!/usr/bin/env python3
"""Benchmark assets at national scale on PostgreSQL: bulk import and statistics on 300,000 assets.

One run, one fresh database (created and dropped here), the installed repository
(``make install``) and PostgreSQL at ``HAICAP_TEST_POSTGRES_URL`` (default: postgres on
127.0.0.1:5432):

    .venv/bin/python bench/assets.py                 # 300,000 assets, 5 timed runs per query
    .venv/bin/python bench/assets.py --rows 50000 --runs 3

What it measures, each against its floor in the same run:

* the import (``POST /assets/imports``'s code, ``register.service.import_assets``: the CSV
  through COPY into a staging table, each distinct label, date and holder read once in Python,
  every row checked in SQL, INSERT ... SELECT into ``asset``, ``allocation`` and
  ``asset_event``, the audit events of each asset and allocation and their change events, as
  the app writes them; ``--no-outbox`` leaves the change feed out) against two floors, asyncpg
  ``COPY`` into copies of the tables with their indexes (``LIKE ... INCLUDING ALL``: indexes and
  checks, no foreign keys):

  - of the asset rows alone, already parsed (the asset table is one of the tables the import writes);
  - of every row the import writes, already built: the last import's ``asset``, ``allocation``,
    ``asset_event``, ``audit_event`` and ``event_outbox`` rows (the last left out with ``--no-outbox``),
    read back after it (binary COPY to files) and COPYed into copies of their tables.

  The issue's goal (import throughput >= 0.5 of COPY's) is read against the second floor: the
  import must write all those rows, the first floor leaves most of them out. ``--import-runs``
  imports, each followed at once by its two floors (so an import and its floors meet the same
  moment of a shared machine), the tables emptied between runs; the medians of the times and of
  each run's ratios are printed;
* ``/stats/summary``'s and ``/stats/value``'s queries through the service code (SQLAlchemy
  Core on an AsyncSession) against the same aggregate written as one raw SQL query on asyncpg.

org-structure is replaced by an in-process directory (3,321 communes in 34 provinces): the
point is the database, not HTTP. Prints rows per second, medians, the ratios and the load average.
"""

# ruff: noqa: E402 (the script's folder leaves sys.path before the service packages are imported)
from __future__ import annotations

import sys
from pathlib import Path

# NOTE: run as a script, this file's folder comes first on sys.path and its name would shadow
# the ``assets`` package it benchmarks.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import csv
import io
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from haicap_scenario.national import PROVINCES, draw_asset
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_assets.cli import MIGRATIONS
from haicap_assets.events import event_catalogue
from haicap_assets.org_client import HolderNotFound, OrgAgency, OrgUnit
from haicap_assets.plates import PLATE_PREFIXES
from haicap_assets.register import importer, repository, service
from haicap_assets.stats import service as stats_service
from haicap_assets.tables import metadata
from haicap_shared.audit import AuditTrail
from haicap_shared.auth import system_principal
from haicap_shared.db import create_engine
from haicap_shared.events.outbox import Outbox
from haicap_shared.imports import ImportLimits, Upload
from haicap_shared.migrations import upgrade_to_head
from haicap_shared.testing import create_postgres_database, drop_postgres_database

AS_OF = date(2026, 1, 1)
COMMUNES = 3_321
NAMESPACE = uuid.UUID("6f1c1b0e-0000-4000-8000-000000000004")


class Directory:
    """org-structure in memory: every generated commune, in force from before the records."""

    def __init__(self, communes: dict[str, str]) -> None:
        self.province_of = communes

    async def agency(self, agency_id: uuid.UUID) -> OrgAgency:
        raise HolderNotFound(f"no agency {agency_id}")

    async def unit(self, unit_id: uuid.UUID) -> OrgUnit:
        raise HolderNotFound(f"no unit {unit_id}")

    async def unit_by_code(self, code: str, as_of: date) -> OrgUnit:
        if code not in self.province_of:
            raise HolderNotFound(f"no unit {code}")
        return OrgUnit(
            id=uuid.uuid5(NAMESPACE, code), code=code, name=f"Xã {code}", level="commune", province_code=self.province_of[code]
        )

    async def predecessors(self, unit_id: uuid.UUID) -> list[OrgUnit]:
        return []

    async def communes(self, province: str | None, as_of: date) -> list[OrgUnit]:
        return []


def generate(rows: int, seed: int) -> tuple[bytes, dict[str, str]]:
    """A seeded inventory CSV: 70% premises, 20% cars, 10% equipment, spread over the communes."""
    rng = random.Random(seed)
    communes = {f"{n:05d}": PROVINCES[n % len(PROVINCES)] for n in range(1, COMMUNES + 1)}
    codes = list(communes)
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["code", "name", "kind", "province_code", "commune_code", "land_area_m2", "floor_area_m2", "plate", "seats"]
    writer.writerow([*header, "original_value", "residual_value", "holder_code", "purpose", "allocated_from", "status"])
    for n in range(rows):
        commune = codes[n % len(codes)]
        province = communes[commune]
        # NOTE: drawn as for the national data set (haicap_scenario.national).
        d = draw_asset(rng, n, sorted(PLATE_PREFIXES.get(province, {"99"}))[0])
        kind, purpose, value, residual, status = d.kind, d.purpose, d.original_value, d.residual_value, d.status
        land, floor, plate, seats = (d.land_area_m2 or "", d.floor_area_m2 or "", d.plate or "", d.seats or "")
        described = [f"TS-{n:07d}", f"Tài sản {n}", kind, province, commune, land, floor, plate, seats]
        writer.writerow([*described, value, residual, commune, purpose, "2025-07-01", status])
    return out.getvalue().encode(), communes


def median_of(runs: int, make: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[float]]:
    async def timed() -> float:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            await make()
            times.append(time.perf_counter() - started)
        return float(statistics.median(times))

    return timed


# NOTE: as the service reads it: the kind is the allocation's copy of its asset's (migration 0010), counted by commune
# first, then by kind and level
RAW_SUMMARY = """
SELECT kind, holder_level, sum(assets), sum(general_work_cars), count(commune),
       count(CASE WHEN general_work_cars > 0 THEN commune END)
FROM (SELECT al.asset_kind AS kind, al.holder_level, al.holder_commune_code AS commune, count(*) AS assets,
             sum(CASE WHEN al.asset_kind = 'car' AND al.purpose = 'general_work_car' THEN 1 ELSE 0 END) AS general_work_cars
      FROM allocation al
      WHERE al.valid_from <= $1 AND (al.valid_to IS NULL OR al.valid_to >= $1)
      GROUP BY al.asset_kind, al.holder_level, al.holder_commune_code) by_commune
GROUP BY kind, holder_level
"""
RAW_VALUE = """
SELECT s.status, a.kind, count(*), coalesce(sum(a.original_value), 0), coalesce(sum(a.residual_value), 0)
FROM (SELECT asset_id, status, row_number() OVER (PARTITION BY asset_id ORDER BY event_date DESC, id DESC) AS rn
      FROM asset_event WHERE status IS NOT NULL AND event_date <= $1) s
JOIN asset a ON a.id = s.asset_id
WHERE s.rn = 1
GROUP BY s.status, a.kind
"""


WRITTEN = ("asset", "allocation", "asset_event", "audit_event")
"""The tables an import writes (and ``event_outbox`` with the change feed)."""
WRITTEN_TABLES = f"TRUNCATE {', '.join(WRITTEN)}, event_outbox CASCADE"
"""What an import writes, emptied before the next timed run."""


async def create_floor_tables(connection: asyncpg.Connection, tables: tuple[str, ...]) -> None:
    """Copies of ``tables`` with their indexes and checks (``LIKE ... INCLUDING ALL``: no foreign keys), for the floor."""
    for table in tables:
        await connection.execute(f"CREATE TABLE {table}_floor (LIKE {table} INCLUDING ALL)")


async def copy_floor_once(connection: asyncpg.Connection, tables: tuple[str, ...]) -> tuple[float, dict[str, int]]:
    """The time to COPY every row of ``tables`` as they stand into their (emptied) copies; rows per table."""
    counts = {table: int(await connection.fetchval(f"SELECT count(*) FROM {table}")) for table in tables}
    await connection.execute(f"TRUNCATE {', '.join(f'{table}_floor' for table in tables)}")
    with tempfile.TemporaryDirectory() as folder:
        files = {table: str(Path(folder) / f"{table}.copy") for table in tables}
        for table, path in files.items():
            # NOTE: binary, so the floor's COPY reads the values as they are, with no text to parse.
            await connection.copy_from_table(table, output=path, format="binary")
        started = time.perf_counter()
        for table, path in files.items():
            await connection.copy_to_table(f"{table}_floor", source=path, format="binary")
        return time.perf_counter() - started, counts


# NOTE: the bench's files may exceed one upload's row limit; it is lifted here.
LIMITS = ImportLimits(max_rows=10_000_000, chunk_rows=5000)


async def run(rows: int, runs: int, seed: int, import_runs: int, with_outbox: bool) -> None:
    print(f"generating {rows:,} assets over {COMMUNES:,} communes in {len(PROVINCES)} provinces...", flush=True)
    data, communes = generate(rows, seed)
    url = await create_postgres_database("haicap_bench_assets")
    raw_url = url.replace("postgresql+asyncpg://", "postgresql://")
    engine = create_engine(url)
    try:
        await upgrade_to_head(Path(MIGRATIONS), url)
        audit = AuditTrail(metadata.tables["audit_event"])
        principal = system_principal("bench")
        org = Directory(communes)

        if with_outbox:
            # NOTE: the change feed's events too, as the app writes them (one per asset and allocation).
            outbox = Outbox(metadata.tables["event_outbox"], event_catalogue(), {}, public_base_url="http://127.0.0.1:8000")
            audit.outbox = outbox

        async def imported() -> None:
            async with AsyncSession(engine, expire_on_commit=False) as session:
                report = await service.import_assets(
                    session,
                    audit,
                    principal,
                    org,
                    Upload(io.BytesIO(data), "bench.csv", len(data), LIMITS),
                    partial=False,
                    today=AS_OF,
                )
                await session.commit()
            assert report.written == rows, report.model_dump(exclude={"problems"}) | {"problems": report.problems[:3]}

        # The floors: the same rows, parsed already, COPYed into a copy of ``asset`` with its
        # indexes; and every row the import wrote, COPYed as it stands into copies of its tables.
        parsed = [
            importer.parse_row({k: v or None for k, v in r.items()}, AS_OF) for r in csv.DictReader(io.StringIO(data.decode()))
        ]
        asset_columns = repository.STAGED_ASSET_COLUMNS
        columns = [*asset_columns, "created_at", "updated_at", "version"]
        stamp = datetime.now(UTC)
        records = [
            tuple([uuid.uuid4()] + [getattr(record[c], "value", record[c]) for c in asset_columns[1:]] + [stamp, stamp, 1])
            for record, _, _ in parsed
        ]
        tables = (*WRITTEN, "event_outbox") if with_outbox else WRITTEN
        connection = await asyncpg.connect(raw_url)
        try:
            await connection.execute("CREATE TABLE asset_copy (LIKE asset INCLUDING ALL)")
            await create_floor_tables(connection, tables)
            # NOTE: each import is followed by its floors, so both meet the same moment of a
            # shared machine; the ratios are each pair's, their median printed.
            import_times, copy_times, all_times = [], [], []
            for run_number in range(import_runs):
                if run_number:
                    await connection.execute(WRITTEN_TABLES)
                started = time.perf_counter()
                await imported()
                import_times.append(time.perf_counter() - started)
                await connection.execute("TRUNCATE asset_copy")
                started = time.perf_counter()
                await connection.copy_records_to_table("asset_copy", records=records, columns=columns)
                copy_times.append(time.perf_counter() - started)
                seconds, written_rows = await copy_floor_once(connection, tables)
                all_times.append(seconds)
                print(
                    f"  run {run_number + 1}: import {import_times[-1]:.2f} s, COPY of the asset rows {copy_times[-1]:.2f} s, "
                    f"of all the rows written {seconds:.2f} s",
                    flush=True,
                )
            import_seconds = statistics.median(import_times)
            copy_seconds = statistics.median(copy_times)
            all_seconds = statistics.median(all_times)
            asset_ratio = statistics.median(c / i for c, i in zip(copy_times, import_times, strict=True))
            all_ratio = statistics.median(a / i for a, i in zip(all_times, import_times, strict=True))
            await connection.execute("ANALYZE")

            async def through_service() -> None:
                async with AsyncSession(engine) as session:
                    await stats_service.summary(session, principal, AS_OF, None)

            async def through_service_value() -> None:
                async with AsyncSession(engine) as session:
                    await stats_service.value(session, principal, AS_OF, None)

            async def raw_summary() -> None:
                await connection.fetch(RAW_SUMMARY, AS_OF)

            async def raw_value() -> None:
                await connection.fetch(RAW_VALUE, AS_OF)

            await through_service()  # NOTE: warm the caches and the statement cache once
            await raw_summary()
            service_summary = await median_of(runs, through_service)()
            raw_summary_s = await median_of(runs, raw_summary)()
            service_value = await median_of(runs, through_service_value)()
            raw_value_s = await median_of(runs, raw_value)()
            summary = await connection.fetch(RAW_SUMMARY, AS_OF)
        finally:
            await connection.close()
    finally:
        await engine.dispose()
        await drop_postgres_database(url)

    written = "audit and change events, as the app writes them" if with_outbox else "audit events (no change feed: --no-outbox)"
    print(f"\nimport of {rows:,} assets (asset + allocation + asset_event rows, their {written}, checks included),")
    print(f"median of {import_runs} runs; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}:")
    total = sum(written_rows.values())
    print(f"  import               {import_seconds:7.2f} s  {rows / import_seconds:10,.0f} assets/s")
    print(f"  COPY asset rows      {copy_seconds:7.2f} s  {rows / copy_seconds:10,.0f} rows/s")
    print(f"  COPY all rows written{all_seconds:7.2f} s  {total / all_seconds:10,.0f} rows/s  ({total:,} rows: ", end="")
    print(", ".join(f"{table} {count:,}" for table, count in written_rows.items()) + ")")
    print(f"  import throughput / COPY of the asset rows      {asset_ratio:5.2f} (median of the runs' ratios)")
    print(f"  import throughput / COPY of all the rows written {all_ratio:5.2f} (goal >= 0.5; median of the runs' ratios)")
    print("\nstatistics on", AS_OF, f"(median of {runs})")
    for name, through, raw in (("summary", service_summary, raw_summary_s), ("value", service_value, raw_value_s)):
        print(f"  {name:8} service {through * 1000:8.1f} ms   raw SQL {raw * 1000:8.1f} ms   ratio {through / raw:5.2f}")
    held = {(r[0], r[1]): r[2] for r in summary}
    print(f"  premises held by communes: {held.get(('premises', 'commune'), 0):,}; cars: {held.get(('car', 'commune'), 0):,}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/assets.py", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--import-runs", type=int, default=3, help="imports (and COPYs) timed; medians are printed")
    parser.add_argument(
        "--no-outbox", dest="outbox", action="store_false", help="leave the change feed's events out (the app writes them)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("HAICAP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    asyncio.run(run(args.rows, args.runs, args.seed, args.import_runs, args.outbox))
    return 0


if __name__ == "__main__":
    sys.exit(main())
