"""What the real-process tests share: free loopback ports, fresh and shared stacks, signing in.

tools/run_stack.py is a script, not a package; its :class:`Stack` (the runner behind
``make run``) is what these tests drive, so the tools folder is put on the import path here,
once.
"""

import asyncio
import os
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import holidays
import httpx
import pytest

from haicap_shared.testing import create_postgres_database, drop_postgres_database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import run_stack
from run_stack import GATEWAY, ONE_STOP_PORT_SETTING, ONE_STOP_SERVICES, RECEIVER_PORT_SETTING, SERVICES, Stack, free_ports

__all__ = [
    "GATEWAY",
    "ONE_STOP_PORT_SETTING",
    "ONE_STOP_SERVICES",
    "RECEIVER_PORT_SETTING",
    "SERVICES",
    "SharedStacks",
    "Stack",
    "every",
    "free_ports",
    "fresh_stack",
    "isolated_env",
    "run_stack",
    "sign_in",
    "signed_in",
    "stopped",
    "working_days_after",
]

POSTGRESQL_PREFIXES = ("HAICAP_ORG_", "HAICAP_PERSONNEL_", "HAICAP_ASSETS_")
"""The services whose records (and dialect-specific queries) a PostgreSQL stack puts on PostgreSQL.

NOTE: the gateway's accounts stay in SQLite on every backend: nothing of theirs depends on it.
"""


def isolated_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without any HAICAP_* setting, every process on a free port."""
    # NOTE: a DATABASE_URL or port set by the caller must not send the test's processes to a
    # real database or a fixed port.
    env = {key: value for key, value in os.environ.items() if not key.startswith("HAICAP_")}
    ports = free_ports(len(SERVICES) + 3)
    for spec, port in zip((*SERVICES, GATEWAY), ports, strict=False):
        env[f"{spec.env_prefix}PORT"] = str(port)
    # NOTE: the stand-in national receiver the stack starts for the sync worker.
    env[RECEIVER_PORT_SETTING] = str(ports[-2])
    # NOTE: and the stand-in one-stop receiver it starts for the procedure dossiers' push workers.
    env[ONE_STOP_PORT_SETTING] = str(ports[-1])
    return env | dict(extra or {})


@dataclass(frozen=True)
class DemoStack:
    """A stack with the Cao Bằng demo loaded (``demo_stack``), and what loading it reported."""

    stack: Stack
    loaded: dict[str, object]


@contextmanager
def fresh_stack(var_dir: Path, *, province: str = "04", backend: str = "sqlite") -> Iterator[Stack]:
    """Migrated, the province imported, accounts made, every service and the gateway ready; all stopped after.

    On ``postgresql``, the services of :data:`POSTGRESQL_PREFIXES` get databases of their own,
    made empty for this stack and dropped after it; everything else is SQLite in ``var_dir``.
    """
    urls: dict[str, str] = {}
    try:
        if backend == "postgresql":
            for prefix in POSTGRESQL_PREFIXES:
                urls[f"{prefix}DATABASE_URL"] = asyncio.run(create_postgres_database(f"{prefix.lower()}stack"))
        elif backend != "sqlite":
            raise ValueError(f"no such test backend: {backend}")
        with Stack(isolated_env(urls), var_dir, startup_timeout_seconds=60) as running:
            running.prepare(province=province)
            running.start()
            # NOTE: a fresh stack holds no people: its staff user names a person no one recorded
            # (its own-dossier routes answer 404); a test that needs one links the user to its person.
            running.add_demo_staff(province, str(uuid.uuid4()))
            yield running
    finally:
        for url in urls.values():
            asyncio.run(drop_postgres_database(url))


class SharedStacks:
    """One fresh stack per backend, started when a test first asks for it and kept until the session ends.

    For the process tests that need only a prepared province and the demo users, and write
    nothing but records of their own (under their own names and codes), so their assertions hold
    whichever tests ran on the stack before. A test that stops a service starts it again
    (:func:`stopped`).
    """

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, exits: ExitStack) -> None:
        self._tmp_path_factory = tmp_path_factory
        self._exits = exits
        self._stacks: dict[str, Stack] = {}
        self._failures: dict[str, BaseException] = {}

    def on(self, backend: str) -> Stack:
        """The shared stack of ``backend`` (``sqlite`` or ``postgresql``), started on first use."""
        if backend in self._failures:
            # NOTE: a stack that failed to start fails every later test at once, as a failed
            # session fixture does, instead of each one waiting for another start to fail.
            raise self._failures[backend]
        if backend not in self._stacks:
            var_dir = self._tmp_path_factory.mktemp(f"shared-stack-{backend}")
            try:
                self._stacks[backend] = self._exits.enter_context(fresh_stack(var_dir, backend=backend))
            except BaseException as exc:
                self._failures[backend] = exc
                raise
        return self._stacks[backend]


@contextmanager
def stopped(stack: Stack, name: str) -> Iterator[None]:
    """``name`` stopped for the block, then started again and ready, so a shared stack stays whole."""
    stack.stop(name)
    try:
        yield
    finally:
        stack.restart(name)


def sign_in(client: httpx.Client, stack: Stack, role: str) -> dict[str, str]:
    """Sign in through the gateway as the demo user of ``role``; the Authorization header."""
    user = next(u for u in stack.demo_users if u.role == role)
    assert user.password, "a fresh stack creates every demo user, with a password"
    response = client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": user.username, "password": user.password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@contextmanager
def signed_in(stack: Stack, role: str) -> Iterator[httpx.Client]:
    """A client of the stack's gateway signed in as the demo user of ``role``, closed after."""
    with httpx.Client(base_url=stack.url("gateway"), timeout=120.0, trust_env=False) as client:
        client.headers.update(sign_in(client, stack, role))
        yield client


def every(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a keyset-paged list, page after page of 500."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = client.get(path, params={**params, "limit": 500, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        if (cursor := page["next"]) is None:
            return items


def working_days_after(day: date, n: int) -> date:
    """``n`` working days after ``day`` in Vietnam, counted here from ``holidays`` alone (not haicap's calendar).

    Weekends and public holidays off, the Saturdays the year's schedule makes worked counted.
    """
    off = holidays.country_holidays("VN", years=range(day.year, day.year + 2))
    worked = set(getattr(off, "weekend_workdays", ()))
    while n:
        day += timedelta(days=1)
        if day in worked or (day.weekday() < 5 and day not in off):
            n -= 1
    return day


def sign_in_service_account(client: httpx.Client, stack: Stack) -> dict[str, str]:
    """Sign in through the gateway as reporting's service account; the Authorization header."""
    response = client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": stack.env["HAICAP_REPORTING_CLIENT_ID"],
            "client_secret": stack.env["HAICAP_REPORTING_CLIENT_SECRET"],
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def sign_in_every_role(client: httpx.Client, stack: Stack) -> dict[str, dict[str, str]]:
    """An Authorization header per role name: the demo users, and ``service`` as reporting's account."""
    headers = {user.role: sign_in(client, stack, user.role) for user in stack.demo_users}
    headers["service"] = sign_in_service_account(client, stack)
    return headers
