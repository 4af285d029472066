#!/usr/bin/env python3
"""Benchmark reporting at national scale: each report against the slowest of the calls it composes.

One run: fresh PostgreSQL databases (one per process with a database, created here and
dropped at the end unless ``--keep``), the national data set written into them
(``haicap_scenario.national``: the real 34 provinces and 3,321 communes, their agencies, a task
catalogue, ``--people`` people with placements, ``--assets`` assets), then the whole stack
started on them (``bench/national_stack.py``: 1 uvicorn worker per process, loopback only),
an admin signed in at the gateway, and for each province of ``--provinces``:

* the province summary (``compare_to`` included) and the transition-gap report, through the
  gateway and directly at reporting;
* each aggregate call those reports make (the same paths and parameters), directly at its
  service; the slowest of them is what the report is compared with, since reporting calls
  them concurrently;

then the national roll-up (``/national/summary`` and ``/national/transition-gaps``, unless
``--no-national``) against its calls, one per statistic for the whole country: personnel's
grouped ``by=province``, org-structure's and assets' ``/…/by-province`` routes (goal: at most
1.5 times the slowest, and 5 s).

While a report's calls run at once, the machine's CPU time is also taken by process: each
process of the stack (with its children), PostgreSQL's backends, this client, and what is left
("ended or other": a backend that ended meanwhile, such as a connection a service opened for
one call and closed after, or a parallel query's worker). The same is taken while the report runs
through the gateway: there reporting and the gateway show what composing the report costs beyond
its calls.

Reporting's cache is off for the whole run (``HAICAP_REPORTING_PAST_REPORT_TTL_SECONDS=0``
and ``..._CURRENT_REPORT_TTL_SECONDS=0``): every timed report is composed anew. Each figure
is the median of ``--runs`` runs after one warm-up. The goal: a report takes at most 1.5
times its slowest source.

    .venv/bin/python bench/reports.py                           # 3,000,000 people (loading takes minutes)
    .venv/bin/python bench/reports.py --people 300000 --assets 30000 --runs 5
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
import os
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from haicap_scenario import national
from national_stack import GATEWAY, Running, add_arguments, load_average, national_databases, running_stack

AS_OF = "2026-04-15"
CORES = os.cpu_count() or 1
COMPARE_TO = "2025-06-30"
WORKLOAD_BASELINE = "2025-06-30"  # NOTE: sections/workload.py's BASELINE
Params = list[tuple[str, str]]


@dataclass(frozen=True)
class Call:
    service: str  # a process of the stack
    path: str
    params: Params

    def label(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in self.params if k != "province" and (k, v) != ("as_of", AS_OF))
        return f"{self.service.split('-')[0]} {self.path}" + (f" ({extra})" if extra else "")

    def key(self) -> str:
        """The label, and the province of a province report's call."""
        province = next((v for k, v in self.params if k == "province"), None)
        return self.label() + (f" [{province}]" if province else "")


def summary_calls(province: str) -> list[Call]:
    """What ``reports/summary.py``'s sections call (``sections/{org,personnel,assets,procedures,operations,workload}.py``)."""
    on = [("as_of", AS_OF), ("province", province)]
    levels_and_sectors = [("by", "level"), ("by", "sector")]
    year = [("from", f"{AS_OF[:4]}-01-01"), ("to", f"{AS_OF[:4]}-12-31")]  # NOTE: the plans' default period
    then = [("as_of", WORKLOAD_BASELINE), ("province", province)]
    return [
        Call("org-structure", f"/units/by-code/{province}", [("as_of", AS_OF)]),  # NOTE: the province exists
        Call("org-structure", "/tasks/stats", [*on, *levels_and_sectors]),
        Call("org-structure", "/tasks/stats", [("as_of", COMPARE_TO), ("province", province), *levels_and_sectors]),
        Call("org-structure", "/function-decisions/progress", on),
        Call("personnel", "/stats/qualifications", [*on, ("by", "category"), ("by", "level")]),
        Call("personnel", "/stats/tasks-not-completed", [("year", str(int(AS_OF[:4]) - 1)), ("province", province)]),
        Call("personnel", "/stats/streamlining", on),
        Call("assets", "/stats/summary", on),
        Call("assets", "/stats/car-norms", on),
        Call("assets", "/stats/dispositions", on),
        # NOTE: the procedure_dossiers section (sections/procedures.py)
        Call("personnel", "/procedure-dossiers/stats", on),
        Call("assets", "/procedure-dossiers/stats", on),
        Call("org-structure", "/procedures/handled-by-communes", on),
        # NOTE: the plans and task_difficulties sections (sections/operations.py)
        Call("org-structure", "/plans/stats", [*on, *year]),
        Call("org-structure", "/plans/overdue", [*on, ("limit", "50")]),
        Call("org-structure", "/task-feasibility/stats", on),
        # NOTE: the workload section (sections/workload.py)
        Call("org-structure", "/workload/communes", [*on, ("baseline", WORKLOAD_BASELINE)]),
        Call("org-structure", "/workload/agencies", [*on, ("baseline", WORKLOAD_BASELINE)]),
        Call("personnel", "/stats/headcount", [*on, ("by", "commune"), ("by", "agency")]),
        Call("personnel", "/stats/headcount", [*on, ("by", "commune"), ("by", "category")]),
        Call("personnel", "/stats/headcount", [*then, ("by", "commune"), ("by", "agency")]),
    ]


def gaps_calls(province: str) -> list[Call]:
    """What ``reports/gaps.py``'s sections call."""
    on = [("as_of", AS_OF), ("province", province)]
    return [
        Call("org-structure", f"/units/by-code/{province}", [("as_of", AS_OF)]),  # NOTE: the province exists
        Call("org-structure", "/tasks/findings", [*on, ("limit", "500")]),
        Call("org-structure", "/function-decisions/progress", on),
        Call("personnel", "/stats/gaps", [*on, ("by", "agency")]),
        Call("personnel", "/stats/headcount", [*on, ("by", "agency")]),
        Call("assets", "/stats/gaps", on),
        Call("assets", "/stats/dispositions", on),
    ]


# NOTE: the roll-up's rows: every province in force on the date, asked of org-structure once per report
PROVINCES_IN_FORCE = Call("org-structure", "/units", [("as_of", AS_OF), ("level", "province"), ("limit", "100")])


def national_summary_calls() -> list[Call]:
    """What ``reports/national.py``'s summary calls (``sections/national.py``): one call per statistic for the country."""
    on = [("as_of", AS_OF)]
    return [
        PROVINCES_IN_FORCE,
        Call("personnel", "/stats/qualifications", [*on, ("by", "province"), ("by", "category"), ("by", "level")]),
        Call("personnel", "/stats/tasks-not-completed", [("year", str(int(AS_OF[:4]) - 1)), ("by", "province")]),
        Call("personnel", "/stats/streamlining", [*on, ("by", "province")]),
        Call("org-structure", "/tasks/stats/by-province", on),
        Call("org-structure", "/function-decisions/progress/by-province", on),
        Call("org-structure", "/plans/stats/by-province", on),
        Call("assets", "/stats/summary/by-province", on),
        Call("assets", "/stats/car-norms/by-province", on),
        Call("assets", "/stats/dispositions/by-province", on),
    ]


def national_gaps_calls() -> list[Call]:
    """What ``reports/national.py``'s transition gaps call."""
    on = [("as_of", AS_OF)]
    return [
        PROVINCES_IN_FORCE,
        Call("personnel", "/stats/gaps", [*on, ("by", "province")]),
        Call("personnel", "/stats/headcount", [*on, ("by", "province"), ("by", "agency")]),
        Call("org-structure", "/tasks/findings/by-province", on),
        Call("org-structure", "/function-decisions/progress/by-province", on),
        Call("assets", "/stats/gaps/by-province", on),
        Call("assets", "/stats/dispositions/by-province", on),
    ]


def timed_get(client: httpx.Client, url: str, params: Params, *, report: bool = False) -> float:
    started = time.perf_counter()
    response = client.get(url, params=tuple(params))
    took = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} {params}: {response.status_code} {response.text[:300]}")
    if report:
        body = response.json()
        if not body["complete"]:
            raise RuntimeError(f"GET {url}: incomplete report, missing {body['missing']}")
    return took


def machine_cpu_seconds() -> float:
    """CPU-seconds every core of this machine has spent busy since boot (``/proc/stat``: all but idle and iowait)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


POSTGRES = "PostgreSQL"
CLIENT = "this client"
# NOTE: what the machine's CPU time minus the processes' comes from: processes that ended meanwhile (PostgreSQL's
# parallel workers live for one query), the kernel's own threads, whatever else runs
ENDED_OR_OTHER = "ended or other"


def cpu_seconds_by_process(sessions: Mapping[int, str]) -> dict[tuple[str, int], float]:
    """CPU-seconds used so far by each process of the stack (``sessions``: a session id, the process started in it;
    its children count as it), each process named ``postgres`` and this client, by (owner, pid) (``/proc/<pid>/stat``)."""
    used = {(CLIENT, os.getpid()): time.process_time()}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # NOTE: ended since the listing
            continue
        name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        # NOTE: proc(5): after the name, the state is field 0, the session 3, utime and stime 11 and 12
        owner = POSTGRES if name == "postgres" else sessions.get(int(fields[3]))
        if owner is not None:
            used[(owner, int(entry.name))] = (int(fields[11]) + int(fields[12])) / tick
    return used


@dataclass(frozen=True)
class CpuMark:
    """The machine's busy CPU-seconds and each process's, at one moment."""

    machine: float
    processes: dict[tuple[str, int], float]

    @classmethod
    def now(cls, sessions: Mapping[int, str]) -> CpuMark:
        return cls(machine_cpu_seconds(), cpu_seconds_by_process(sessions))

    def spent_since(self, before: CpuMark, sessions: Mapping[int, str]) -> tuple[float, dict[str, float]]:
        """The CPU-seconds the whole machine spent from ``before`` to this mark, and who spent them: each process alive
        at this mark, by its owner (:func:`cpu_seconds_by_process`), and the rest (``ENDED_OR_OTHER``)."""
        cpu = self.machine - before.machine
        by_owner = dict.fromkeys([POSTGRES, CLIENT, *sessions.values()], 0.0)
        for (owner, pid), used in self.processes.items():  # NOTE: a process started meanwhile counts whole
            by_owner[owner] += used - before.processes.get((owner, pid), 0.0)
        by_owner[ENDED_OR_OTHER] = max(0.0, cpu - sum(by_owner.values()))
        return cpu, by_owner


async def at_once(
    urls: list[tuple[str, Params]], headers: dict[str, str], sessions: Mapping[int, str]
) -> tuple[float, float, dict[str, float]]:
    """Milliseconds of every call made at once, directly, the way reporting makes them (without reporting), and the
    CPU the machine spent meanwhile, in all and by process (:meth:`CpuMark.spent_since`)."""
    async with httpx.AsyncClient(timeout=300.0, trust_env=False, headers=headers) as client:
        started, before = time.perf_counter(), CpuMark.now(sessions)
        responses = await asyncio.gather(*(client.get(url, params=tuple(params)) for url, params in urls))
        took, after = (time.perf_counter() - started) * 1000, CpuMark.now(sessions)
    failed = [r for r in responses if r.status_code != 200]
    if failed:
        raise RuntimeError(f"{failed[0].request.url}: {failed[0].status_code} {failed[0].text[:300]}")
    return (took, *after.spent_since(before, sessions))


@dataclass
class Result:
    province: str
    report: str
    via_gateway: float
    at_reporting: float
    sources: dict[str, float]
    all_at_once: float
    cpu_at_once: float  # NOTE: CPU-milliseconds of the whole machine while its calls ran at once
    cpu_by_owner: dict[str, float]  # NOTE: the same, by process (:func:`at_once`), in milliseconds
    cpu_via_gateway: float  # NOTE: CPU-milliseconds of the whole machine while the report ran through the gateway
    cpu_via_gateway_by_owner: dict[str, float]  # NOTE: the same, by process: reporting and the gateway among them

    @property
    def machine_floor(self) -> float:
        """No composition of its calls can take less on this machine: its slowest call, or their CPU spread on every core."""
        return max(self.slowest[1], self.cpu_at_once / CORES)

    @property
    def slowest(self) -> tuple[str, float]:
        label = max(self.sources, key=lambda k: self.sources[k])
        return label, self.sources[label]


def measure(stack: Running, province: str, runs: int) -> list[Result]:
    reports = [
        ("summary", f"/provinces/{province}/summary", summary_calls(province)),
        ("transition-gaps", f"/provinces/{province}/transition-gaps", gaps_calls(province)),
    ]
    return [r for report in reports for r in measure_reports(stack, province, [report], runs)]


def measure_national(stack: Running, runs: int) -> list[Result]:
    """The national roll-up against its calls; its rows are the provinces in force, org-structure's on the date."""
    call = PROVINCES_IN_FORCE
    with httpx.Client(timeout=60.0, trust_env=False, headers={"Authorization": f"Bearer {stack.sign_in()}"}) as client:
        response = client.get(f"{stack.url(call.service)}{call.path}", params=tuple(call.params))
        response.raise_for_status()
        provinces = len(response.json()["items"])
    reports = [
        ("national summary", "/national/summary", national_summary_calls()),
        ("national transition-gaps", "/national/transition-gaps", national_gaps_calls()),
    ]
    return [r for report in reports for r in measure_reports(stack, f"all {provinces}", [report], runs)]


Reports = list[tuple[str, str, list[Call]]]


def measure_reports(stack: Running, province: str, reports: Reports, runs: int) -> list[Result]:
    results = []
    headers = {"Authorization": f"Bearer {stack.sign_in()}"}
    sessions = {process.pid: name for name, process in stack.stack.processes.items()}
    with httpx.Client(timeout=300.0, trust_env=False, headers=headers) as client:
        for report, path, calls in reports:
            params: Params = [("as_of", AS_OF)] + ([("compare_to", COMPARE_TO)] if report == "summary" else [])
            gateway_url = f"{stack.url(GATEWAY.name)}/api/v1/reports{path}"
            reporting_url = f"{stack.url('reporting')}{path}"
            keys = ("gateway", "reporting", "at_once", "cpu_at_once", "cpu_via_gateway", *(c.key() for c in calls))
            times: dict[str, list[float]] = {key: [] for key in keys}
            owners: dict[str, list[float]] = {}
            owners_via_gateway: dict[str, list[float]] = {}
            direct = [(f"{stack.url(c.service)}{c.path}", c.params) for c in calls]
            for run in range(runs + 1):  # NOTE: the first run warms every cache and connection pool, and is not counted
                took = {c.key(): timed_get(client, f"{stack.url(c.service)}{c.path}", c.params) for c in calls}
                took["at_once"], cpu, by_owner = asyncio.run(at_once(direct, headers, sessions))
                took["cpu_at_once"] = cpu * 1000
                took["reporting"] = timed_get(client, reporting_url, params, report=True)
                before = CpuMark.now(sessions)
                took["gateway"] = timed_get(client, gateway_url, params, report=True)
                cpu, by_owner_via_gateway = CpuMark.now(sessions).spent_since(before, sessions)
                took["cpu_via_gateway"] = cpu * 1000
                if run:
                    for key, value in took.items():
                        times[key].append(value)
                    for owner, seconds in by_owner.items():
                        owners.setdefault(owner, []).append(seconds * 1000)
                    for owner, seconds in by_owner_via_gateway.items():
                        owners_via_gateway.setdefault(owner, []).append(seconds * 1000)
            medians = {k: statistics.median(v) for k, v in times.items()}
            sources = {c.key(): medians[c.key()] for c in calls}
            result = Result(
                province,
                report,
                medians["gateway"],
                medians["reporting"],
                sources,
                medians["at_once"],
                medians["cpu_at_once"],
                {owner: statistics.median(v) for owner, v in owners.items()},
                medians["cpu_via_gateway"],
                {owner: statistics.median(v) for owner, v in owners_via_gateway.items()},
            )
            results.append(result)
            shown = sorted(sources.items(), key=lambda kv: -kv[1])[:12]
            print(f"  {province} {report}: gateway {medians['gateway']:.0f} ms, reporting {medians['reporting']:.0f} ms, "
                  f"all at once {medians['at_once']:.0f} ms, {len(calls)} calls, "
                  f"slowest sources {', '.join(f'{k} {v:.0f}' for k, v in shown)}", flush=True)  # fmt: skip
    return results


def owners_line(cpu_ms: Mapping[str, float]) -> str:
    """CPU-milliseconds by owner, the largest first, those under half a millisecond left out."""
    shown = sorted(cpu_ms.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{owner} {ms:.0f}" for owner, ms in shown if ms >= 0.5)


def print_table(results: list[Result], sizes: national.Sizes, runs: int, load: str) -> None:
    print(f"\n{sizes.people:,} people, {sizes.assets:,} assets, {sizes.tasks:,} tasks; median of {runs} runs; "
          f"reporting's cache off; as_of {AS_OF} (summary with compare_to {COMPARE_TO}); load average {load}\n")  # fmt: skip
    print("| province | report | via gateway | at reporting | slowest source (direct) | its sources one by one (sum) "
          "| its sources all at once (direct) | machine CPU meanwhile | gateway / slowest | reporting / slowest "
          f"| reporting / all at once | gateway / this machine's floor (slowest, or CPU / {CORES} cores) |")  # fmt: skip
    print("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        label, slowest = r.slowest
        print(
            f"| {r.province} | {r.report} | {r.via_gateway:.0f} ms | {r.at_reporting:.0f} ms | {label}: {slowest:.0f} ms "
            f"| {sum(r.sources.values()):.0f} ms | {r.all_at_once:.0f} ms | {r.cpu_at_once / 1000:.2f} CPU-s "
            f"| **{r.via_gateway / slowest:.2f}** | {r.at_reporting / slowest:.2f} | {r.at_reporting / r.all_at_once:.2f} "
            f"| {r.via_gateway / r.machine_floor:.2f} |"
        )
    national_ = [r for r in results if r.report.startswith("national")]
    for r in national_:
        print(f"\n{r.report}: {r.via_gateway / 1000:.2f} s via the gateway with the cache off (goal: at most 5 s), "
              f"{len(r.sources)} calls; gateway / slowest source {r.via_gateway / r.slowest[1]:.2f} "
              "(goal: at most 1.5)")  # fmt: skip
    print("\nThe machine's CPU while a report's calls ran at once, directly, by process (median CPU-ms):")
    for r in results:
        print(f"  {r.province} {r.report}: {owners_line(r.cpu_by_owner)}")
    print("\nThe machine's CPU while the report ran through the gateway, by process (median CPU-ms; reporting and the")
    print("gateway are what composing the report costs beyond its calls):")
    for r in results:
        print(f"  {r.province} {r.report}: {r.cpu_via_gateway / 1000:.2f} CPU-s; {owners_line(r.cpu_via_gateway_by_owner)}")
    print("\nEvery source call, direct (median ms; the national roll-up's slowest first):")
    for r in results:
        shown = sorted(r.sources.items(), key=lambda kv: -kv[1]) if r in national_ else list(r.sources.items())
        print(f"  {r.province} {r.report}: " + ", ".join(f"{k} {v:.0f}" for k, v in shown))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/reports.py", description=__doc__.splitlines()[0] if __doc__ else None)
    add_arguments(parser, assets=300_000)
    parser.add_argument("--provinces", default="79,04", help="comma-separated province codes (default: Hồ Chí Minh, Cao Bằng)")
    parser.add_argument("--no-national", action="store_true", help="leave out the national roll-up")
    args = parser.parse_args(argv)
    with national_databases(args, "reports") as databases:
        with running_stack(databases, args.settings) as stack:
            provinces = [p for p in args.provinces.split(",") if p]
            results = [r for province in provinces for r in measure(stack, province, args.runs)]
            if not args.no_national:
                results += measure_national(stack, args.runs)
        print_table(results, databases.sizes, args.runs, load_average())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
