"""The gateway in-process, with the network replaced by a recording fake of the services."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest

from haicap_gateway.app import create_app
from haicap_gateway.settings import GatewaySettings
from haicap_gateway.upstream import HttpxUpstream

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


@pytest.fixture
def fake() -> FakeServices:
    return FakeServices()


@pytest.fixture
def make_gateway() -> GatewayFactory:
    """Build a gateway client: on ``handler`` (a fake network) if given, else on the real network."""

    @asynccontextmanager
    async def build(handler: Handler | None = None, **settings: object) -> AsyncIterator[httpx.AsyncClient]:
        config = GatewaySettings.model_validate({**FAKE_URLS, **settings})
        factory = None
        if handler is not None:
            transport = httpx.MockTransport(handler)
            factory = lambda s: HttpxUpstream.from_settings(s, transport=transport)  # noqa: E731
        app = create_app(config, factory)
        async with app.router.lifespan_context(app):
            transport_in = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport_in, base_url="http://gateway.test") as client:
                yield client

    return build


@pytest.fixture
async def client(make_gateway: GatewayFactory, fake: FakeServices) -> AsyncIterator[httpx.AsyncClient]:
    async with make_gateway(fake) as gateway_client:
        yield gateway_client
