"""Stopping ``make run`` with signals: however many arrive, every process stops and every port is freed.

``make run`` stopped by SIGTERM to its process group (a supervisor, ``timeout``, ``kill --
-PGID``) delivers the signal twice to tools/run_stack.py (make forwards its own); a double
Ctrl-C does the same with SIGINT. The second one used to interrupt the shutdown half-way,
leaving the services running without a parent, holding their ports.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .stack_support import (
    GATEWAY,
    ONE_STOP_PORT_SETTING,
    ONE_STOP_SERVICES,
    RECEIVER_PORT_SETTING,
    SERVICES,
    isolated_env,
    run_stack,
)

pytestmark = pytest.mark.processes

RUN_STACK = Path(__file__).resolve().parent.parent / "tools" / "run_stack.py"


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _port_free(port: int) -> bool:
    # NOTE: SO_REUSEADDR, as uvicorn binds: a connection the server closed first stays in
    # TIME_WAIT on the server's port for a minute, which blocks a plain bind but not the next
    # ``make run``; only a socket still listening does.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_repeated_signals_to_the_group_stop_every_process_and_free_every_port(tmp_path: Path) -> None:
    # NOTE: SIGTERM; SIGINT (Ctrl-C) goes through the same handler in the runner.
    signum = signal.SIGTERM
    env = isolated_env({"HAICAP_SCENARIO": "0"})
    # NOTE: the stand-in national and one-stop receivers have a port too; the workers have none.
    ports = [int(env[f"{spec.env_prefix}PORT"]) for spec in (*SERVICES, GATEWAY)]
    ports += [int(env[RECEIVER_PORT_SETTING]), int(env[ONE_STOP_PORT_SETTING])]
    log = (tmp_path / "run_stack.log").open("wb")
    runner = subprocess.Popen(
        [sys.executable, str(RUN_STACK), "--var-dir", str(tmp_path / "var")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    children: set[int] = set()
    try:
        gateway = f"http://127.0.0.1:{env['HAICAP_GATEWAY_PORT']}"
        deadline = time.monotonic() + 240
        with httpx.Client(timeout=2, trust_env=False) as client:
            while True:
                assert runner.poll() is None, (tmp_path / "run_stack.log").read_text()
                assert time.monotonic() < deadline, "the stack did not start"
                try:
                    if client.get(f"{gateway}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
        # NOTE: each process with a port, and those without one, started once the gateway is
        # ready: the relay of each one that publishes its changes, the national sync worker, the
        # one-stop push workers and the plan reminders.
        relays = sum(1 for spec in (*SERVICES, GATEWAY) if spec.relay)
        workers = relays + 1 + len(ONE_STOP_SERVICES) + 1
        while len(children := _children(runner.pid)) < len(ports) + workers and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(children) == len(ports) + workers
        # NOTE: one signal, then more while the runner is stopping its processes, as make
        # forwarding it (or a second Ctrl-C) would deliver them.
        for _ in range(8):
            os.killpg(runner.pid, signum)
            time.sleep(0.15)
        assert runner.wait(timeout=90) == 0, (tmp_path / "run_stack.log").read_text()
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in children if _alive(pid)] == []
        assert [port for port in ports if not _port_free(port)] == []
    finally:
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if runner.poll() is None:
            runner.kill()
            runner.wait()
        log.close()


def test_a_stop_signal_while_a_child_is_started_waits_until_it_is_registered() -> None:
    """A signal that lands inside ``Popen`` (after the fork) must not leave a child nothing stops."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, run_stack._stop_once)
    registered: list[bool] = []

    def spawn_with_a_signal_inside() -> None:
        with run_stack._spawning():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)  # NOTE: the handler runs here, in the middle of the "spawn"
            registered.append(True)

    try:
        with pytest.raises(KeyboardInterrupt):
            spawn_with_a_signal_inside()
        assert registered == [True]
        # NOTE: the shutdown has begun: a second signal is ignored, as make forwarding it would deliver.
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        run_stack._Spawn.stop_pending = False
        for signum, handler in saved.items():
            signal.signal(signum, handler)
