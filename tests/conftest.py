"""The real stack, started once per module on free loopback ports with SQLite in a temporary folder."""

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from run_stack import GATEWAY, SERVICES, Stack


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports nothing listens on now (held together so none repeats)."""
    with ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Migrated, Cao Bằng imported, every service and the gateway ready; all stopped at the end."""
    # NOTE: no HAICAP_* from the caller's environment: a DATABASE_URL or port set there must
    # not send these processes to a real database or a fixed port.
    env = {key: value for key, value in os.environ.items() if not key.startswith("HAICAP_")}
    for spec, port in zip((*SERVICES, GATEWAY), free_ports(len(SERVICES) + 1), strict=True):
        env[f"{spec.env_prefix}PORT"] = str(port)
    with Stack(env, tmp_path_factory.mktemp("stack"), startup_timeout_seconds=60) as running:
        running.prepare(province="04")
        running.start()
        yield running
