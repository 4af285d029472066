"""The gateway in-process, with the network replaced by a recording fake of the services."""

import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_gateway.app import create_app
from haicap_gateway.cli import MIGRATIONS
from haicap_gateway.clients import HttpxClient
from haicap_gateway.echo import create_echo_app
from haicap_gateway.settings import GatewaySettings
from haicap_gateway.upstream import GatewayUpstream
from haicap_shared.testing import DatabaseRegistry, ServiceMigrations, TestTokens
from haicap_shared.tokens import private_key_pem

Handler = Callable[[httpx.Request], httpx.Response]
GatewayFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]

FAKE_URLS = {
    "org_url": "http://org.test",
    "personnel_url": "http://personnel.test",
    "assets_url": "http://assets.test",
    "reporting_url": "http://reporting.test",
}


class FakeServices:
    """Answers for every upstream (``respond``), and remembers what reached them (``seen``)."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []
        self.respond: Handler = lambda request: httpx.Response(200, json={"path": request.url.path})
        # NOTE: hosts that refuse connections: refused before the body is read, as on a network.
        self.refused_hosts: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.respond(request)
        # NOTE: a response built with content= or json= arrives already read; a network answer
        # arrives as an unread stream, which is what the gateway must pass on.
        return httpx.Response(answer.status_code, headers=answer.headers.raw, stream=_Unread(answer.stream))

    @property
    def last(self) -> httpx.Request:
        return self.seen[-1]


class _Unread(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self.stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.stream:
            yield chunk


class _FakeNetwork(httpx.MockTransport):
    """``httpx.MockTransport``, except that a host of ``refused_hosts`` refuses before the body is read."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if isinstance(self.handler, FakeServices) and request.url.host in self.handler.refused_hosts:
            self.handler.seen.append(request)
            raise httpx.ConnectError("connection refused", request=request)
        return await super().handle_async_request(request)


def test_key_pem(test_tokens: TestTokens) -> str:
    """The test run's signing key, as the gateway's configured key."""
    return private_key_pem(test_tokens.issuer.private_key)


@pytest.fixture
def fake() -> FakeServices:
    return FakeServices()


@pytest.fixture(scope="session")
async def gateway_sqlite_url(database_registry: DatabaseRegistry) -> str:
    """A migrated SQLite gateway database for the tests that do not run per backend."""
    return await database_registry.url_for(ServiceMigrations("gateway", MIGRATIONS), "sqlite")


@pytest.fixture
def make_gateway(tmp_path: Path, gateway_sqlite_url: str, test_tokens: TestTokens) -> GatewayFactory:
    """Build a gateway client: on ``handler`` (a fake network) if given, else on the real network.

    The gateway signs with the test run's key, so ``test_tokens`` tokens pass its checks;
    ``connection`` runs its database sessions inside a test's transaction.
    """

    @asynccontextmanager
    async def build(
        handler: Handler | None = None, *, connection: AsyncConnection | None = None, **settings: object
    ) -> AsyncIterator[httpx.AsyncClient]:
        defaults = {
            "var_dir": tmp_path,
            "database_url": gateway_sqlite_url,
            "jwt_private_key": test_key_pem(test_tokens),
            # NOTE: off unless a test asks: reading the services' /openapi.json for deadlines
            # would add requests to what the fake services see (test_deadlines turns it on).
            "deadlines_from_openapi": False,
        }
        config = GatewaySettings.model_validate({**FAKE_URLS, **defaults, **settings})
        factory = None
        if handler is not None:
            transport = _FakeNetwork(handler)
            factory = lambda s: GatewayUpstream(HttpxClient.from_settings(s, transport=transport), s)  # noqa: E731
        app = create_app(config, factory)
        async with app.router.lifespan_context(app):
            if connection is not None:
                app.state.database.bind_to(connection)
            transport_in = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport_in, base_url="http://gateway.test") as client:
                yield client

    return build


@pytest.fixture
async def client(make_gateway: GatewayFactory, fake: FakeServices) -> AsyncIterator[httpx.AsyncClient]:
    async with make_gateway(fake) as gateway_client:
        yield gateway_client


class LoopbackServer:
    """A uvicorn server on a free 127.0.0.1 port, in a thread of its own."""

    def __init__(self, name: str) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_echo_app(name), log_level="warning", timeout_keep_alive=75, access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the loopback server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="session")
def echo_servers() -> Iterator[tuple[str, str]]:
    """Two replicas of the tiny upstream (``haicap_gateway.echo``), answering with ``X-Upstream: a`` or ``b``."""
    servers = [LoopbackServer("a"), LoopbackServer("b")]
    for server in servers:
        server.start()
    try:
        yield servers[0].url, servers[1].url
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="session")
def echo_url(echo_servers: tuple[str, str]) -> str:
    return echo_servers[0]
