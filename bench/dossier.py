#!/usr/bin/env python3
"""Benchmark the electronic personnel dossier at the national size on PostgreSQL: imports, history, national sync.

Needs PostgreSQL (``HAICAP_TEST_POSTGRES_URL``, default postgres on 127.0.0.1:5432), ``psql``,
the installed repository (``make install``) and about 1.2 KB of disk per person for the files
(4 GB at 3,000,000). It creates a database of its own, migrates it with personnel's migrations
(the code lists included), and drops it at the end. All traffic is to 127.0.0.1 (the stand-in
national receiver and the sync worker are real processes on a free port), and every part is
bounded in time (``--part-timeout``).

    .venv/bin/python bench/dossier.py                              # 3,000,000 people, all imported
    .venv/bin/python bench/dossier.py --people 3000000 --import-rows 20000   # import measured on 20,000 of them
    .venv/bin/python bench/dossier.py --people 200000 --sync-records 20000

The data set: ``--people`` people loaded with ``psql \\copy`` (the realistic columns of
``person``: the dossier's first group, valid 12-digit national ids as
``haicap_scenario.national`` draws them, one managing agency each among ``--provinces`` x
``--agencies`` synthetic agencies), each with one career event (a recruitment with its decision,
grade code, salary step and coefficient) and one evaluation for 2025. In one run it measures:

- **(a) import throughput**: the people's career events and evaluations loaded twice into the
  same tables (all their indexes; truncated between): once with ``psql \\copy`` of a CSV in the
  tables' own columns (the baseline), once through haicap's own import path, the service
  functions behind the routes (``careers.service.import_events`` for ``POST
  /career-events/imports``, ``conduct.service.import_evaluations`` for ``POST
  /evaluations/imports``), from the CSV a province sends (Vietnamese headers and labels,
  DD/MM/YYYY dates), in files of at most the route's ``max_rows`` (the service's default
  ``ImportLimits``), each in one transaction as one request would be, through the audit trail
  the app builds. With ``--import-rows K`` only the first K people's rows are measured so
  (into empty ``career_event`` and ``evaluation`` tables, all the people loaded), and the
  others' are copied afterwards for (b) and (c). NOTE: the import writes an audit event and a change-feed event (the outbox)
  per row, which COPY does not: that cost is part of the import's figure. Rows per second,
  and the ratio import / COPY. Goal: >= 0.5.
- **(b) history read**: ``GET /people/{id}/history`` (personnel's app in process through
  ASGI, an admin's token, JSON) for ``--history-reads`` random people at the full size: p50
  and p95 in ms, and ``EXPLAIN (ANALYZE, BUFFERS)`` of its main query (the person's career
  events) printed once. Goal: p50 <= 20 ms.
- **(c) sync throughput**: ``--sync-records`` dossier changes (half from the career events'
  events, half from the evaluations', drawn at random, made by the sync worker's own intake
  function ``sync.service.change_from_event``), verified, then sent by the sync worker
  (``haicap-personnel sync``, a real process) through the ``lgsp`` adapter to the stand-in
  national receiver (``python -m haicap_scenario.national_receiver``, a real process): records
  per second from the worker's start to the last acknowledged (and from its first POST).
  Goal: >= 500 records/s.

Everything shares the machine (PostgreSQL, the receiver, the worker, this process): the load
average is printed at the start and the end; the figures mean little when it is above the CPU
count. The script prints figures and ratios; it asserts only that the work was done.

Measured 2026-11-30 07:48-08:51 UTC, ``--people 3000000 --import-rows 20000 --sync-records 20000
--history-reads 1000``, PostgreSQL 15 on the shared 2-CPU machine, load average 12.2 at the start
and 6.6 at the end (10 to 18 during the run: six other sessions' tests), so every figure is slow
in absolute terms:

  people \\copy                        3,000,000 in 946 s (3,170 rows/s; person's trigram index)
  (a) career_event  \\copy 7,160 rows/s; import 399 rows/s; import / copy 0.06 (goal >= 0.5)
  (a) evaluation    \\copy 4,407 rows/s; import 463 rows/s; import / copy 0.11 (goal >= 0.5)
  (b) history p50 34.3 ms, p95 65.2 ms (goal p50 <= 20 ms); GET /people/{id} p50 20.1 ms;
      its main query: Index Scan on ix_career_event_person_id_effective_date, 0.07 ms
  (c) 20,000 changes acknowledged in 800 POSTs (25 records each): 191 records/s from the
      worker's start, 203 records/s from its first POST (goal >= 500/s)

What dominates (``--profile``, 10,000 rows, load 7 to 8): the career events' import spends a
third of its time in the code lists (``codelists.service.names_of``, one query per list and
distinct effective date, 1,821 queries for 10,000 rows) and a third writing the audit and
change-feed events (``AuditTrail.record_many`` and ``Outbox._row``, 0.4 ms a row in Python);
the evaluations' in ``record_many`` (a third), the per-chunk ``evaluated`` query and the batched
INSERT, and the commit (the outbox rows are inserted then). The import writes 6 to 7 times the
bytes COPY does (10,000 career events: 4.6 MB of table and indexes against 12.4 MB of
audit_event and 17.1 MB of event_outbox), so even free of the per-day queries it stays far
below 0.5 while every row carries its two JSON events. The history costs a plain read plus its four queries (events,
evaluations, commendations, disciplines: each an index scan well under 1 ms); under this load
most of the p50 is the app's fixed cost (the plain ``GET /people/{id}`` is 20 ms). The sync
worker sends one batch (100 changes, one POST per province: 25 records each here) at a time,
POSTs sequential; the stand-in receiver validates each record against the JSON Schema under
one lock: about 59% of the time is inside the POSTs (147 ms a POST of 25, 2,000-change run).
With ``--sync-batch 500`` (10,000 changes, 08:51 UTC, load 9 to 12): 80 POSTs of 125 records,
324 records/s from the worker's start, 377 from its first POST, 63% of it inside the POSTs
(1.7 ms a record at the receiver).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import csv
import io
import json
import os
import pstats
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

# NOTE: run as a script, this file's folder comes first on sys.path and its name would hide
# packages of the same names; the folder holds nothing else to import.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from haicap_scenario.national import PROVINCES, draw_person  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from haicap_personnel.app import create_app  # noqa: E402
from haicap_personnel.careers import service as careers_service  # noqa: E402
from haicap_personnel.cli import MIGRATIONS  # noqa: E402
from haicap_personnel.conduct import service as conduct_service  # noqa: E402
from haicap_personnel.db import event_tables  # noqa: E402
from haicap_personnel.org_client import OrgAgency, OrgLineage, OrgUnit  # noqa: E402
from haicap_personnel.settings import PersonnelSettings  # noqa: E402
from haicap_personnel.sync import repository as sync_repository  # noqa: E402
from haicap_personnel.sync import service as sync_service  # noqa: E402
from haicap_personnel.sync.worker import DESTINATION  # noqa: E402
from haicap_shared.audit import AuditTrail  # noqa: E402
from haicap_shared.auth import system_principal  # noqa: E402
from haicap_shared.db import create_engine  # noqa: E402
from haicap_shared.imports import Upload  # noqa: E402
from haicap_shared.migrations import upgrade_to_head  # noqa: E402
from haicap_shared.roles import Area, Role  # noqa: E402
from haicap_shared.tabular import DEFAULT_LIMITS, ImportReport  # noqa: E402
from haicap_shared.testing import create_postgres_database, drop_postgres_database, postgres_admin_url  # noqa: E402
from haicap_shared.text import search_key  # noqa: E402
from haicap_shared.tokens import TokenIssuer, generate_private_key, jwks  # noqa: E402

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
NOW = "2026-01-05 08:00:00+00"

PERSON_COLUMNS = ["id", "created_at", "updated_at", "version", "category", "full_name", "search_key", "birth_date", "sex",
                  "ethnicity_code", "religion_code", "record_number", "birth_place_code", "birth_place_as_of",
                  "home_town_code", "home_town_as_of", "residence_address", "residence_code", "national_id",
                  "education_level", "field_of_study", "field_key", "political_theory", "state_management",
                  "salary_coefficient", "agency_id", "province_code", "commune_code", "agency_level", "unit_id"]  # fmt: skip
AREA_COLUMNS = ["agency_id", "province_code", "commune_code", "agency_level", "unit_id"]
EVENT_HEADER = ["Số định danh", "Loại sự kiện", "Ngày hiệu lực", "Số quyết định", "Ngày quyết định", "Người ký",
                "Cơ quan ban hành", "Đến cơ quan", "Mã ngạch", "Bậc lương", "Hệ số lương"]  # fmt: skip
EVENT_COLUMNS = ["id", "created_at", "updated_at", "version", "person_id", "type", "effective_date", "to_agency_id",
                 "grade_code", "salary_step", "salary_coefficient", "decision_number", "decision_date",
                 "decision_signer", "decision_issuer", *AREA_COLUMNS]  # fmt: skip
EVALUATION_HEADER = ["Số định danh", "Năm", "Xếp loại", "Người đánh giá", "Ngày đánh giá"]
EVALUATION_COLUMNS = ["id", "created_at", "updated_at", "version", "person_id", "year", "grade", "evaluator",
                      "evaluation_date", *AREA_COLUMNS]  # fmt: skip
GRADES = [("Hoàn thành xuất sắc nhiệm vụ", "excellent", 0.12), ("Hoàn thành tốt nhiệm vụ", "good", 0.6),
          ("Hoàn thành nhiệm vụ", "completed", 0.25), ("Không hoàn thành nhiệm vụ", "not_completed", 0.03)]  # fmt: skip
ETHNICITIES = ["01"] * 8 + ["02", "03", "05", "06"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Nông", "Lục", "Đàm"]
GIVEN = ["Văn An", "Thị Bình", "Đức Cường", "Thị Dung", "Minh Hải", "Thu Hà", "Quốc Hùng", "Thị Lan", "Văn Long", "Ngọc Mai"]
LATEST_RECRUITMENT = date(2025, 6, 1)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class FakeOrg:
    """The synthetic agencies: per province a few provincial departments, the rest commune offices (two per commune)."""

    def __init__(self, provinces: int, per_province: int) -> None:
        self.agencies: dict[uuid.UUID, OrgAgency] = {}
        for p, province in enumerate(PROVINCES[:provinces]):
            for k in range(per_province):
                agency_id = uuid.UUID(int=(p + 1) * 100_000 + k + 1)
                if k < 5:
                    name, commune, level = f"Sở {k} tỉnh {province}", None, "province"
                else:
                    commune = f"{province}{(k - 5) // 2:03d}"
                    name, level = f"Phòng {(k - 5) % 2} xã {commune}", "commune"
                unit = uuid.UUID(int=agency_id.int + 500_000_000)
                self.agencies[agency_id] = OrgAgency(
                    id=agency_id, name=name, kind="x", unit_id=unit, level=level, province_code=province, commune_code=commune
                )
        self.ids = list(self.agencies)

    async def agency(self, agency_id: uuid.UUID) -> OrgAgency | None:
        return self.agencies.get(agency_id)

    async def lineage(self, unit_id: uuid.UUID) -> OrgLineage | None:
        return None

    async def unit_by_code(self, code: str, as_of: date) -> OrgUnit | None:
        return None


@dataclass
class Files:
    """The generated files: the people in their table's columns; the imported rows twice (as sent, and as rows); the rest."""

    people: Path
    event_uploads: list[Path]
    event_rows: Path
    event_rest: Path
    evaluation_uploads: list[Path]
    evaluation_rows: Path
    evaluation_rest: Path


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def recruitment_day(rng: random.Random, birth: date) -> date:
    """The first of a month between 22 and 27 years of age, at the latest 2025-06-01 (decisions take effect on the 1st)."""
    months = birth.year * 12 + birth.month - 1 + 22 * 12 + 1 + rng.randrange(60)
    return min(date(months // 12, months % 12 + 1, 1), LATEST_RECRUITMENT)


def write_files(org: FakeOrg, people: int, imported: int, work: Path, seed: int, max_rows: int) -> Files:
    """Every file in one pass over the people: the first ``imported`` people's rows as uploads (cut at ``max_rows``
    rows, the route's limit) and as table rows, the others' as table rows only."""
    rng = random.Random(seed)
    files = Files(
        work / "person.csv",
        [],
        work / "career_event.csv",
        work / "career_event-rest.csv",
        [],
        work / "evaluation.csv",
        work / "evaluation-rest.csv",
    )
    grade_weights = [g[2] for g in GRADES]
    with contextlib.ExitStack() as stack:

        def opened(path: Path) -> Any:
            return csv.writer(stack.enter_context(path.open("w", newline="", encoding="utf-8")))

        person_out, event_out, evaluation_out = opened(files.people), opened(files.event_rows), opened(files.evaluation_rows)
        event_up: Any = None
        evaluation_up: Any = None
        for n in range(people):
            if n == imported:
                event_out, evaluation_out = opened(files.event_rest), opened(files.evaluation_rest)
                event_up = evaluation_up = None
            if n < imported and n % max_rows == 0:
                part = n // max_rows + 1
                files.event_uploads.append(work / f"qua-trinh-cong-tac-{part}.csv")
                files.evaluation_uploads.append(work / f"danh-gia-2025-{part}.csv")
                event_up, evaluation_up = opened(files.event_uploads[-1]), opened(files.evaluation_uploads[-1])
                event_up.writerow(EVENT_HEADER)
                evaluation_up.writerow(EVALUATION_HEADER)
            d = draw_person(rng, n)
            agency = org.agencies[org.ids[rng.randrange(len(org.ids))]]
            area = [agency.id, agency.province_code, agency.commune_code or "", agency.level, agency.unit_id]
            name = f"{SURNAMES[n % len(SURNAMES)]} {GIVEN[rng.randrange(len(GIVEN))]} {n}"
            person_id = uuid.UUID(int=rng.getrandbits(128))
            place = agency.commune_code or f"{agency.province_code}000"
            person_out.writerow([person_id, NOW, NOW, 1, d.category[1], name, search_key(name), d.birth.isoformat(),
                                 "female" if d.female else "male", ETHNICITIES[n % len(ETHNICITIES)], "", f"HS{n:09d}",
                                 place, "2025-07-01", place, "2025-07-01", f"Tổ {n % 20 + 1}, xã {place}", place,
                                 d.national_id, d.education[1], d.field[0], d.field[1], d.theory[1], "none",
                                 d.coefficient, *area])  # fmt: skip

            # NOTE: one recruitment each, as a province enters the dossiers of people already serving.
            start = recruitment_day(rng, d.birth)
            decided = start - timedelta(days=15)
            number = f"{n % 9000 + 1}/QĐ-UBND"
            signer, issuer = "Chủ tịch UBND", f"UBND tỉnh {agency.province_code}"
            grade = "V.07.02.25" if d.category[1] == "public_employee" else "01.003"
            step = 1 + rng.randrange(6)
            coefficient = f"{2.34 + 0.33 * (step - 1):.2f}"
            if event_up is not None:
                event_up.writerow([d.national_id, "Tuyển dụng", _day(start), number, _day(decided), signer, issuer, agency.id,
                                   grade, step, coefficient.replace(".", ",")])  # fmt: skip
            event_out.writerow([uuid.UUID(int=rng.getrandbits(128)), NOW, NOW, 1, person_id, "recruitment",
                                start.isoformat(), agency.id, grade, step, coefficient, number, decided.isoformat(),
                                signer, issuer, *area])  # fmt: skip

            label, value, _ = rng.choices(GRADES, grade_weights)[0]
            evaluator = f"Thủ trưởng {agency.name}"
            if evaluation_up is not None:
                evaluation_up.writerow([d.national_id, 2025, label, evaluator, "20/12/2025"])
            evaluation_out.writerow([uuid.UUID(int=rng.getrandbits(128)), NOW, NOW, 1, person_id, 2025, value, evaluator,
                                     "2025-12-20", *area])  # fmt: skip
    return files


def psql(url: str, command: str) -> float:
    """Seconds ``psql`` took for one command."""
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    started = time.perf_counter()
    subprocess.run(["psql", plain, "-v", "ON_ERROR_STOP=1", "-q", "-c", command], check=True)  # noqa: S603, S607
    return time.perf_counter() - started


def psql_copy(url: str, table: str, columns: list[str], path: Path) -> float:
    return psql(url, f"\\copy {table}({', '.join(columns)}) FROM '{path}' WITH (FORMAT csv, NULL '')")


async def import_files(
    kind: str, sessions: async_sessionmaker[AsyncSession], audit: AuditTrail, org: FakeOrg, paths: list[Path], profile: bool
) -> tuple[float, int]:
    """Seconds and rows written of importing ``paths`` one after the other, each in its own transaction like one request."""
    principal = system_principal("bench")
    total_seconds, written = 0.0, 0
    for number, path in enumerate(paths):
        profiler = cProfile.Profile() if profile and number == 0 else None
        with path.open("rb") as stream:
            upload = Upload(stream, path.name, path.stat().st_size, DEFAULT_LIMITS)
            started = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            async with sessions() as session:
                report: ImportReport
                if kind == "career_event":
                    report = await careers_service.import_events(session, audit, org, principal, upload)
                else:
                    report = await conduct_service.import_evaluations(session, audit, principal, upload, partial=False)
                await session.commit()
            if profiler is not None:
                profiler.disable()
            seconds = time.perf_counter() - started
        if report.rejected or report.written != report.rows:
            raise RuntimeError(f"{path.name}: {report.rejected} rows rejected, e.g. {report.problems[:3]}")
        total_seconds += seconds
        written += report.written
        print(f"    {path.name}: {report.written:,} rows in {seconds:.1f} s", flush=True)
        if profiler is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
            print("    profile of this file (cumulative, this process only; PostgreSQL's own time shows as waits):")
            print("\n".join("      " + line for line in out.getvalue().splitlines()[:60]), flush=True)
    return total_seconds, written


async def part_a(
    args: argparse.Namespace, url: str, raw: asyncpg.Connection, audit: AuditTrail, org: FakeOrg, files: Files
) -> list[tuple[str, str]]:
    """(a): COPY, then the import, of the career events and of the evaluations."""
    results: list[tuple[str, str]] = []
    engine = create_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        for table, columns, rows_file, uploads in (
            ("career_event", EVENT_COLUMNS, files.event_rows, files.event_uploads),
            ("evaluation", EVALUATION_COLUMNS, files.evaluation_rows, files.evaluation_uploads),
        ):
            await raw.execute(f"TRUNCATE {table} CASCADE; CHECKPOINT")
            copy_seconds = psql_copy(url, table, columns, rows_file)
            copied = await raw.fetchval(f"SELECT count(*) FROM {table}")
            await raw.execute(f"TRUNCATE {table} CASCADE; CHECKPOINT")
            print(f"  {table}: \\copy {copied:,} rows in {copy_seconds:.1f} s; the import, {len(uploads)} file(s)...", flush=True)
            outbox_before = await raw.fetchval("SELECT count(*) FROM event_outbox")
            sizes_before = await table_sizes(raw, table)
            import_seconds, written = await asyncio.wait_for(
                import_files(table, sessions, audit, org, uploads, args.profile), timeout=args.part_timeout
            )
            events = await raw.fetchval("SELECT count(*) FROM event_outbox") - outbox_before
            grown = [after - before for after, before in zip(await table_sizes(raw, table), sizes_before, strict=True)]
            assert copied == written == args.imported, (copied, written, args.imported)
            copy_rate, import_rate = written / copy_seconds, written / import_seconds
            results += [
                (f"(a) {table}: `psql \\copy` of {written:,} rows", f"{copy_rate:,.0f} rows/s ({copy_seconds:.1f} s)"),
                (
                    f"(a) {table}: the import ({len(uploads)} file(s) of <= {DEFAULT_LIMITS.max_rows:,} rows; "
                    f"{events:,} change-feed events and as many audit events written with them)",
                    f"{import_rate:,.0f} rows/s ({import_seconds:.1f} s)",
                ),
                (f"(a) {table}: import / \\copy", f"**{import_rate / copy_rate:.2f}** (goal >= 0.5)"),
                (
                    f"(a) {table}: what the import wrote (with indexes): {table}, audit_event, event_outbox",
                    " / ".join(f"{size / 2**20:,.1f} MB" for size in grown),
                ),
            ]
            print(f"  {table}: import {import_rate:,.0f} rows/s, \\copy {copy_rate:,.0f} rows/s", flush=True)
    finally:
        await engine.dispose()
    return results


async def table_sizes(raw: asyncpg.Connection, table: str) -> list[int]:
    """Bytes of ``table``, the audit log and the outbox, their indexes and TOAST included."""
    names = [table, "audit_event", "event_outbox"]
    return [int(await raw.fetchval("SELECT pg_total_relation_size($1::regclass)", name)) for name in names]


HISTORY_QUERY = """
SELECT * FROM career_event WHERE person_id = '{person}'
ORDER BY effective_date, created_at, id
"""


async def part_b(args: argparse.Namespace, raw: asyncpg.Connection, client: httpx.AsyncClient) -> list[tuple[str, str]]:
    """(b): the history of random people through the app; EXPLAIN of its main query."""
    await raw.execute("ANALYZE person; ANALYZE career_event; ANALYZE evaluation")
    sample = [row[0] for row in await raw.fetch("SELECT id FROM person TABLESAMPLE BERNOULLI (1) LIMIT $1", args.history_reads)]
    if len(sample) < args.history_reads:
        sample = [row[0] for row in await raw.fetch("SELECT id FROM person ORDER BY random() LIMIT $1", args.history_reads)]
    random.Random(args.seed).shuffle(sample)
    plan = await raw.fetch("EXPLAIN (ANALYZE, BUFFERS) " + HISTORY_QUERY.format(person=sample[0]))
    print("  EXPLAIN (ANALYZE, BUFFERS) of the history's main query (a person's career events):")
    print("\n".join("    " + row[0] for row in plan), flush=True)

    async def read(person: uuid.UUID) -> float:
        started = time.perf_counter()
        response = await client.get(f"/people/{person}/history")
        took = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"GET /people/{person}/history: {response.status_code} {response.text}")
        entries = response.json()["entries"]
        assert len(entries) == 2, entries  # NOTE: one career event and one evaluation each
        return took

    async def person(person: uuid.UUID) -> float:
        started = time.perf_counter()
        response = await client.get(f"/people/{person}")
        if response.status_code != 200:
            raise RuntimeError(f"GET /people/{person}: {response.status_code} {response.text}")
        return time.perf_counter() - started

    for one in sample[:20]:  # warm-up, not counted
        await read(one)
        await person(one)
    deadline = time.perf_counter() + args.part_timeout
    took: list[float] = []
    plain: list[float] = []
    # NOTE: alternating with a plain read of the same person (one row, the same app, auth and
    # serialisation): the difference is what the history's own queries cost.
    for one in sample:
        took.append(await read(one))
        plain.append(await person(one))
        if time.perf_counter() > deadline:
            break
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for one in sample[:100]:
            await read(one)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
        print("  profile of 100 history reads (own time, this process only):")
        print("\n".join("    " + line for line in out.getvalue().splitlines()[:45]), flush=True)
    p50, p95 = percentile(took, 0.5) * 1000, percentile(took, 0.95) * 1000
    return [
        (
            f"(b) GET /people/{{id}}/history, {len(took):,} random people of {args.people:,} (in process, ASGI)",
            f"p50 **{p50:.1f} ms** (goal <= 20 ms), p95 {p95:.1f} ms",
        ),
        (
            "(b) for reference, GET /people/{id} of the same people",
            f"p50 {percentile(plain, 0.5) * 1000:.1f} ms, p95 {percentile(plain, 0.95) * 1000:.1f} ms",
        ),
    ]


class Process:
    """A process of the bench (the receiver, the sync worker), its output in a log file; stopped by SIGTERM."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._file = log.open("ab")
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=self._file, stderr=self._file)  # noqa: S603

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._file.close()

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])


async def wait_for_port(port: int, process: Process, within_seconds: float) -> None:
    started = time.perf_counter()
    while True:
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection(HOST, port)
            writer.close()
            return
        if process.process.poll() is not None:
            raise RuntimeError(f"the receiver exited ({process.process.returncode}):\n{process.tail()}")
        if time.perf_counter() - started > within_seconds:
            raise TimeoutError(f"nothing listens on {HOST}:{port} after {within_seconds:.0f} s:\n{process.tail()}")
        await asyncio.sleep(0.1)


async def queue_changes(args: argparse.Namespace, url: str, raw: asyncpg.Connection) -> int:
    """``--sync-records`` verified changes made by the worker's intake function from random import events; how many."""
    half = args.sync_records // 2
    sequences: list[int] = []
    for kind, count in (("career_event", half), ("evaluation", args.sync_records - half)):
        sequences += [
            row[0]
            for row in await raw.fetch(
                "SELECT sequence FROM event_outbox WHERE aggregatetype = $1 AND type LIKE '%.created' ORDER BY random() LIMIT $2",
                kind,
                count,
            )
        ]
    engine = create_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            outbox = event_tables.outbox
            made = 0
            for start in range(0, len(sequences), 5000):
                rows = (await session.execute(select(outbox).where(outbox.c.sequence.in_(sequences[start : start + 5000])))).all()
                days = [r.occurred_at for r in rows]
                calendar = await sync_service.calendar_for(session, min(days).date() - timedelta(days=1), max(days).date())
                changes = [c for r in rows if (c := sync_service.change_from_event(r, calendar)) is not None]
                await sync_repository.insert_changes(session, changes)
                made += len(changes)
            # NOTE: the worker's own cursor past every event already in the feed: it takes in
            # nothing more (the millions of import events are not what is measured here).
            now = datetime.now(UTC)
            cursor = await sync_repository.claim_intake(
                session, event_tables, DESTINATION, replica="bench", now=now, lease_until=now + timedelta(minutes=5)
            )
            assert cursor is not None
            latest = await raw.fetchval("SELECT coalesce(max(sequence), 0) FROM event_outbox")
            moved = await sync_repository.move_intake(
                session, event_tables, DESTINATION, replica="bench", through=latest, now=now, release=True
            )
            assert moved
            await session.commit()
    finally:
        await engine.dispose()
    # NOTE: verified in bulk as POST /dossier-changes/verify leaves them (queued, verified by, at).
    await raw.execute(
        "UPDATE dossier_change SET status = 'queued', verified_by = 'bench', verified_at = now(), "
        "next_attempt_at = NULL WHERE status = 'pending_verification'"
    )
    return made


def receiver_command(args: argparse.Namespace, port: int, state_dir: Path) -> list[str]:
    """The stand-in receiver's command line, with the client id and secret the worker is given."""
    command = [str(BIN / "python"), "-m", "haicap_scenario.national_receiver", "--host", HOST, "--port", str(port)]
    credentials = ["--client-id", args.receiver_client_id, "--client-secret", args.receiver_client_secret]
    return [*command, "--state-dir", str(state_dir), *credentials]


def sync_env(args: argparse.Namespace, url: str, port: int, var_dir: Path) -> dict[str, str]:
    """This environment without any HAICAP_* setting, and the worker's: ``lgsp`` to the receiver on ``port``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HAICAP_")}
    base = f"http://{HOST}:{port}"
    headers = {
        "access_key": "bench-access",
        "secret_key": "bench-secret",
        "app_name": "haicap",
        "partner_code": "CBG",
        "sender_code": "000.00.00.H41",
        "receiver_code": "000.00.00.G22",
        "tran_code": "CSDLCBCCVC_HOSO",
    }
    env |= {
        "HAICAP_PERSONNEL_DATABASE_URL": url,
        "HAICAP_PERSONNEL_VAR_DIR": str(var_dir),
        "HAICAP_PERSONNEL_LOG_LEVEL": "WARNING",
        "HAICAP_PERSONNEL_SYNC_ADAPTER": "lgsp",
        "HAICAP_PERSONNEL_SYNC_TOKEN_URL": base + args.receiver_token_path,
        "HAICAP_PERSONNEL_SYNC_RECORD_URL": base + args.receiver_record_path,
        "HAICAP_PERSONNEL_SYNC_CLIENT_ID": args.receiver_client_id,
        "HAICAP_PERSONNEL_SYNC_CLIENT_SECRET": args.receiver_client_secret,
        "HAICAP_PERSONNEL_SYNC_LGSP": json.dumps(headers),
        "HAICAP_PERSONNEL_SYNC_IDLE_SECONDS": "0.2",
    }
    if args.sync_batch:
        env["HAICAP_PERSONNEL_SYNC_BATCH_SIZE"] = str(args.sync_batch)
    return env


async def part_c(args: argparse.Namespace, url: str, raw: asyncpg.Connection, work: Path) -> list[tuple[str, str]]:
    """(c): verified changes through the sync worker and the ``lgsp`` adapter to the stand-in receiver."""
    made = await queue_changes(args, url, raw)
    print(f"  {made:,} changes queued (verified); starting the receiver and the worker...", flush=True)
    port = free_port()
    receiver = Process(
        receiver_command(args, port, work / "receiver"),
        {key: value for key, value in os.environ.items() if not key.startswith("HAICAP_")},
        work / "receiver.log",
    )
    worker: Process | None = None
    try:
        await wait_for_port(port, receiver, 30)
        started_wall = datetime.now(UTC)
        started = time.perf_counter()
        worker = Process(
            [str(BIN / "haicap-personnel"), "sync", "--replica", "bench"],
            sync_env(args, url, port, work / "var"),
            work / "sync.log",
        )
        deadline = started + args.part_timeout
        while True:
            done = await raw.fetchrow(
                "SELECT count(*) FILTER (WHERE status = 'acknowledged') AS acknowledged, "
                "count(*) FILTER (WHERE status = 'rejected') AS rejected, "
                "count(*) FILTER (WHERE last_error IS NOT NULL) AS retried FROM dossier_change"
            )
            if done["acknowledged"] + done["rejected"] >= made:
                break
            if worker.process.poll() is not None:
                raise RuntimeError(f"the sync worker exited ({worker.process.returncode}):\n{worker.tail()}")
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{done['acknowledged']:,} of {made:,} acknowledged after {args.part_timeout:.0f} s")
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        last, first_post, exchanges, posting = await raw.fetchrow(
            "SELECT (SELECT max(acknowledged_at) FROM dossier_change), "
            "(SELECT min(started_at) FROM sync_exchange WHERE operation = 'send'), "
            "(SELECT count(*) FROM sync_exchange WHERE operation = 'send'), "
            "(SELECT coalesce(sum(duration_ms), 0) FROM sync_exchange WHERE operation = 'send')"
        )
        to_last = (last - started_wall).total_seconds() if last else elapsed
        from_post = (last - first_post).total_seconds() if last and first_post else float("nan")
        return [
            (
                f"(c) sync worker -> lgsp -> receiver: {made:,} changes, {done['acknowledged']:,} acknowledged, "
                f"{done['rejected']:,} rejected, {exchanges:,} POSTs",
                f"**{made / to_last:,.0f} records/s** from the worker's start ({to_last:.1f} s; goal >= 500/s)",
            ),
            ("(c) the same from the worker's first POST", f"{made / from_post:,.0f} records/s ({from_post:.1f} s)"),
            (
                "(c) time in the POSTs (the receiver's answer, as the exchange log times it), of the time from the first",
                f"{posting / 1000:.1f} s of {from_post:.1f} s ({posting / max(exchanges, 1):.0f} ms a POST, "
                f"{made / max(exchanges, 1):.0f} records a POST)",
            ),
        ]
    finally:
        if worker is not None:
            worker.stop()
        receiver.stop()


async def bench(args: argparse.Namespace) -> None:
    org = FakeOrg(args.provinces, args.agencies)
    url = await create_postgres_database("haicap_bench_dossier")
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    work = Path(tempfile.mkdtemp(prefix="haicap-bench-dossier-"))
    results: list[tuple[str, str]] = []
    print(f"PostgreSQL at {postgres_admin_url()}; load average {load_average()} ({os.cpu_count()} CPUs); "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; files in {work}", flush=True)  # fmt: skip
    try:
        await upgrade_to_head(MIGRATIONS, url)
        raw = await asyncpg.connect(plain)
        started = time.perf_counter()
        files = write_files(org, args.people, args.imported, work, args.seed, DEFAULT_LIMITS.max_rows)
        print(f"{args.people:,} people, career events and evaluations generated in {time.perf_counter() - started:.0f} s; "
              f"{len(org.ids)} agencies in {args.provinces} provinces", flush=True)  # fmt: skip
        seconds = psql_copy(url, "person", PERSON_COLUMNS, files.people)
        await raw.execute("ANALYZE person")
        print(f"  person: \\copy {args.people:,} rows in {seconds:.1f} s", flush=True)
        results.append((f"people loaded with `psql \\copy` ({len(org.ids)} agencies)", f"{args.people:,} in {seconds:.1f} s"))

        key = generate_private_key()
        settings = PersonnelSettings(database_url=url, jwks=json.dumps(jwks(key.public_key())), var_dir=work / "var")
        token, _ = TokenIssuer(key).issue(subject="bench", username="bench", role=Role.ADMIN, area=Area(), ttl_seconds=7200)
        app = create_app(settings, org_client_factory=lambda _app: org)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://bench",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            ) as client,
        ):
            if "a" in args.parts:
                print("(a) import throughput against \\copy...", flush=True)
                results += await part_a(args, url, raw, app.state.audit, org, files)
            else:
                for table, columns, rows_file in (
                    ("career_event", EVENT_COLUMNS, files.event_rows),
                    ("evaluation", EVALUATION_COLUMNS, files.evaluation_rows),
                ):
                    psql_copy(url, table, columns, rows_file)
            for path in [*files.event_uploads, *files.evaluation_uploads, files.event_rows, files.evaluation_rows]:
                path.unlink()
            if args.imported < args.people:
                started = time.perf_counter()
                # NOTE: the two tables at once (two psql processes): not measured, only the data set's load.
                await asyncio.gather(
                    asyncio.to_thread(psql_copy, url, "career_event", EVENT_COLUMNS, files.event_rest),
                    asyncio.to_thread(psql_copy, url, "evaluation", EVALUATION_COLUMNS, files.evaluation_rest),
                )
                print(f"  the other {args.people - args.imported:,} people's career events and evaluations copied in "
                      f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
                files.event_rest.unlink()
                files.evaluation_rest.unlink()
            if "b" in args.parts:
                print(f"(b) {args.history_reads:,} history reads...", flush=True)
                results += await part_b(args, raw, client)
        if "c" in args.parts:
            print(f"(c) {args.sync_records:,} verified changes through the sync worker...", flush=True)
            results += await part_c(args, url, raw, work)
        await raw.close()
    finally:
        await drop_postgres_database(url)
        shutil.rmtree(work, ignore_errors=True)
        # NOTE: what was measured is printed even when a later part failed.
        print(f"\nload average at the end: {load_average()}")
        print("\n| measure | value |\n| --- | ---: |")
        for name, value in results:
            print(f"| {name} | {value} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=3_000_000, help="people, career events and evaluations (default 3,000,000)")
    parser.add_argument("--provinces", type=int, default=4, help="provinces of the synthetic agencies (default 4)")
    parser.add_argument("--agencies", type=int, default=75, help="agencies per province (default 75: 5 provincial, 70 commune)")
    parser.add_argument(
        "--import-rows", type=int, default=0, help="career events and evaluations (a) imports; the rest are copied (default: all)"
    )
    parser.add_argument("--history-reads", type=int, default=1000, help="history reads for (b) (default 1,000)")
    parser.add_argument("--sync-records", type=int, default=20_000, help="verified changes for (c) (default 20,000)")
    parser.add_argument("--sync-batch", type=int, default=0, help="the worker's batch size (default: its setting's default)")
    parser.add_argument("--receiver-token-path", default="/token", help="the stand-in receiver's token endpoint")
    parser.add_argument("--receiver-record-path", default="/records", help="the stand-in receiver's record endpoint")
    parser.add_argument("--receiver-client-id", default="haicap")
    parser.add_argument("--receiver-client-secret", default="bench-secret")
    parser.add_argument("--parts", default="abc", help="which parts to run (default abc; without a, the rows are copied)")
    parser.add_argument("--part-timeout", type=float, default=3600.0, help="seconds each part may take (default 3,600)")
    parser.add_argument("--profile", action="store_true", help="profile the first import file of each kind (cProfile)")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args(argv)
    args.imported = min(args.import_rows or args.people, args.people)
    asyncio.run(bench(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
