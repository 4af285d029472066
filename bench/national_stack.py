"""The national data set and the whole stack on it, as ``bench/reports.py`` and ``bench/workload.py`` time them.

:func:`national_databases`: a fresh PostgreSQL database per process with one (reporting keeps
none), the national data set written into them (``haicap_scenario.national``), dropped at the
end unless ``--keep``; ``--reuse`` times again on databases a ``--keep`` run printed, loading
nothing. :func:`running_stack`: ``tools/run_stack.py``'s Stack on them, on free loopback
ports, reporting's cache off (every timed report composed anew), the connection pools of the
Kubernetes ConfigMap (:func:`deployed_pools`: the national deployment these figures are for),
and an admin of the run to sign in as. :func:`add_arguments` adds the options both take.

A script imports this module with its own folder at the end of ``sys.path``, not the front,
so that its name (``reports``, ``workload``) does not hide a package of the same name.
"""

# ruff: noqa: E402 (run_stack is found through tools/, put on sys.path first)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

import argparse
import asyncio
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import yaml
from haicap_scenario import national
from run_stack import GATEWAY, SERVICES, Stack, free_ports

from haicap_shared.testing import create_postgres_database, drop_postgres_database

__all__ = ["GATEWAY", "Databases", "Running", "add_arguments", "load_average", "national_databases", "running_stack"]

ADMIN = "bench-admin"
PROCESSES = (*SERVICES, GATEWAY)
DEPLOYED_CONFIG = ROOT / "deploy" / "k8s" / "base" / "config.yaml"


def deployed_pools() -> dict[str, str]:
    """The connection pools the Kubernetes ConfigMap sets (``HAICAP_<SERVICE>_DATABASE_POOL_SIZE``, ``..._MAX_OVERFLOW``).

    NOTE: not the processes' defaults (5 kept, 10 more opened for a call and closed after), kept
    low for ``make run`` and the test stacks, which put every process on one server: a province
    summary sends 10 calls at once to org-structure, and each connection opened for one call
    starts a PostgreSQL backend that fills its caches again: about 4 a Cao Bằng summary.
    """
    data: dict[str, str] = yaml.safe_load(DEPLOYED_CONFIG.read_text())["data"]
    return {name: str(value) for name, value in data.items() if name.endswith(("_DATABASE_POOL_SIZE", "_DATABASE_MAX_OVERFLOW"))}


def add_arguments(parser: argparse.ArgumentParser, *, assets: int, assets_help: str | None = None) -> None:
    """The sizes of the data set, the runs, and ``--keep``/``--reuse``; ``assets``: the default number of assets."""
    parser.add_argument("--people", type=int, default=3_000_000)
    parser.add_argument("--assets", type=int, default=assets, help=assets_help)
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the databases (and print their URLs) instead of dropping them")
    parser.add_argument(
        "--reuse",
        metavar="NAME=URL,...",
        help="time again on databases a --keep run printed (no loading; pass the same sizes); they are kept",
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        type=_setting,
        metavar="HAICAP_NAME=VALUE",
        help="a setting for the stack's processes, which otherwise run on their defaults (e.g. "
        "HAICAP_ORG_DATABASE_POOL_SIZE=5), to time a change against what it replaces; repeatable",
    )


def _setting(pair: str) -> tuple[str, str]:
    name, equals, value = pair.partition("=")
    if not equals or not name.startswith("HAICAP_"):
        raise argparse.ArgumentTypeError(f"{pair!r}: give HAICAP_NAME=VALUE")
    return name, value


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


@dataclass(frozen=True)
class Databases:
    """The processes' databases (``postgresql://`` URLs by process name), the sizes loaded, and the run's folder."""

    urls: dict[str, str]
    sizes: national.Sizes
    work: Path


def _reused(pairs: str) -> dict[str, str]:
    # NOTE: stripped, so that the kept line pasted with spaces after its commas still names the processes
    return {name.strip(): url.strip() for name, url in (pair.split("=", 1) for pair in pairs.split(",") if pair.strip())}


@contextmanager
def national_databases(args: argparse.Namespace, bench: str) -> Iterator[Databases]:
    """The databases, named ``haicap_bench_<bench>_<process>_...``, loaded unless ``--reuse``; dropped unless kept."""
    os.environ.setdefault("HAICAP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    sizes = national.Sizes(people=args.people, assets=args.assets, tasks=args.tasks)
    urls: dict[str, str] = {}
    work = Path(tempfile.mkdtemp(prefix=f"haicap-bench-{bench}-"))
    keep = args.keep or bool(args.reuse)
    try:
        if args.reuse:
            urls.update(_reused(args.reuse))
        for spec in PROCESSES:
            if spec.database and spec.name not in urls:
                url = asyncio.run(create_postgres_database(f"haicap_bench_{bench}_{spec.name.replace('-', '_')}"))
                urls[spec.name] = national.plain(url)
        if not args.reuse:
            print(
                f"loading {sizes.people:,} people, {sizes.assets:,} assets, {sizes.tasks:,} tasks, seed {args.seed}", flush=True
            )
            loaded = national.Urls(urls["org-structure"], urls["personnel"], urls["assets"])
            summary = asyncio.run(national.load(loaded, sizes, args.seed, log=lambda line: print(f"  {line}", flush=True)))
            print(f"loaded in {summary['seconds']:.0f} s", flush=True)
        yield Databases(urls, sizes, work)
    finally:
        if keep:
            # NOTE: no space after the commas: the line is --reuse's value as it is
            print("kept: " + ",".join(f"{k}={v}" for k, v in urls.items()) + f"; logs in {work}")
        else:
            for url in urls.values():
                asyncio.run(drop_postgres_database(url))
            shutil.rmtree(work, ignore_errors=True)


@dataclass(frozen=True)
class Running:
    """The started stack and the password of the run's admin."""

    stack: Stack
    password: str

    def url(self, name: str) -> str:
        return self.stack.url(name)

    def sign_in(self) -> str:
        """A fresh token of the run's admin (a long run on a loaded machine outlasts a token's lifetime)."""
        with httpx.Client(base_url=self.url(GATEWAY.name), timeout=30.0, trust_env=False) as client:
            response = client.post(
                "/api/v1/auth/token", data={"grant_type": "password", "username": ADMIN, "password": self.password}
            )
            response.raise_for_status()
            return str(response.json()["access_token"])


@contextmanager
def running_stack(databases: Databases, settings: Sequence[tuple[str, str]] = ()) -> Iterator[Running]:
    """Every process on its database and a free port, reporting's cache off, the pools of :func:`deployed_pools`, on its
    defaults but for ``settings`` (``--set``, which override the pools too); stopped on exit."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HAICAP_")}
    for spec, port in zip(PROCESSES, free_ports(len(PROCESSES)), strict=True):
        env[f"{spec.env_prefix}PORT"] = str(port)
        if spec.database:
            env[f"{spec.env_prefix}DATABASE_URL"] = databases.urls[spec.name]
    env["HAICAP_REPORTING_PAST_REPORT_TTL_SECONDS"] = "0"
    env["HAICAP_REPORTING_CURRENT_REPORT_TTL_SECONDS"] = "0"
    env["HAICAP_REPORTING_SECTION_TIMEOUT_SECONDS"] = "300"
    chosen = {**deployed_pools(), **dict(settings)}
    env.update(chosen)
    print("settings: " + " ".join(f"{name}={value}" for name, value in chosen.items()), flush=True)
    with Stack(env, databases.work, startup_timeout_seconds=120) as stack:
        stack.run_step(GATEWAY, "migrate")  # NOTE: the services' databases were migrated by the loader
        stack.create_accounts("04")
        stack.start()
        # NOTE: an admin of this run (a reused database keeps its demo users' passwords unknown).
        password = secrets.token_urlsafe(24)
        stack.run_step(GATEWAY, "create-admin", "--username", ADMIN, "--reset-if-exists", "--password-stdin", stdin=password)
        print(f"stack up (logs in {databases.work / 'log'}); timing, load average {load_average()}", flush=True)
        yield Running(stack, password)
