"""Security findings of issue 12, checked through real processes (a gateway in front of the tiny upstream).

- A caller that rotates ``X-Forwarded-For`` is still one address to the per-address sign-in
  limit: forwarded headers are trusted only from configured proxies (none by default).
- A request with both ``Content-Length`` and ``Transfer-Encoding: chunked`` is refused at once
  (400 ``ambiguous_body_length``) instead of hanging the service until the gateway's 504.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from .stack_support import free_ports
from .test_gateway_processes import wait_until_up

pytestmark = pytest.mark.processes

BIN = Path(sys.executable).parent
MAX_FAILURES_PER_ADDRESS = 3


@contextmanager
def _gateway(var: Path, **settings: str) -> Iterator[str]:
    """A migrated gateway process in front of the tiny upstream (as org-structure), with a low per-address limit."""
    port, upstream_port = free_ports(2)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAICAP_") and k != "FORWARDED_ALLOW_IPS"}
    env |= {
        "HAICAP_GATEWAY_PORT": str(port),
        "HAICAP_GATEWAY_VAR_DIR": str(var),
        "HAICAP_GATEWAY_ORG_URL": f"http://127.0.0.1:{upstream_port}",
        "HAICAP_GATEWAY_SIGN_IN_MAX_FAILURES_PER_ADDRESS": str(MAX_FAILURES_PER_ADDRESS),
        "HAICAP_GATEWAY_WRITE_TIMEOUT_SECONDS": "30",
        **settings,
    }
    log = var / "processes.log"
    cli = str(BIN / "haicap-gateway")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with log.open("ab") as out:
            subprocess.run([cli, "migrate"], env=env, stdout=out, stderr=subprocess.STDOUT, check=True, timeout=60)
            echo = [sys.executable, "-m", "haicap_gateway.echo", "--port", str(upstream_port)]
            processes.append(subprocess.Popen(echo, stdout=out, stderr=subprocess.STDOUT))
            processes.append(subprocess.Popen([cli, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT))
        wait_until_up(f"http://127.0.0.1:{upstream_port}", processes[0], log)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, processes[1], log)
        yield url
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The gateway as deployed by default: it trusts no proxy."""
    with _gateway(tmp_path_factory.mktemp("security")) as url:
        yield url


def _spray(gateway: str) -> list[int]:
    """Failed sign-ins for ever new usernames, each claiming another address in X-Forwarded-For."""
    statuses = []
    with httpx.Client(base_url=gateway, timeout=10, trust_env=False) as client:
        for number in range(MAX_FAILURES_PER_ADDRESS + 2):
            response = client.post(
                "/api/v1/auth/token",
                data={"grant_type": "password", "username": f"sprayed-{number}", "password": "wrong-password-1"},
                headers={"X-Forwarded-For": f"203.0.113.{number + 1}"},
            )
            statuses.append(response.status_code)
    return statuses


def test_rotating_x_forwarded_for_does_not_defeat_the_per_address_sign_in_limit(gateway: str) -> None:
    assert _spray(gateway) == [401] * MAX_FAILURES_PER_ADDRESS + [429, 429]


def test_x_forwarded_for_counts_when_it_comes_from_a_configured_proxy(tmp_path: Path) -> None:
    # NOTE: here the test itself is the proxy (127.0.0.1): each forwarded address counts on its own.
    with _gateway(tmp_path, HAICAP_GATEWAY_FORWARDED_ALLOW_IPS="127.0.0.1") as url:
        assert _spray(url) == [401] * (MAX_FAILURES_PER_ADDRESS + 2)


def test_content_length_with_a_chunked_body_is_refused_at_once(gateway: str) -> None:
    host, port = gateway.removeprefix("http://").split(":")
    request = (
        b"POST /api/v1/org/echo/x HTTP/1.1\r\n"
        b"Host: " + host.encode() + b"\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: 100\r\n"
        b"Transfer-Encoding: chunked\r\n"
        b"Connection: close\r\n"
        b"\r\n"
        b"2\r\n{}\r\n0\r\n\r\n"
    )
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert time.monotonic() - started < 5
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), head
    assert b"application/problem+json" in head
    assert b'"code":"ambiguous_body_length"' in body.replace(b" ", b"")
