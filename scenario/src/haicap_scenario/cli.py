"""``haicap-scenario``: load the demo scenario of a province through the gateway.

``haicap-scenario national ...`` instead writes the national-scale benchmark data set
straight into the services' PostgreSQL databases (see :mod:`haicap_scenario.national`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from datetime import date

from .api import Api, ScenarioError
from .assets import load_assets
from .operations import load_operations
from .org import load_org, read_state
from .people import load_people
from .procedures import load_procedures
from .targets import AFTER, BEFORE, CAO_BANG, Targets


async def load(base_url: str, username: str, password: str, province: str, seed: int, targets: Targets) -> dict[str, object]:
    """Load each part of the scenario (org, people, assets, procedures, operations) the province lacks; what the APIs count."""
    api = await Api.sign_in(base_url, username, password)
    try:
        existing = await api.get("/api/v1/org/tasks", province=province, limit=1)
        org_loaded = bool(existing["items"])
        started = time.perf_counter()
        parts: dict[str, object] = {}
        if not org_loaded:
            await load_org(api, random.Random(seed), province, targets)
            parts["org_seconds"] = round(time.perf_counter() - started, 1)
        # NOTE: each part is loaded unless its records are there, with its own seeded generator,
        # so a part can be (re)loaded on its own and the others' records stay the same.
        people_loaded = bool((await api.get("/api/v1/personnel/people", province=province, limit=1))["items"])
        assets_loaded = bool((await api.get("/api/v1/assets/assets", province=province, limit=1))["items"])
        procedures_loaded = bool((await api.get("/api/v1/personnel/procedure-dossiers", province=province, limit=1))["items"])
        operations_loaded = bool((await api.get("/api/v1/org/plans", province=province, limit=1))["items"])
        loaded = org_loaded and people_loaded and assets_loaded and procedures_loaded and operations_loaded
        if not (people_loaded and assets_loaded and procedures_loaded and operations_loaded):
            state = await read_state(api, province)
            if not people_loaded:
                mark = time.perf_counter()
                parts["people"] = await load_people(api, random.Random(f"{seed}:people"), province, targets, state)
                parts["people_seconds"] = round(time.perf_counter() - mark, 1)
            if not assets_loaded:
                mark = time.perf_counter()
                parts["assets"] = await load_assets(api, random.Random(f"{seed}:assets"), province, targets, state)
                parts["assets_seconds"] = round(time.perf_counter() - mark, 1)
            if not procedures_loaded:
                mark = time.perf_counter()
                parts["procedures"] = await load_procedures(api, random.Random(f"{seed}:procedures"), province, state)
                parts["procedures_seconds"] = round(time.perf_counter() - mark, 1)
            if not operations_loaded:
                # NOTE: after the people and assets, whose records the plan's measured items count.
                mark = time.perf_counter()
                rng = random.Random(f"{seed}:operations")
                parts["operations"] = await load_operations(api, rng, province, state, date.today())
                parts["operations_seconds"] = round(time.perf_counter() - mark, 1)
        before = await api.get("/api/v1/org/tasks/stats", province=province, as_of=BEFORE.isoformat())
        after = await api.get("/api/v1/org/tasks/stats", province=province, as_of=AFTER.isoformat())
        return {
            "province": province,
            "seed": seed,
            "already_loaded": loaded,
            "seconds": round(time.perf_counter() - started, 1),
            "parts": parts,
            "tasks_by_level": {BEFORE.isoformat(): before["by_level"], AFTER.isoformat(): after["by_level"]},
        }
    finally:
        await api.aclose()


def national(argv: list[str]) -> int:
    """``haicap-scenario national``: the national-scale data set, written into fresh databases."""
    from . import national as data

    parser = argparse.ArgumentParser(
        prog="haicap-scenario national", description=data.__doc__.split("\n\n")[0] if data.__doc__ else None
    )
    parser.add_argument("--org-url", required=True, help="org-structure's database (postgresql://...), fresh")
    parser.add_argument("--personnel-url", required=True, help="personnel's database, fresh")
    parser.add_argument("--assets-url", required=True, help="assets' database, fresh")
    parser.add_argument("--people", type=int, default=3_000_000)
    parser.add_argument("--assets", type=int, default=300_000)
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    urls = data.Urls(args.org_url, args.personnel_url, args.assets_url)
    try:
        summary = data.run(urls, data.Sizes(people=args.people, assets=args.assets, tasks=args.tasks), args.seed)
    except RuntimeError as exc:
        print(f"haicap-scenario national: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["national"]:
        return national(argv[1:])
    parser = argparse.ArgumentParser(prog="haicap-scenario", description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--username", required=True, help="an admin's username")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin (else prompted)")
    parser.add_argument("--province", default="04")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else input("password: ")
    try:
        summary = asyncio.run(load(args.gateway, args.username, password, args.province, args.seed, CAO_BANG))
    except ScenarioError as exc:
        print(f"haicap-scenario: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
