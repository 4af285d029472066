#!/usr/bin/env python3
"""Run the whole haicap stack on this machine (``make run``).

Migrates the databases of org-structure, personnel, assets and the gateway (reporting has
none), imports Cao Bằng (province 04; the whole country with ``HAICAP_IMPORT_ALL=1``) into
org-structure, creates the demo users (one per role) and the reporting, assets and personnel
service accounts at the gateway, starts the four services and
the gateway, waits until each one is ready, then starts the change feed's relay of each process
that publishes its changes (``<service>-relay``: org-structure, personnel, assets and the
gateway's identity; ``haicap-<service> relay``, delivering to the webhook subscriptions and, when
``HAICAP_EVENTS_NATS_URL`` is set, to NATS JetStream), then the stand-in national receiver
(``national-receiver``, port ``HAICAP_NATIONAL_RECEIVER_PORT``, 8009; ``HAICAP_NATIONAL_RECEIVER=0``
leaves it out) and personnel's national sync worker (``personnel-sync``, ``haicap-personnel sync``,
sending through ``lgsp`` to that receiver unless ``HAICAP_PERSONNEL_SYNC_*`` say otherwise), the
stand-in one-stop receiver (``one-stop-receiver``, port ``HAICAP_ONE_STOP_RECEIVER_PORT``, 8010;
``HAICAP_ONE_STOP_RECEIVER=0`` leaves it out) and the procedure dossiers' push workers of personnel
and assets (``personnel-one-stop``, ``assets-one-stop``: ``haicap-<service> one-stop``, pushing to
that receiver unless ``HAICAP_ONE_STOP_*`` say otherwise) and org-structure's plan reminders
(``org-structure-plan-reminders``, ``haicap-org plan-reminders``: due-soon, overdue and escalated
items of the implementation plans, each recorded once and sent through the change feed), prints
where they are and how to sign in, and stops them all on Ctrl-C.
Each process logs to ``var/log/<service>.log``. Ports follow the services' own variables
(``HAICAP_ORG_PORT``, ``HAICAP_PERSONNEL_PORT``, ..., ``HAICAP_GATEWAY_PORT``), and the
gateway is pointed at whatever ports the services got.

Standard library and httpx only; the cross-service tests drive the same :class:`Stack`.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Spec:
    """One process of the stack: its name, command line, settings prefix and default port.

    ``database``: whether it has a database to migrate (reporting keeps none); ``relay``:
    whether it publishes its changes, so that the stack runs its relay (``<name>-relay``).
    """

    name: str
    cli: str
    env_prefix: str
    default_port: int
    gateway_prefix: str | None = None
    gateway_setting: str | None = None
    database: bool = True
    relay: bool = False


SERVICES = (
    Spec("org-structure", "haicap-org", "HAICAP_ORG_", 8001, "org", "HAICAP_GATEWAY_ORG_URL", relay=True),
    Spec("personnel", "haicap-personnel", "HAICAP_PERSONNEL_", 8002, "personnel", "HAICAP_GATEWAY_PERSONNEL_URL", relay=True),
    Spec("assets", "haicap-assets", "HAICAP_ASSETS_", 8003, "assets", "HAICAP_GATEWAY_ASSETS_URL", relay=True),
    Spec("reporting", "haicap-reporting", "HAICAP_REPORTING_", 8004, "reports", "HAICAP_GATEWAY_REPORTING_URL", database=False),
)
GATEWAY = Spec("gateway", "haicap-gateway", "HAICAP_GATEWAY_", 8000, relay=True)
ONE_STOP_SERVICES = (SERVICES[1], SERVICES[2])
"""The services whose workflows are administrative procedures: each runs a push worker (``one-stop``)."""
RELAY_SUFFIX = "-relay"
SYNC_WORKER = "personnel-sync"
NATIONAL_RECEIVER = "national-receiver"
RECEIVER_PORT_SETTING = "HAICAP_NATIONAL_RECEIVER_PORT"
RECEIVER_DEFAULT_PORT = 8009
RECEIVER_CLIENT_ID = "haicap-personnel"
SCENARIO_LOADER = "scenario-loader"
ONE_STOP_RECEIVER = "one-stop-receiver"
ONE_STOP_PORT_SETTING = "HAICAP_ONE_STOP_RECEIVER_PORT"
ONE_STOP_DEFAULT_PORT = 8010
ONE_STOP_USERNAME = "haicap"
ONE_STOP_WORKER_SUFFIX = "-one-stop"
OUTSIDE_WORLD = (NATIONAL_RECEIVER, ONE_STOP_RECEIVER)
PLAN_REMINDERS = "org-structure-plan-reminders"
"""org-structure's worker that records the plans' reminders and escalations (``plan-reminders``)."""
"""The stand-ins of the national platforms: when one stops, the stack goes on and its worker keeps the work queued."""


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports nothing listens on now (held together so none repeats)."""
    with ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


class StackError(RuntimeError):
    """A step of the stack failed; the message says which and shows the end of its log."""


def port_of(spec: Spec, env: Mapping[str, str]) -> int:
    return int(env.get(f"{spec.env_prefix}PORT", spec.default_port))


def receiver_port(env: Mapping[str, str]) -> int:
    return int(env.get(RECEIVER_PORT_SETTING, RECEIVER_DEFAULT_PORT))


def with_receiver(env: Mapping[str, str]) -> bool:
    """Whether the stack runs the stand-in national receiver (the demo's national database)."""
    return env.get("HAICAP_NATIONAL_RECEIVER", "1") != "0"


def one_stop_port(env: Mapping[str, str]) -> int:
    return int(env.get(ONE_STOP_PORT_SETTING, ONE_STOP_DEFAULT_PORT))


def with_one_stop_receiver(env: Mapping[str, str]) -> bool:
    """Whether the stack runs the stand-in one-stop receiver (the demo's provincial procedure system)."""
    return env.get("HAICAP_ONE_STOP_RECEIVER", "1") != "0"


def one_stop_env(env: dict[str, str]) -> None:
    """The push workers send through ``one-stop`` to the stand-in receiver, unless their settings already say where."""
    if "HAICAP_ONE_STOP_ADAPTER" in env:
        return
    if not with_one_stop_receiver(env):
        env.setdefault("HAICAP_ONE_STOP_FILE_HMAC_KEY", secrets.token_urlsafe(32))
        return
    env["HAICAP_ONE_STOP_ADAPTER"] = "one-stop"
    env["HAICAP_ONE_STOP_ADAPTER_URL"] = f"http://{HOST}:{one_stop_port(env)}"
    env["HAICAP_ONE_STOP_USERNAME"] = ONE_STOP_USERNAME
    # NOTE: made anew by each run, given to the receiver and to the workers only.
    env["HAICAP_ONE_STOP_PASSWORD"] = secrets.token_urlsafe(24)
    # NOTE: the unit code of Cao Bằng's People's Committee, as the scenario gives its agencies (org.py).
    env.setdefault("HAICAP_ONE_STOP_UNIT_CODES", json.dumps({"04": "000.00.00.H14"}))


def sync_env(env: dict[str, str]) -> None:
    """The sync worker sends through ``lgsp`` to the stand-in receiver, unless its settings already say where."""
    if "HAICAP_PERSONNEL_SYNC_ADAPTER" in env:
        return
    if not with_receiver(env):
        # NOTE: the file adapter (the default) signs its batches; a key of this run, for the demo only.
        env.setdefault("HAICAP_PERSONNEL_SYNC_FILE_HMAC_KEY", secrets.token_urlsafe(32))
        return
    receiver = f"http://{HOST}:{receiver_port(env)}"
    env["HAICAP_PERSONNEL_SYNC_ADAPTER"] = "lgsp"
    env["HAICAP_PERSONNEL_SYNC_TOKEN_URL"] = f"{receiver}/token"
    env["HAICAP_PERSONNEL_SYNC_RECORD_URL"] = f"{receiver}/records"
    env["HAICAP_PERSONNEL_SYNC_CLIENT_ID"] = RECEIVER_CLIENT_ID
    # NOTE: made anew by each run, given to the receiver and to the worker only.
    env["HAICAP_PERSONNEL_SYNC_CLIENT_SECRET"] = secrets.token_urlsafe(24)
    env.setdefault(
        "HAICAP_PERSONNEL_SYNC_LGSP_PROVINCES",
        json.dumps({"04": {"sender_code": "000.00.00.H41", "receiver_code": "BNV", "tran_code": "CSDL_CBCCVC_CAPNHAT"}}),
    )


def stack_env(base: Mapping[str, str], var_dir: Path) -> dict[str, str]:
    """The environment every process gets: its port, its var/ folder, and the gateway's upstream URLs."""
    env = dict(base)
    sync_env(env)
    one_stop_env(env)
    # NOTE: the demo's plan is loaded after the reminders worker's first turn; a minute, not
    # the production hour, before its late items are reminded and escalated.
    env.setdefault("HAICAP_ORG_PLAN_REMINDERS_INTERVAL_SECONDS", "60")
    for spec in (*SERVICES, GATEWAY):
        env[f"{spec.env_prefix}PORT"] = str(port_of(spec, base))
        env.setdefault(f"{spec.env_prefix}VAR_DIR", str(var_dir))
    gateway = f"http://{HOST}:{port_of(GATEWAY, base)}"
    for spec in SERVICES:
        assert spec.gateway_setting is not None
        # NOTE: always the ports this stack starts the services on, so an overridden port
        # never leaves the gateway pointing at a default one.
        env[spec.gateway_setting] = f"http://{HOST}:{port_of(spec, base)}"
        # NOTE: and every service trusts the keys of this stack's gateway, and asks it for tokens.
        env[f"{spec.env_prefix}JWKS_URL"] = f"{gateway}/api/v1/auth/jwks"
        env[f"{spec.env_prefix}TOKEN_URL"] = f"{gateway}/api/v1/auth/token"
        # NOTE: and the "Authorize" button of its own /docs signs in at this gateway.
        env.setdefault(f"{spec.env_prefix}PUBLIC_TOKEN_URL", f"{gateway}/api/v1/auth/token")
        env[f"{spec.env_prefix}GATEWAY_URL"] = gateway
    return env


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A demo user; ``password`` only when it was created by this run (existing ones keep theirs)."""

    username: str
    role: str
    area: str
    password: str | None


def tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a log, for error messages."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


class Stack:
    """The processes of one stack; a context manager that stops them all on exit."""

    def __init__(
        self, base_env: Mapping[str, str], var_dir: Path, *, bin_dir: Path = BIN, startup_timeout_seconds: float = 60.0
    ) -> None:
        self.env = stack_env(base_env, var_dir)
        self.var_dir = var_dir
        self.log_dir = var_dir / "log"
        self.bin_dir = bin_dir
        self.startup_timeout_seconds = startup_timeout_seconds
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.replica_ports: dict[str, int] = {}
        self._logs: dict[str, IO[bytes]] = {}
        self.demo_users: list[DemoUser] = []
        self._loader_password: str | None = None

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None) -> None:
        self.stop_all()

    def url(self, name: str) -> str:
        if name in self.replica_ports:
            return f"http://{HOST}:{self.replica_ports[name]}"
        if name == NATIONAL_RECEIVER:
            return f"http://{HOST}:{receiver_port(self.env)}"
        if name == ONE_STOP_RECEIVER:
            return f"http://{HOST}:{one_stop_port(self.env)}"
        spec = next(s for s in (*SERVICES, GATEWAY) if s.name == name)
        return f"http://{HOST}:{port_of(spec, self.env)}"

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def failure(self, name: str, what: str) -> StackError:
        """A :class:`StackError` saying ``what`` happened to ``name``, with the end of its log."""
        return StackError(f"{name}: {what}; end of {self.log_path(name)}:\n{tail(self.log_path(name))}")

    def _command(self, spec: Spec, *args: str) -> list[str]:
        cli = self.bin_dir / spec.cli
        if not cli.exists():
            raise StackError(f"{cli} is missing: install the packages first (make install)")
        return [str(cli), *args]

    def run_step(
        self, spec: Spec, *args: str, timeout_seconds: float = 300.0, capture: bool = False, stdin: str | None = None
    ) -> str:
        """Run one command of ``spec`` to completion, its output appended to the service's log.

        With ``capture``, its standard output is returned instead (it may hold secrets, so it
        stays out of the log); its standard error still goes to the log.
        """
        command = self._command(spec, *args)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_path(spec.name)
        with log_path.open("ab") as log:
            log.write(f"$ {' '.join([spec.cli, *args])}\n".encode())
            log.flush()
            try:
                result = subprocess.run(  # noqa: S603 - our own console scripts, no shell
                    command,
                    input=None if stdin is None else f"{stdin}\n".encode(),
                    env=self.env,
                    cwd=ROOT,
                    stdout=subprocess.PIPE if capture else log,
                    stderr=log if capture else subprocess.STDOUT,
                    timeout=timeout_seconds,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise self.failure(spec.name, f"{spec.cli} {' '.join(args)} took over {timeout_seconds:.0f} s") from exc
        if result.returncode != 0:
            raise self.failure(spec.name, f"{spec.cli} {' '.join(args)} failed (exit {result.returncode})")
        return result.stdout.decode() if capture else ""

    def prepare(self, *, province: str | None = "04") -> None:
        """Migrate every database, import units (one province, or the country if ``province`` is None), create accounts."""
        for spec in (*SERVICES, GATEWAY):
            if spec.database:
                self.run_step(spec, "migrate")
        scope = ["--province", province] if province else ["--all"]
        self.run_step(SERVICES[0], "import-units", *scope, timeout_seconds=300.0 if province else 3600.0)
        self.create_accounts(province or "04")

    def create_accounts(self, province: str) -> None:
        """The demo users of ``province`` (kept if they exist) and the services' accounts (reporting, assets, personnel, org).

        NOTE: the reporting account gets a new secret on every run: only its hash is stored, and
        the services are (re)started by this run anyway, with the new one in their environment.
        """
        made = json.loads(self.run_step(GATEWAY, "create-demo-users", "--province", province, "--json", capture=True))
        self.demo_users = [
            DemoUser(u["username"], u["role"], ", ".join(f"{k} {v}" for k, v in u["area"].items()) or "-", u["password"])
            for u in made
        ]
        # NOTE: assets and personnel read org-structure (holders, agencies, lineage) as their own
        # accounts, like reporting reads the others; org-structure reads personnel and assets to
        # check what a plan's items link to.
        accounts = (
            ("reporting", "HAICAP_REPORTING_"),
            ("assets", "HAICAP_ASSETS_"),
            ("personnel", "HAICAP_PERSONNEL_"),
            ("org-structure", "HAICAP_ORG_"),
        )
        for client_id, prefix in accounts:
            output = self.run_step(GATEWAY, "create-service-account", "--client-id", client_id, "--reset-if-exists", capture=True)
            values = dict(line.split("=", 1) for line in output.splitlines() if "=" in line)
            self.env[f"{prefix}CLIENT_ID"] = values["client_id"]
            self.env[f"{prefix}CLIENT_SECRET"] = values["client_secret"]

    def add_demo_staff(self, province: str, person_id: str) -> None:
        """The staff demo user of ``province`` (``demo<province>-staff``), the person ``person_id`` reading their own dossier.

        NOTE: a staff user names a person of personnel, so it comes after the demo's people:
        ``create-demo-users`` again, with the person; the users that exist keep theirs.
        """
        args = ("create-demo-users", "--province", province, "--staff-person", person_id, "--json")
        made = json.loads(self.run_step(GATEWAY, *args, capture=True))
        known = {u.username for u in self.demo_users}
        self.demo_users += [
            DemoUser(u["username"], u["role"], ", ".join(f"{k} {v}" for k, v in u["area"].items()) or "-", u["password"])
            for u in made
            if u["username"] not in known
        ]

    def demo_person(self, province: str) -> str | None:
        """A person of the loaded demo for the staff demo user: the first of the demo commune officer's commune, by id."""
        commune = next((u.area.split("commune ")[1].split(",")[0] for u in self.demo_users if u.role == "commune_officer"), None)
        gateway = self.url(GATEWAY.name)
        with httpx.Client(base_url=gateway, timeout=30.0, trust_env=False) as client:
            token = client.post(
                "/api/v1/auth/token",
                data={"grant_type": "password", "username": SCENARIO_LOADER, "password": self._loader_password or ""},
            )
            if token.status_code != 200:
                return None
            params = {"limit": "1", "province": province} | ({"commune": commune} if commune else {})
            people = client.get(
                "/api/v1/personnel/people", params=params, headers={"Authorization": f"Bearer {token.json()['access_token']}"}
            )
            items = people.json().get("items", []) if people.status_code == 200 else []
        return str(items[0]["id"]) if items else None

    def load_scenario(self, province: str, *, seed: int = 2025) -> dict[str, object]:
        """Load the demo scenario of ``province`` through the gateway (skipped if already loaded).

        It signs in as ``scenario-loader``, an admin whose password is made anew by this run.
        """
        password = secrets.token_urlsafe(24)
        self._loader_password = password
        self.run_step(
            GATEWAY, "create-admin", "--username", SCENARIO_LOADER, "--reset-if-exists", "--password-stdin", stdin=password
        )
        loader = Spec("scenario", "haicap-scenario", "HAICAP_SCENARIO_", 0)
        output = self.run_step(
            loader,
            "--gateway",
            self.url(GATEWAY.name),
            "--username",
            SCENARIO_LOADER,
            "--password-stdin",
            "--province",
            province,
            "--seed",
            str(seed),
            stdin=password,
            capture=True,
            timeout_seconds=1800.0,
        )
        summary: dict[str, object] = json.loads(output)
        return summary

    def start(self, *, replicas: Mapping[str, Sequence[int]] | None = None) -> None:
        """Start the services, then the gateway, each one ready before the next step, then the relays.

        ``replicas`` gives a service more processes on the same database, one per extra port
        (``{"org-structure": [8101]}`` starts ``org-structure-2`` on 8101); the gateway is
        given every replica of it, comma-separated.
        """
        extra = {name: list(ports) for name, ports in (replicas or {}).items()}
        unknown = set(extra) - {spec.name for spec in SERVICES}
        if unknown:
            raise StackError(f"no such service: {', '.join(sorted(unknown))}")
        for spec in SERVICES:
            self._spawn(spec)
            for number, port in enumerate(extra.get(spec.name, []), start=2):
                self.replica_ports[f"{spec.name}-{number}"] = port
                self._spawn(spec, name=f"{spec.name}-{number}", port=port)
        for name in list(self.processes):
            self.wait_ready(name)
        for spec in SERVICES:
            if extra.get(spec.name):
                assert spec.gateway_setting is not None
                urls = [self.url(spec.name), *(f"http://{HOST}:{port}" for port in extra[spec.name])]
                self.env[spec.gateway_setting] = ",".join(urls)
        self._spawn(GATEWAY)
        self.wait_ready(GATEWAY.name)
        for spec in (*SERVICES, GATEWAY):
            if spec.relay:
                self.start_relay(spec.name)
        if with_receiver(self.env):
            self.start_receiver()
        self.start_sync_worker()
        if with_one_stop_receiver(self.env):
            self.start_one_stop_receiver()
        for spec in ONE_STOP_SERVICES:
            self.start_one_stop_worker(spec)
        self.start_plan_reminders()

    def start_receiver(self) -> None:
        """Start the stand-in national receiver (the demo's national database) and wait until it answers."""
        argv = [str(self.bin_dir / "python"), "-m", "haicap_scenario.national_receiver", "--port", str(receiver_port(self.env))]
        # NOTE: ``--name=value``: a secret made per run may begin with "-", which argparse would take for an option.
        argv += ["--state-dir", str(self.var_dir / NATIONAL_RECEIVER), f"--client-id={RECEIVER_CLIENT_ID}"]
        argv += [f"--client-secret={self.env.get('HAICAP_PERSONNEL_SYNC_CLIENT_SECRET', '')}"]
        self._spawn_argv(NATIONAL_RECEIVER, argv)
        self.wait_ready(NATIONAL_RECEIVER, path="/healthz")

    def start_one_stop_receiver(self) -> None:
        """Start the stand-in one-stop receiver (the demo's provincial procedure system) and wait until it answers."""
        argv = [str(self.bin_dir / "python"), "-m", "haicap_scenario.one_stop_receiver", "--port", str(one_stop_port(self.env))]
        argv += [f"--username={ONE_STOP_USERNAME}", f"--password={self.env.get('HAICAP_ONE_STOP_PASSWORD', '')}"]
        self._spawn_argv(ONE_STOP_RECEIVER, argv)
        self.wait_ready(ONE_STOP_RECEIVER, path="/healthz")

    def start_one_stop_worker(self, spec: Spec) -> None:
        """Start the procedure dossiers' push worker of ``spec`` (``<name>-one-stop``); no port, it works the database."""
        self._spawn(spec, name=f"{spec.name}{ONE_STOP_WORKER_SUFFIX}", command="one-stop")

    def start_plan_reminders(self) -> None:
        """Start org-structure's plan reminders (``org-structure-plan-reminders``); no port, it works the database."""
        self._spawn(SERVICES[0], name=PLAN_REMINDERS, command="plan-reminders")

    def start_sync_worker(self) -> None:
        """Start personnel's national sync worker (``personnel-sync``); it has no port, it works the database."""
        self._spawn(SERVICES[1], name=SYNC_WORKER, command="sync")

    def start_relay(self, name: str) -> None:
        """Start the change feed's relay of ``name`` (``<name>-relay``); it has no port, it works the database."""
        spec = next(s for s in (*SERVICES, GATEWAY) if s.name == name)
        self._spawn(spec, name=f"{spec.name}{RELAY_SUFFIX}", command="relay")

    def restart(self, name: str) -> None:
        """Start a stopped service again (same port, same environment) and wait until it is ready (a relay: started)."""
        if name.endswith(RELAY_SUFFIX):
            self.start_relay(name.removesuffix(RELAY_SUFFIX))
            return
        if name == SYNC_WORKER:
            self.start_sync_worker()
            return
        if name == PLAN_REMINDERS:
            self.start_plan_reminders()
            return
        if name == NATIONAL_RECEIVER:
            self.start_receiver()
            return
        if name == ONE_STOP_RECEIVER:
            self.start_one_stop_receiver()
            return
        if name.endswith(ONE_STOP_WORKER_SUFFIX):
            self.start_one_stop_worker(next(s for s in ONE_STOP_SERVICES if s.name == name.removesuffix(ONE_STOP_WORKER_SUFFIX)))
            return
        spec = next(s for s in (*SERVICES, GATEWAY) if s.name == name)
        self._spawn(spec)
        self.wait_ready(name)

    def _spawn(self, spec: Spec, *, name: str | None = None, port: int | None = None, command: str = "serve") -> None:
        name = name or spec.name
        argv = self._command(spec, command)
        env = self.env if port is None else {**self.env, f"{spec.env_prefix}PORT": str(port)}
        self._spawn_argv(name, argv, env)

    def _spawn_argv(self, name: str, argv: list[str], env: Mapping[str, str] | None = None) -> None:
        env = self.env if env is None else env
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path(name).open("ab")
        self._logs[name] = log
        # NOTE: a session of its own, so Ctrl-C reaches only this runner, which then stops
        # the children in order instead of all of them racing to exit at once. A stop signal
        # arriving meanwhile waits until the child is registered (``_spawning``): raised inside
        # ``Popen``, after the fork, it left a child that nothing stopped.
        with _spawning():
            self.processes[name] = subprocess.Popen(  # noqa: S603 - our own console scripts, no shell
                argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self, name: str, *, path: str = "/readyz") -> None:
        """Poll ``path`` (``/readyz``) until it answers 200; fail fast if the process exits, or after the startup timeout."""
        process = self.processes[name]
        url = f"{self.url(name)}{path}"
        deadline = time.monotonic() + self.startup_timeout_seconds
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while True:
                code = process.poll()
                if code is not None:
                    raise self.failure(name, f"exited with code {code} while starting")
                try:
                    if client.get(url).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise self.failure(name, f"not ready at {url} within {self.startup_timeout_seconds:.0f} s")
                time.sleep(0.2)

    def stop(self, name: str, *, timeout_seconds: float = 10.0) -> None:
        """Stop one process: SIGTERM (uvicorn finishes in-flight requests), SIGKILL if it lingers."""
        self._stop_together([name], timeout_seconds)

    def stop_all(self) -> None:
        """Stop the relays and workers first, then the gateway, then the services, even if some already exited.

        NOTE: each group at once (SIGTERM to all of it, then the waits): one by one, a stack's 15
        processes took a second or so each to stop, a minute for the test suite's stacks.
        """
        names = list(self.processes)
        if GATEWAY.name not in names:
            self._stop_together(names)
            return
        gateway = names.index(GATEWAY.name)
        for group in (names[gateway + 1 :], [GATEWAY.name], names[:gateway]):
            self._stop_together(group)

    def _stop_together(self, names: Sequence[str], timeout_seconds: float = 10.0) -> None:
        """SIGTERM to each of ``names`` still running, then wait for them all; SIGKILL to any still there after the timeout."""
        processes = [process for process in (self.processes.pop(name, None) for name in names) if process is not None]
        running = [process for process in processes if process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + timeout_seconds
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout_seconds)
        for name in names:
            log = self._logs.pop(name, None)
            if log is not None:
                log.close()

    def watch(self, poll_seconds: float = 0.5) -> None:
        """Block while every process runs; raise when one exits on its own.

        The stand-in national and one-stop receivers are the outside world's, not the stack's: when
        one stops (an operator trying an outage), the stack goes on, its worker keeps the work
        queued, and the way to start it again is printed.
        """
        noticed: set[int] = set()
        while True:
            for name, process in self.processes.items():
                code = process.poll()
                if code is None:
                    continue
                if name not in OUTSIDE_WORLD:
                    raise self.failure(name, f"exited with code {code}")
                if process.pid not in noticed:
                    noticed.add(process.pid)
                    waiting = "the national sync keeps the changes" if name == NATIONAL_RECEIVER else "the push keeps the steps"
                    print(
                        f"{name} stopped (code {code}); {waiting} queued "
                        f"and sends them when it is back: {shlex.join(map(str, process.args))}",
                        flush=True,
                    )
            time.sleep(poll_seconds)

    def table(self) -> str:
        """Where everything is, for people."""
        gateway = self.url(GATEWAY.name)
        rows = [("service", "URL", "docs", "through the gateway")]
        rows.append((GATEWAY.name, gateway, f"{gateway}/docs", f"{gateway}/readyz"))
        for spec in SERVICES:
            url = self.url(spec.name)
            rows.append((spec.name, url, f"{url}/docs", f"{gateway}/api/v1/{spec.gateway_prefix}/"))
        lines = _columns(rows)
        relays = [name for name in self.processes if name.endswith(RELAY_SUFFIX)]
        if relays:
            lines += ["", f"relays (webhooks, NATS when HAICAP_EVENTS_NATS_URL is set): {', '.join(relays)}"]
        if SYNC_WORKER in self.processes:
            adapter = self.env.get("HAICAP_PERSONNEL_SYNC_ADAPTER", "file")
            lines += [f"national sync: {SYNC_WORKER} ({adapter})"]
        if NATIONAL_RECEIVER in self.processes:
            receiver = self.url(NATIONAL_RECEIVER)
            lines += [
                f"stand-in national receiver: {receiver} (what it holds: {receiver}/export; "
                f'an outage: POST {receiver}/control/outage {{"down": true}})'
            ]
        pushers = [name for name in self.processes if name.endswith(ONE_STOP_WORKER_SUFFIX)]
        if pushers:
            adapter = self.env.get("HAICAP_ONE_STOP_ADAPTER", "file")
            lines += [f"procedure dossiers' push to the one-stop system: {', '.join(pushers)} ({adapter})"]
        if PLAN_REMINDERS in self.processes:
            lines += [f"plans' reminders and escalations: {PLAN_REMINDERS}"]
        if ONE_STOP_RECEIVER in self.processes:
            receiver = self.url(ONE_STOP_RECEIVER)
            lines += [
                f"stand-in one-stop receiver: {receiver} (a dossier's updates: {receiver}/control/dossiers/<MaHoSo>; "
                f'an outage: POST {receiver}/control/outage {{"down": true}})'
            ]
        if self.demo_users:
            users = [("user", "role", "area", "password")]
            users += [(u.username, u.role, u.area, u.password or "(unchanged since it was created)") for u in self.demo_users]
            lines += ["", f"sign in at {gateway}/docs (Authorize) or POST {gateway}/api/v1/auth/token:", *_columns(users)]
            if any(u.password for u in self.demo_users):
                lines.append("passwords are shown this once; users that already existed keep theirs.")
        return "\n".join([*lines, "", f"logs: {self.log_dir}/<service>.log; Ctrl-C stops everything."])


def _columns(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def _ignore_stop_signals() -> None:
    """From now on SIGTERM and SIGINT are ignored by the runner: its shutdown has begun.

    NOTE: ``make run`` stopped by a signal to its process group delivers it twice (to make,
    which forwards it, and to this runner), and people press Ctrl-C twice: a second
    KeyboardInterrupt raised inside ``stop_all`` would leave the services running, holding
    their ports. Ignored by the operating system (SIG_IGN), not by a Python handler, because
    the interpreter puts the default action back for its own handlers as it exits: a late
    signal would then kill the runner after it had stopped everything, with status -15.
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Spawn:
    """Whether a child is being started, and whether a stop signal came meanwhile (it is raised once it is registered)."""

    active = False
    stop_pending = False


@contextmanager
def _spawning() -> Iterator[None]:
    _Spawn.active = True
    try:
        yield
    finally:
        _Spawn.active = False
    if _Spawn.stop_pending:
        raise KeyboardInterrupt


def _stop_once(_signum: int, _frame: FrameType | None) -> None:
    """SIGTERM and SIGINT: the first starts the shutdown (once a child being started is registered); later ones are ignored."""
    _ignore_stop_signals()
    if _Spawn.active:
        _Spawn.stop_pending = True
        return
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_stack", description="Run the haicap services and gateway on this machine")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--province", default="04", help="province to import into org-structure (default 04, Cao Bằng)")
    scope.add_argument(
        "--all", action="store_true", default=os.environ.get("HAICAP_IMPORT_ALL") == "1", help="import the whole country"
    )
    parser.add_argument("--startup-timeout", type=float, default=60.0, help="seconds each process has to become ready")
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var", help="databases and logs (default var/)")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, _stop_once)
    signal.signal(signal.SIGINT, _stop_once)
    with Stack(os.environ, args.var_dir.resolve(), startup_timeout_seconds=args.startup_timeout) as stack:
        try:
            print("migrating and importing units...", flush=True)
            stack.prepare(province=None if args.all else args.province)
            print("starting services...", flush=True)
            stack.start()
            if os.environ.get("HAICAP_SCENARIO", "1") != "0":
                print("loading the demo scenario through the gateway (once; HAICAP_SCENARIO=0 skips it)...", flush=True)
                demo_province = args.province if not args.all else "04"
                summary = stack.load_scenario(demo_province)
                print(json.dumps(summary, ensure_ascii=False), flush=True)
                # NOTE: the staff demo user names one of the demo's people: made after they are loaded.
                if (person_id := stack.demo_person(demo_province)) is not None:
                    stack.add_demo_staff(demo_province, person_id)
            print(stack.table(), flush=True)
            stack.watch()
        except KeyboardInterrupt:
            print("\nstopping...", flush=True)
        except StackError as exc:
            print(f"run_stack: {exc}", file=sys.stderr)
            return 1
        finally:
            # NOTE: from here on the processes are being stopped (Stack.__exit__): a signal now
            # must not cut that short. Nothing is started after this point, so no child
            # inherits the ignored signals.
            _ignore_stop_signals()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
