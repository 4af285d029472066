"""Security findings of issue 12, checked through real processes (a gateway in front of the tiny upstream).

- A caller that rotates ``X-Forwarded-For`` is still one address to the per-address sign-in
  limit: forwarded headers are trusted only from configured proxies (none by default).
- A request with both ``Content-Length`` and ``Transfer-Encoding: chunked`` is refused at once
  (400 ``ambiguous_body_length``) instead of hanging the service until the gateway's 504, and
  the connection is closed, so a request smuggled after it is never read. Issue 19: alike with
  either HTTP parser ``serve`` offers (httptools, the default, and h11), as is the answer to a
  request neither can read (400 ``malformed_request``).
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from haicap_shared.http_parsers import HTTP_PROTOCOLS, MalformedRequest
from haicap_shared.request_limits import AmbiguousBodyLength

from .stack_support import free_ports
from .test_gateway_processes import wait_until_up

pytestmark = pytest.mark.processes

BIN = Path(sys.executable).parent
MAX_FAILURES_PER_ADDRESS = 3
PARSERS = sorted(HTTP_PROTOCOLS)
ECHO_PATH = "/api/v1/org/echo/x"


@contextmanager
def _gateway(var: Path, *serve: str, **settings: str) -> Iterator[str]:
    """A migrated gateway (``serve`` with the options ``serve``) in front of the tiny upstream, with a low per-address limit.

    The tiny upstream stands for org-structure.
    """
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
            processes.append(subprocess.Popen([cli, "serve", *serve], env=env, stdout=out, stderr=subprocess.STDOUT))
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


@pytest.fixture(scope="module")
def gateways(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A gateway on each HTTP parser ``serve`` offers."""
    with ExitStack() as stack:
        yield {p: stack.enter_context(_gateway(tmp_path_factory.mktemp(p), "--http", p)) for p in PARSERS}


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


def _exchange(url: str, request: bytes) -> bytes:
    """Everything the server sends on one connection for ``request`` until it closes it (a timeout if it keeps it 5 s)."""
    host, port = url.removeprefix("http://").split(":")
    answer = b""
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request.replace(b"{host}", host.encode()))
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


AMBIGUOUS = (
    f"POST {ECHO_PATH} HTTP/1.1\r\n".encode() + b"Host: {host}\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: 100\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"\r\n"
    b"2\r\n{}\r\n0\r\n\r\n"
)
# NOTE: a request a proxy that framed the one before by its Content-Length would never see.
SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n"


def _problem(answer: bytes) -> tuple[bytes, bytes]:
    """The head and body of the one response in ``answer``, checked to be a 400 problem."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines)
    assert status.startswith("HTTP/1.1 400 "), head
    assert headers["content-type"] == "application/problem+json"
    # NOTE: nothing after it: whatever followed the request got no answer.
    assert len(body) == int(headers["content-length"]), answer
    return head, body


@pytest.mark.parametrize("parser", PARSERS)
def test_content_length_with_a_chunked_body_is_refused_at_once_and_the_connection_closed(
    gateways: dict[str, str], parser: str
) -> None:
    started = time.monotonic()
    _, body = _problem(_exchange(gateways[parser], AMBIGUOUS + SMUGGLED))
    assert time.monotonic() - started < 5
    assert json.loads(body) == AmbiguousBodyLength().problem(ECHO_PATH)


def test_either_parser_answers_a_body_of_ambiguous_length_with_the_same_problem(gateways: dict[str, str]) -> None:
    bodies = {parser: _problem(_exchange(url, AMBIGUOUS))[1] for parser, url in gateways.items()}
    assert bodies["httptools"] == bodies["h11"], bodies


@pytest.mark.parametrize("parser", PARSERS)
def test_a_request_the_parser_cannot_read_is_a_problem(gateways: dict[str, str], parser: str) -> None:
    head, body = _problem(_exchange(gateways[parser], b"GET /healthz HTTP/1.1\r\nHost: {host}\r\nBad Header: x\r\n\r\n"))
    assert json.loads(body) == MalformedRequest().problem()
    assert b"x-content-type-options: nosniff" in head.lower()


@pytest.mark.parametrize("parser", PARSERS)
def test_plain_requests_are_served_on_one_connection(gateways: dict[str, str], parser: str) -> None:
    sized = b'{"name": "x"}'
    with httpx.Client(base_url=gateways[parser], timeout=10, trust_env=False) as client:
        assert client.get("/healthz").status_code == 200
        declared = client.post(ECHO_PATH, content=sized, headers={"content-type": "application/json"})
        streamed = client.post(ECHO_PATH, content=iter([sized[:5], sized[5:]]), headers={"content-type": "application/json"})
    for response, framing in ((declared, "content-length"), (streamed, "transfer-encoding")):
        assert response.status_code == 200, response.text
        echoed = response.json()
        assert echoed["body_size"] == len(sized)
        assert framing in {name for name, _ in echoed["headers"]}
