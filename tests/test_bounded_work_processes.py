"""Issue 13's goals through real processes (SQLite and PostgreSQL), behind the gateway.

- 5,000 identical placement rows: the problem report comes back within seconds, under 5 MB, one
  message per row, while personnel's /healthz (polled every 20 ms by a process of its own) keeps
  answering; before, the report was 670 MB after 30 to 70 s and /healthz took 25 s.
- Cao Bằng's 2,214 tasks listed by level alone take the same order of time as with a province
  (6 to 8 s against a few ms before).
- The gateway waits for an import as long as org-structure's OpenAPI declares (120 s), read
  live from the running service.

The figures are printed (``pytest -s``); the bounds asserted are generous for a shared machine.
Measured on 2026-11-29 (2 cores, load average 7 from other test runs): the batch answered 409 in
0.58 s (SQLite) and 0.34 s (PostgreSQL) with 374,131 bytes, personnel's /healthz at most 43 and
40 ms meanwhile (111 and 74 ms in an earlier run); the tasks list through the gateway, median of
5, by level alone 60 ms against 56 ms with a province (SQLite), 51 against 55 ms (PostgreSQL).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from haicap_shared import testing as shared_testing

from .stack_support import SharedStacks, Stack, sign_in

pytestmark = pytest.mark.processes
MiB = 1024 * 1024
P = "/api/v1/personnel"

POLLER = """
import json, sys, threading, time
import httpx

stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
slowest, count = 0.0, 0
with httpx.Client(base_url=sys.argv[1], timeout=30.0, trust_env=False) as client:
    while not stop.is_set():
        started = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        slowest, count = max(slowest, time.perf_counter() - started), count + 1
        time.sleep(0.02)
print(json.dumps({"slowest": slowest, "polls": count}))
"""


@pytest.fixture(scope="module", params=shared_testing.test_backends())
def stack(request: pytest.FixtureRequest, shared_stacks: SharedStacks) -> Stack:
    """The session's shared stack of each backend; the agencies, person and tasks written here are this module's own."""
    backend: str = request.param
    return shared_stacks.on(backend)


@pytest.fixture(scope="module")
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=130.0, trust_env=False) as client:
        client.headers.update(sign_in(client, stack, "admin"))
        yield client


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def _department(gateway: httpx.Client) -> dict[str, Any]:
    province = gateway.get("/api/v1/org/units/by-code/04", params={"as_of": "2025-07-01"}).json()
    return _created(
        gateway.post(
            "/api/v1/org/agencies", json={"name": "Sở Nội vụ", "kind": "provincial_department", "unit_id": province["id"]}
        )
    )


def test_5000_identical_placement_rows(stack: Stack, gateway: httpx.Client) -> None:
    agency = _department(gateway)
    body = {"full_name": "Nông Văn An", "category": "civil_servant", "birth_date": "1980-04-01", "sex": "male",
            "national_id": "004080001234", "education_level": "university", "agency_id": agency["id"]}  # fmt: skip
    person = _created(gateway.post(f"{P}/people", json=body))
    position = _created(
        gateway.post(f"{P}/positions", json={"agency_id": agency["id"], "title": "Chuyên viên", "group": "professional"})
    )
    province = sign_in(gateway, stack, "province_officer")
    for action, headers in (("submit", {}), ("appraise", province), ("approve", {})):
        response = gateway.post(
            f"{P}/positions/{position['id']}/transitions",
            json={"action": action},
            headers=headers | {"If-Match": f'"{position["version"]}"'},
        )
        position = _created(response)
    row = {"person_id": person["id"], "position_id": position["id"], "valid_from": "2025-07-01"}
    poller = subprocess.Popen(
        [sys.executable, "-c", POLLER, stack.url("personnel")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        time.sleep(0.3)
        started = time.perf_counter()
        response = gateway.post(f"{P}/placements/batch", json={"rows": [row] * 5000})
        elapsed = time.perf_counter() - started
        time.sleep(0.1)
    finally:
        out, _ = poller.communicate("", timeout=30)
    healthz = json.loads(out)
    print(f"\nbatch of 5,000 identical rows: {response.status_code} in {elapsed:.2f} s, {len(response.content)} bytes; "
          f"personnel /healthz slowest {healthz['slowest'] * 1000:.1f} ms over {healthz['polls']} polls")  # fmt: skip
    assert response.status_code == 409, response.text
    problems = response.json()["report"]["problems"]
    assert len(problems) == 4999
    assert all(len(p["errors"]) == 1 for p in problems)
    assert len(response.content) < 5 * MiB
    # NOTE: generous bounds for a shared 2-core machine (the issue asks 2 s and 100 ms).
    assert elapsed < 10
    assert healthz["slowest"] < 1.0


def _tasks_csv(owners: list[tuple[str, int, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "title", "sector", "legal_basis", "owner_agency_id", "valid_from"])
    n = 0
    for owner, count, since in owners:
        for _ in range(count):
            n += 1
            writer.writerow([f"T-{n:05d}", f"Nhiệm vụ {n}", "Nội vụ", "Nghị định 150/2025/NĐ-CP", owner, since])
    return out.getvalue().encode()


def test_tasks_by_level_alone_as_fast_as_with_a_province(stack: Stack, gateway: httpx.Client) -> None:
    province = gateway.get("/api/v1/org/units/by-code/04").json()["id"]
    departments = [
        _created(
            gateway.post("/api/v1/org/agencies", json={"name": f"Sở {n}", "kind": "provincial_department", "unit_id": province})
        )
        for n in range(14)
    ]
    commune = gateway.get("/api/v1/org/units/by-code/01273", params={"as_of": "2025-07-01"}).json()
    office = _created(
        gateway.post("/api/v1/org/agencies", json={"name": "Văn phòng", "kind": "commune_office", "unit_id": commune["id"]})
    )
    owners = [(d["id"], 1687 // 14 + (1 if n < 1687 % 14 else 0), "2020-01-01") for n, d in enumerate(departments)]
    owners.append((office["id"], 527, "2025-07-01"))
    imported = gateway.post(
        "/api/v1/org/tasks/imports", params={"province": "04"}, files={"file": ("tasks.csv", _tasks_csv(owners))}
    )
    assert _created(imported)["written"] == 2214
    figures = {}
    for label, params in (("level alone", {"level": "province"}), ("with a province", {"level": "province", "province": "04"}),
                          ("commune level alone", {"level": "commune"})):  # fmt: skip
        times = []
        for _ in range(5):
            started = time.perf_counter()
            assert gateway.get("/api/v1/org/tasks", params=params).status_code == 200
            times.append(time.perf_counter() - started)
        figures[label] = sorted(times)[2]
    print("\ntasks list, median of 5: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in figures.items()))
    assert figures["level alone"] < 5 * figures["with a province"] + 0.2
