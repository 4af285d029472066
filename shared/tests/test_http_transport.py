"""The services' client on aiohttp's pool: what goes out and comes back is what httpx would send and give.

Each test talks to a real HTTP/1.1 server on loopback, written here on asyncio's streams, so
that what reaches the wire is what is checked.
"""

import asyncio
import gzip
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from haicap_shared.errors import UpstreamTimeout, UpstreamUnavailable
from haicap_shared.http import ServiceClient, new_http_client
from haicap_shared.testing import closed_port_url


@dataclass
class Upstream:
    """What the server saw: each request's head and body, and how many connections were opened."""

    url: str
    connections: int = 0
    requests: list[tuple[bytes, list[tuple[bytes, bytes]], bytes]] = field(default_factory=list)


async def _read_body(reader: asyncio.StreamReader, headers: dict[bytes, bytes]) -> bytes:
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        return body
    return await reader.readexactly(int(headers.get(b"content-length", b"0")))


def _answer(status: int, body: bytes, *extra: bytes) -> bytes:
    head = [b"HTTP/1.1 %d X" % status, b"content-length: %d" % len(body), *extra]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    """``/echo`` answers the request as JSON; ``/cookie`` sets a cookie; ``/gzip`` a gzipped body;
    ``/hang`` never answers; ``/cut`` sends half a body."""
    seen = Upstream("")

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        try:
            while True:
                request_line, *lines = (await reader.readuntil(b"\r\n\r\n")).rstrip(b"\r\n").split(b"\r\n")
                pairs = [(name.strip(), value.strip()) for name, _, value in (line.partition(b":") for line in lines)]
                body = await _read_body(reader, {name.lower(): value for name, value in pairs})
                seen.requests.append((request_line, pairs, body))
                target = request_line.split(b" ")[1]
                if target.startswith(b"/hang"):
                    await asyncio.sleep(30)
                elif target.startswith(b"/cut"):
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n" + b"x" * 10)
                    await writer.drain()
                    return
                elif target.startswith(b"/cookie"):
                    writer.write(_answer(200, b"{}", b"set-cookie: session=of-another-caller; Path=/"))
                elif target.startswith(b"/gzip"):
                    writer.write(_answer(200, gzip.compress(b'{"packed": true}'), b"content-encoding: gzip"))
                else:
                    echoed = {
                        "line": request_line.decode("latin-1"),
                        "headers": [[n.decode("latin-1"), v.decode("latin-1")] for n, v in pairs],
                        "body": body.decode("latin-1"),
                    }
                    writer.write(_answer(200, json.dumps(echoed).encode(), b"x-twice: 1", b"x-twice: 2"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    seen.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        yield seen


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with new_http_client(1.0) as client:
        yield client


def _header(echoed: dict[str, Any], name: str) -> list[str]:
    return [value for key, value in echoed["headers"] if key.lower() == name]


async def test_a_request_goes_out_as_httpx_built_it(http: httpx.AsyncClient, upstream: Upstream) -> None:
    response = await http.post(
        f"{upstream.url}/echo/a%2Fb",
        params={"as_of": "2026-04-15", "q": "Cao Bằng & co"},
        json={"tên": "Hà Giang"},
        headers={"Authorization": "Bearer t-1", "X-Request-ID": "rid-1"},
    )
    echoed = response.json()
    assert response.status_code == 200
    # NOTE: the escaped slash stays escaped; the query is httpx's encoding
    assert echoed["line"] == "POST /echo/a%2Fb?as_of=2026-04-15&q=Cao+B%E1%BA%B1ng+%26+co HTTP/1.1"
    assert json.loads(echoed["body"].encode("latin-1")) == {"tên": "Hà Giang"}
    assert _header(echoed, "authorization") == ["Bearer t-1"]
    assert _header(echoed, "x-request-id") == ["rid-1"]
    assert _header(echoed, "content-type") == ["application/json"]
    # NOTE: one of each: aiohttp adds none of its own beside httpx's
    assert len(_header(echoed, "user-agent")) == 1
    assert len(_header(echoed, "accept-encoding")) == 1
    assert response.headers.get_list("x-twice") == ["1", "2"]


async def test_a_cookie_an_upstream_sets_never_goes_with_a_later_call(http: httpx.AsyncClient, upstream: Upstream) -> None:
    # NOTE: the process's one client carries every caller's calls: a cookie kept would travel
    # with the next user's call to that service.
    assert (await http.get(f"{upstream.url}/cookie")).status_code == 200
    echoed = (await http.get(f"{upstream.url}/echo")).json()
    assert _header(echoed, "cookie") == []
    assert not http.cookies


async def test_a_header_of_utf8_bytes_is_sent_byte_for_byte(http: httpx.AsyncClient, upstream: Upstream) -> None:
    await http.get(f"{upstream.url}/echo", headers={b"X-Name": "Bắc Kạn".encode()})
    _, pairs, _ = upstream.requests[-1]
    assert (b"x-name", "Bắc Kạn".encode()) in [(name.lower(), value) for name, value in pairs]


async def test_a_streamed_body_arrives_whole(http: httpx.AsyncClient, upstream: Upstream) -> None:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b"first,", b"second,", b"third"):
            yield part

    response = await http.post(f"{upstream.url}/echo", content=parts())
    assert response.json()["body"] == "first,second,third"


async def test_a_gzipped_answer_is_decoded_once(http: httpx.AsyncClient, upstream: Upstream) -> None:
    response = await http.get(f"{upstream.url}/gzip")
    assert response.json() == {"packed": True}


async def test_calls_one_after_another_share_one_connection(http: httpx.AsyncClient, upstream: Upstream) -> None:
    for _ in range(5):
        assert (await http.get(f"{upstream.url}/echo")).status_code == 200
    assert upstream.connections == 1


async def test_calls_at_once_each_get_an_answer(http: httpx.AsyncClient, upstream: Upstream) -> None:
    responses = await asyncio.gather(*(http.get(f"{upstream.url}/echo", params={"n": n}) for n in range(21)))
    lines = sorted(r.json()["line"] for r in responses)
    assert lines == sorted(f"GET /echo?n={n} HTTP/1.1" for n in range(21))


async def test_a_refused_connection_is_a_connect_error_and_a_503(http: httpx.AsyncClient) -> None:
    url = closed_port_url()
    with pytest.raises(httpx.ConnectError):
        await http.get(f"{url}/echo")
    with pytest.raises(UpstreamUnavailable) as raised:
        await ServiceClient("personnel", url, http, retries=0).get_json("/echo")
    assert raised.value.status == 503


@pytest.mark.parametrize(
    ("path", "error", "problem", "status"),
    [("/hang", httpx.ReadTimeout, UpstreamTimeout, 504), ("/cut", httpx.RemoteProtocolError, UpstreamUnavailable, 503)],
    ids=["no answer in time", "a body cut short"],
)
async def test_an_answer_that_fails_is_httpx_s_error_and_a_problem(
    http: httpx.AsyncClient, upstream: Upstream, path: str, error: type[Exception], problem: type[Exception], status: int
) -> None:
    with pytest.raises(error):
        await http.get(f"{upstream.url}{path}")
    with pytest.raises(problem) as raised:
        await ServiceClient("personnel", upstream.url, http, retries=0).get_json(path)
    assert getattr(raised.value, "status", None) == status


async def test_the_client_works_again_after_a_failure(http: httpx.AsyncClient, upstream: Upstream) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        await http.get(f"{upstream.url}/cut")
    assert (await http.get(f"{upstream.url}/echo")).status_code == 200
