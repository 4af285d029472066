"""What the real-process tests share: free loopback ports, a fresh stack, signing in.

tools/run_stack.py is a script, not a package; its :class:`Stack` (the runner behind
``make run``) is what these tests drive, so the tools folder is put on the import path here,
once.
"""

import os
import socket
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from run_stack import GATEWAY, SERVICES, Stack

__all__ = ["GATEWAY", "SERVICES", "Stack", "free_ports", "fresh_stack", "isolated_env", "sign_in"]


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports nothing listens on now (held together so none repeats)."""
    with ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def isolated_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without any HAICAP_* setting, every process on a free port."""
    # NOTE: a DATABASE_URL or port set by the caller must not send the test's processes to a
    # real database or a fixed port.
    env = {key: value for key, value in os.environ.items() if not key.startswith("HAICAP_")}
    for spec, port in zip((*SERVICES, GATEWAY), free_ports(len(SERVICES) + 1), strict=True):
        env[f"{spec.env_prefix}PORT"] = str(port)
    return env | dict(extra or {})


@contextmanager
def fresh_stack(var_dir: Path, *, province: str = "04") -> Iterator[Stack]:
    """Migrated, the province imported, accounts made, every service and the gateway ready; all stopped after."""
    with Stack(isolated_env(), var_dir, startup_timeout_seconds=60) as running:
        running.prepare(province=province)
        running.start()
        yield running


def sign_in(client: httpx.Client, stack: Stack, role: str) -> dict[str, str]:
    """Sign in through the gateway as the demo user of ``role``; the Authorization header."""
    user = next(u for u in stack.demo_users if u.role == role)
    assert user.password, "a fresh stack creates every demo user, with a password"
    response = client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": user.username, "password": user.password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


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
