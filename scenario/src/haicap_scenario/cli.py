"""``haicap-scenario``: load the demo scenario of a province through the gateway."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time

from .api import Api, ScenarioError
from .org import load_org
from .targets import AFTER, BEFORE, CAO_BANG, Targets


async def load(base_url: str, username: str, password: str, province: str, seed: int, targets: Targets) -> dict[str, object]:
    """Load the scenario unless the province already has tasks; return what the APIs now count."""
    api = await Api.sign_in(base_url, username, password)
    try:
        existing = await api.get("/api/v1/org/tasks", province=province, limit=1)
        loaded = bool(existing["items"])
        started = time.perf_counter()
        if not loaded:
            await load_org(api, random.Random(seed), province, targets)
        before = await api.get("/api/v1/org/tasks/stats", province=province, as_of=BEFORE.isoformat())
        after = await api.get("/api/v1/org/tasks/stats", province=province, as_of=AFTER.isoformat())
        return {
            "province": province,
            "seed": seed,
            "already_loaded": loaded,
            "seconds": round(time.perf_counter() - started, 1),
            "tasks_by_level": {BEFORE.isoformat(): before["by_level"], AFTER.isoformat(): after["by_level"]},
        }
    finally:
        await api.aclose()


def main(argv: list[str] | None = None) -> int:
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
