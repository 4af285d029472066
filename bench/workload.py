#!/usr/bin/env python3
"""Benchmark the workload report (issue #18) at national scale against a hand-written SQL query of the same figures.

One run: fresh PostgreSQL databases (created here, dropped at the end unless ``--keep``), the
national data set written into them (``haicap_scenario.national``: the 34 provinces and 3,321
communes, their agencies, ``--tasks`` tasks, ``--people`` people with placements), the whole
stack started on them (``bench/national_stack.py``, as for ``bench/reports.py``), then for
the province with the most communes and the one with the fewest (or ``--provinces``):

* ``GET /provinces/{code}/workload`` directly at reporting (its cache off: composed anew
  each time), which reads org-structure's ``/workload/communes`` and ``/workload/agencies`` and
  personnel's ``/stats/headcount`` five times, all at once;
* the same figures by hand: org-structure's SQL (the communes' tasks now, over their lineage on
  2025-06-30 with the predecessors' codes, in one statement; the agencies' in another) and
  personnel's (primary placements by agency, commune and category on both dates in one
  statement; the quotas in another), the four run concurrently on their own asyncpg
  connections; the wall time of the four is the hand-written figure.

Each figure is the median of ``--runs`` runs after one warm-up. Goal: the report takes at most
1.5 times the hand-written SQL.

    .venv/bin/python bench/workload.py --people 300000 --assets 1000 --runs 5   # to iterate
    .venv/bin/python bench/workload.py                                          # 3,000,000 people (loading takes minutes)
"""

# ruff: noqa: E402 (this folder goes to the end of sys.path before the packages are imported)
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# NOTE: last, not first: this script's name would hide a package, and national_stack is still found
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]

import argparse
import asyncio
import statistics
import time
from datetime import date
from typing import Any

import asyncpg
import httpx
from national_stack import Running, add_arguments, load_average, national_databases, running_stack

AS_OF = date(2026, 4, 15)
BASELINE = date(2025, 6, 30)


def _in_force(alias: str, day: str) -> str:
    starts = f"({alias}.valid_from IS NULL OR {alias}.valid_from <= {day})"
    return f"{starts} AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= {day})"


# NOTE: $1 province, $2 as_of, $3 baseline. The communes now, their lineage's communes on the baseline, and
# the tasks held by the agencies of each, in one statement (three row kinds).
ORG_COMMUNES = f"""
WITH RECURSIVE communes AS (
    SELECT u.id, u.code, u.name, u.valid_from FROM administrative_unit u
    WHERE u.province_code = $1 AND u.level = 'commune' AND {_in_force("u", "$2")}
), ancestry(commune_id, unit_id, valid_from) AS (
    SELECT id, id, valid_from FROM communes
    UNION
    SELECT a.commune_id, s.unit_id, f.valid_from FROM ancestry a
    JOIN unit_change_link r ON r.unit_id = a.unit_id AND r.role = 'result'
    JOIN unit_change_link s ON s.change_id = r.change_id AND s.role = 'source'
    JOIN administrative_unit f ON f.id = s.unit_id
    WHERE a.valid_from > $3
), members AS (
    SELECT DISTINCT a.commune_id, a.unit_id, m.code FROM ancestry a JOIN administrative_unit m ON m.id = a.unit_id
    WHERE m.level = 'commune' AND {_in_force("m", "$3")}
)
SELECT 'now' AS kind, c.id AS commune_id, c.code, c.name, count(DISTINCT ag.id) AS agencies,
       count(DISTINCT o.task_id) FILTER (WHERE o.is_lead) AS lead,
       count(DISTINCT o.task_id) FILTER (WHERE NOT o.is_lead) AS shared,
       count(DISTINCT o.task_id) AS held
FROM communes c
LEFT JOIN agency ag ON ag.unit_id = c.id AND {_in_force("ag", "$2")}
LEFT JOIN task_ownership o ON o.agency_id = ag.id AND {_in_force("o", "$2")}
GROUP BY c.id, c.code, c.name
UNION ALL
SELECT 'then', m.commune_id, NULL, NULL, NULL,
       count(DISTINCT o.task_id) FILTER (WHERE o.is_lead), count(DISTINCT o.task_id) FILTER (WHERE NOT o.is_lead),
       count(DISTINCT o.task_id)
FROM members m
JOIN agency ag ON ag.unit_id = m.unit_id AND {_in_force("ag", "$3")}
JOIN task_ownership o ON o.agency_id = ag.id AND {_in_force("o", "$3")}
GROUP BY m.commune_id
UNION ALL
SELECT 'predecessor', m.commune_id, m.code, NULL, NULL, NULL, NULL, NULL FROM members m WHERE m.unit_id <> m.commune_id
"""

ORG_AGENCIES = f"""
SELECT ag.id, ag.name, ag.level, ag.commune_code, ag.parent_id,
       count(DISTINCT o.task_id) FILTER (WHERE o.is_lead AND {_in_force("o", "$2")}) AS lead,
       count(DISTINCT o.task_id) FILTER (WHERE NOT o.is_lead AND {_in_force("o", "$2")}) AS shared,
       count(DISTINCT o.task_id) FILTER (WHERE {_in_force("o", "$2")}) AS held,
       count(DISTINCT o.task_id) FILTER (WHERE {_in_force("o", "$3")}) AS held_then,
       bool_or({_in_force("ag", "$3")}) AS in_force_then
FROM agency ag
LEFT JOIN task_ownership o ON o.agency_id = ag.id AND (({_in_force("o", "$2")}) OR ({_in_force("o", "$3")}))
WHERE ag.province_code = $1 AND {_in_force("ag", "$2")}
GROUP BY ag.id, ag.name, ag.level, ag.commune_code, ag.parent_id
"""


def _serving(day: str) -> str:
    return f"({_in_force('p', day)} AND (p.agency_valid_to IS NULL OR p.agency_valid_to >= {day}))"


# NOTE: every personnel figure of the report comes from these groups: by agency (its commune) and category, on both dates.
PERSONNEL_PLACEMENTS = f"""
SELECT p.agency_id, p.commune_code, per.category,
       count(*) FILTER (WHERE {_serving("$2")}) AS now, count(*) FILTER (WHERE {_serving("$3")}) AS then
FROM placement p JOIN person per ON per.id = p.person_id
WHERE p.province_code = $1 AND p.is_primary AND ({_serving("$2")} OR {_serving("$3")})
GROUP BY p.agency_id, p.commune_code, per.category
"""
PERSONNEL_QUOTAS = """
SELECT agency_id, commune_code, sum(posts) AS posts FROM staffing_quota WHERE province_code = $1 AND year = $2
GROUP BY agency_id, commune_code
"""


async def hand_written(org: list[asyncpg.Connection], personnel: list[asyncpg.Connection], province: str) -> tuple[float, int]:
    """Milliseconds of the four statements run at once, and the rows they returned."""
    started = time.perf_counter()
    results: tuple[Any, ...] = await asyncio.gather(
        org[0].fetch(ORG_COMMUNES, province, AS_OF, BASELINE),
        org[1].fetch(ORG_AGENCIES, province, AS_OF, BASELINE),
        personnel[0].fetch(PERSONNEL_PLACEMENTS, province, AS_OF, BASELINE),
        personnel[1].fetch(PERSONNEL_QUOTAS, province, AS_OF.year),
    )
    return (time.perf_counter() - started) * 1000, sum(len(r) for r in results)


def source_calls(province: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """What ``sections/workload.py`` calls: (service, path, params)."""
    on = [("as_of", AS_OF.isoformat()), ("province", province)]
    then = [("as_of", BASELINE.isoformat()), ("province", province)]
    baseline = [("baseline", BASELINE.isoformat())]
    return [
        ("org-structure", "/workload/communes", [*on, *baseline]),
        ("org-structure", "/workload/agencies", [*on, *baseline]),
        ("personnel", "/stats/headcount", [*on, ("by", "commune"), ("by", "agency")]),
        ("personnel", "/stats/headcount", [*on, ("by", "commune"), ("by", "category")]),
        ("personnel", "/stats/headcount", [*then, ("by", "commune"), ("by", "agency")]),
    ]


async def sources_at_once(urls: list[tuple[str, list[tuple[str, str]]]], headers: dict[str, str]) -> tuple[float, list[float]]:
    """Milliseconds of the section's calls made at once directly at the services (not through the gateway), and of each."""
    async with httpx.AsyncClient(timeout=600.0, trust_env=False, headers=headers) as client:

        async def one(url: str, params: list[tuple[str, str]]) -> float:
            started = time.perf_counter()
            response = await client.get(url, params=tuple(params))
            if response.status_code != 200:
                raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:300]}")
            return (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        each = await asyncio.gather(*(one(url, params) for url, params in urls))
        return (time.perf_counter() - started) * 1000, list(each)


def label(params: list[tuple[str, str]], path: str) -> str:
    by = "&".join(v for k, v in params if k == "by")
    return path + (f" by {by}" if by else "") + (" (baseline)" if ("as_of", BASELINE.isoformat()) in params else "")


def timed_report(client: httpx.Client, url: str) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = client.get(url, params={"as_of": AS_OF.isoformat()})
    took = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:300]}")
    body: dict[str, Any] = response.json()
    if not body["complete"]:
        raise RuntimeError(f"GET {url}: incomplete report, missing {body['missing']}")
    return took, body


async def connections(url: str, count: int) -> list[asyncpg.Connection]:
    return [await asyncpg.connect(url) for _ in range(count)]


async def provinces_by_size(org_url: str) -> list[tuple[str, int]]:
    connection = await asyncpg.connect(org_url)
    try:
        rows = await connection.fetch(
            f"SELECT u.province_code, count(*) AS communes FROM administrative_unit u "
            f"WHERE u.level = 'commune' AND {_in_force('u', '$1')} GROUP BY u.province_code ORDER BY 2 DESC, 1",
            AS_OF,
        )
    finally:
        await connection.close()
    return [(r["province_code"], int(r["communes"])) for r in rows]


def measure(stack: Running, token: str, databases: dict[str, str], province: str, runs: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    loop = asyncio.new_event_loop()
    org = loop.run_until_complete(connections(databases["org-structure"], 2))
    personnel = loop.run_until_complete(connections(databases["personnel"], 2))
    report_ms: list[float] = []
    sql_ms: list[float] = []
    direct_ms: list[float] = []
    each_ms: list[list[float]] = []
    calls = [(f"{stack.url(service)}{path}", params) for service, path, params in source_calls(province)]
    try:
        with httpx.Client(timeout=600.0, trust_env=False, headers=headers) as client:
            for run in range(runs + 1):  # NOTE: the first run warms caches and pools, and is not counted
                took, body = timed_report(client, f"{stack.url('reporting')}/provinces/{province}/workload")
                by_hand, rows = loop.run_until_complete(hand_written(org, personnel, province))
                direct, each = loop.run_until_complete(sources_at_once(calls, headers))
                if run:
                    report_ms.append(took)
                    sql_ms.append(by_hand)
                    direct_ms.append(direct)
                    each_ms.append(each)
    finally:
        for connection in (*org, *personnel):
            loop.run_until_complete(connection.close())
        loop.close()
    workload = body["workload"]
    result = {
        "province": province,
        "communes": len(workload["communes"]),
        "agencies": len(workload["agencies"]),
        "people": sum(c["people"] for c in workload["communes"]),
        "median": workload["median_tasks_per_person"],
        "report": statistics.median(report_ms),
        "sql": statistics.median(sql_ms),
        "sql_rows": rows,
        "direct": statistics.median(direct_ms),
        "each": [statistics.median(run[i] for run in each_ms) for i in range(len(calls))],
    }
    timed = zip(source_calls(province), result["each"], strict=True)
    shown = ", ".join(f"{label(p, path)} {ms:.0f}" for (_, path, p), ms in timed)
    print(
        f"  {province}: report {result['report']:.0f} ms, hand-written SQL {result['sql']:.0f} ms "
        f"({result['communes']} communes, {result['agencies']} agencies, {result['people']:,} people at communes, "
        f"median {result['median']} tasks/person); its calls at once, directly {result['direct']:.0f} ms: {shown}",
        flush=True,
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/workload.py", description=__doc__.splitlines()[0] if __doc__ else None)
    add_arguments(parser, assets=1_000, assets_help="assets loaded (the workload reads none)")
    parser.add_argument("--provinces", help="comma-separated province codes (default: the most and the fewest communes)")
    args = parser.parse_args(argv)
    with national_databases(args, "workload") as databases:
        by_size = asyncio.run(provinces_by_size(databases.urls["org-structure"]))
        provinces = args.provinces.split(",") if args.provinces else [by_size[0][0], by_size[-1][0]]
        with running_stack(databases, args.settings) as stack:
            token = stack.sign_in()
            results = [measure(stack, token, databases.urls, province, args.runs) for province in provinces]
        print(
            f"\n{databases.sizes.people:,} people, {databases.sizes.tasks:,} tasks; median of {args.runs} runs; "
            f"reporting's cache off; as_of {AS_OF}, baseline {BASELINE}; load average {load_average()}\n"
        )
        print(
            "| province | communes | agencies | report at reporting | its 5 calls at once (direct) "
            "| hand-written SQL (4 statements at once) | report / SQL |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in results:
            print(
                f"| {r['province']} | {r['communes']} | {r['agencies']} | {r['report']:.0f} ms | {r['direct']:.0f} ms "
                f"| {r['sql']:.0f} ms | **{r['report'] / r['sql']:.2f}** |"
            )
        print("\nGoal: ratio <= 1.5.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
