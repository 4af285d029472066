"""The service-to-service client: retries for safe methods only, failures as problems."""

import asyncio
import sys
from collections import Counter
from collections.abc import AsyncIterator
from importlib.machinery import ModuleSpec

import httpx
import pytest
import respx

from haicap_shared.errors import UpstreamTimeout, UpstreamUnavailable
from haicap_shared.http import ClientCredentials, ServiceClient, UpstreamError, new_http_client
from haicap_shared.logs import request_id_var
from haicap_shared.settings import ServiceSettings
from haicap_shared.testing import UPSTREAMS, closed_port_url


@pytest.fixture
async def http() -> httpx.AsyncClient:
    async with new_http_client(2.0) as client:
        yield client


@respx.mock(using=UPSTREAMS)
async def test_safe_requests_are_retried_and_carry_the_request_id(http: httpx.AsyncClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("http://org/units").mock(
        side_effect=[httpx.Response(503), httpx.ConnectError("boom"), httpx.Response(200, json={"ok": 1})]
    )
    client = ServiceClient("org-structure", "http://org", http, retries=2, backoff_seconds=0)
    token = request_id_var.set("rid-7")
    try:
        assert await client.get_json("/units") == {"ok": 1}
    finally:
        request_id_var.reset(token)
    assert route.call_count == 3
    assert route.calls.last.request.headers["x-request-id"] == "rid-7"


@respx.mock(using=UPSTREAMS)
async def test_a_post_is_never_retried(http: httpx.AsyncClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post("http://org/units").mock(side_effect=httpx.ConnectError("boom"))
    client = ServiceClient("org-structure", "http://org", http, retries=3, backoff_seconds=0)
    with pytest.raises(UpstreamUnavailable) as raised:
        await client.request("POST", "/units", json={})
    assert route.call_count == 1
    assert raised.value.problem()["service"] == "org-structure"
    assert raised.value.status == 503


@respx.mock(using=UPSTREAMS)
async def test_timeouts_become_504(http: httpx.AsyncClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("http://org/slow").mock(side_effect=httpx.ReadTimeout("slow"))
    client = ServiceClient("org-structure", "http://org", http, retries=1, backoff_seconds=0)
    with pytest.raises(UpstreamTimeout) as raised:
        await client.get_json("/slow")
    assert raised.value.status == 504
    assert raised.value.code == "upstream_timeout"


@respx.mock(using=UPSTREAMS)
async def test_an_upstream_problem_keeps_its_status_and_code(http: httpx.AsyncClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("http://org/units/x").mock(
        return_value=httpx.Response(404, json={"title": "No such unit", "status": 404, "code": "unit_not_found"})
    )
    client = ServiceClient("org-structure", "http://org", http)
    with pytest.raises(UpstreamError) as raised:
        await client.get_json("/units/x")
    assert (raised.value.status, raised.value.code) == (404, "unit_not_found")


async def test_a_service_that_is_down(http: httpx.AsyncClient) -> None:
    client = ServiceClient("personnel", closed_port_url(), http, retries=1, backoff_seconds=0)
    with pytest.raises(UpstreamUnavailable):
        await client.get_json("/healthz")
    assert await client.is_ready() is False


@respx.mock(using=UPSTREAMS)
async def test_client_credentials_fetch_a_token_once_and_attach_it(http: httpx.AsyncClient, respx_mock: respx.MockRouter) -> None:
    token_route = respx_mock.post("http://gateway/api/v1/auth/token").mock(
        side_effect=[
            httpx.Response(200, json={"access_token": "t-1", "token_type": "bearer", "expires_in": 600}),
            httpx.Response(200, json={"access_token": "t-2", "token_type": "bearer", "expires_in": 600}),
        ]
    )
    units = respx_mock.get("http://org/units").mock(return_value=httpx.Response(200, json={"items": []}))
    credentials = ClientCredentials(http, "http://gateway/api/v1/auth/token", "reporting", "s3cret-value")
    client = ServiceClient("org-structure", "http://org", http, credentials=credentials)
    await client.get_json("/units")
    await client.get_json("/units")
    assert token_route.call_count == 1
    form = dict(item.split("=") for item in token_route.calls.last.request.content.decode().split("&"))
    assert form == {"grant_type": "client_credentials", "client_id": "reporting", "client_secret": "s3cret-value"}
    assert units.calls.last.request.headers["authorization"] == "Bearer t-1"
    # A 401 drops the held token; the next call fetches a new one.
    units.mock(return_value=httpx.Response(401, json={"code": "invalid_token"}))
    with pytest.raises(UpstreamError):
        await client.get_json("/units")
    units.mock(return_value=httpx.Response(200, json={"items": []}))
    await client.get_json("/units")
    assert token_route.call_count == 2
    assert units.calls.last.request.headers["authorization"] == "Bearer t-2"


@respx.mock(using=UPSTREAMS)
async def test_a_token_is_fetched_again_shortly_before_it_expires(http: httpx.AsyncClient, respx_mock: respx.MockRouter) -> None:
    token_route = respx_mock.post("http://gateway/token").mock(
        return_value=httpx.Response(200, json={"access_token": "short", "expires_in": 10})
    )
    credentials = ClientCredentials(http, "http://gateway/token", "reporting", "s", margin_seconds=30)
    assert await credentials.token() == "short"
    assert await credentials.token() == "short"
    assert token_route.call_count == 2


@respx.mock(using=UPSTREAMS)
async def test_refused_credentials_are_a_503_naming_the_gateway(http: httpx.AsyncClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.post("http://gateway/token").mock(return_value=httpx.Response(401, json={"code": "invalid_client"}))
    credentials = ClientCredentials(http, "http://gateway/token", "reporting", "wrong")
    with pytest.raises(UpstreamUnavailable) as raised:
        await credentials.token()
    assert raised.value.service == "gateway"


def test_credentials_come_from_settings(http: httpx.AsyncClient) -> None:
    assert ClientCredentials.from_settings(ServiceSettings(), http) is None
    credentials = ClientCredentials.from_settings(ServiceSettings(client_id="reporting", client_secret="x"), http)
    assert credentials is not None
    assert (credentials.client_id, credentials.token_url) == ("reporting", "http://127.0.0.1:8000/api/v1/auth/token")


class _ModuleLookups:
    """A finder first in ``sys.meta_path`` that finds nothing and notes each module name Python searches for."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, path: object = None, target: object = None) -> ModuleSpec | None:
        self.names.append(name)
        return None


async def _answer_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    body = b'{"ok": 1}'
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body)
    try:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(head + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def plain_upstream() -> AsyncIterator[str]:
    """A real HTTP/1.1 server on loopback answering ``{"ok": 1}`` to every request of a kept-alive connection."""
    server = await asyncio.start_server(_answer_ok, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


async def test_an_upstream_call_searches_for_no_module(http: httpx.AsyncClient, plain_upstream: str) -> None:
    # NOTE: httpcore imports sniffio inside the call, on every lock, event and connection it sets
    # up. Without sniffio installed, Python searched sys.path for it each time (a failed import is
    # not cached): about 30 % of reporting's CPU in a province summary.
    client = ServiceClient("org-structure", plain_upstream, http, retries=0)
    assert await client.get_json("/units") == {"ok": 1}  # NOTE: the connection, and what loads once
    calls = 10
    lookups = _ModuleLookups()
    sys.meta_path.insert(0, lookups)
    try:
        for _ in range(calls):
            assert await client.get_json("/units") == {"ok": 1}
    finally:
        sys.meta_path.remove(lookups)
    assert [name for name, times in Counter(lookups.names).items() if times >= calls] == []
