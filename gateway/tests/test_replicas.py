"""Replicas: round robin, a replica that refuses connections set aside, and which failures are retried."""

import asyncio

import httpx
import pytest

from haicap_gateway.replicas import ReplicaSet
from haicap_gateway.settings import UpstreamService
from haicap_shared.testing import assert_problem

TWO_ORG = {"org_url": "http://a.test,http://b.test"}


def _failing_on(host: str, error: type[httpx.TransportError]):
    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.host == host:
            raise error("replica down", request=request)
        return httpx.Response(200, json={"host": request.url.host})

    return respond


def test_round_robin_puts_set_aside_replicas_last() -> None:
    now = [100.0]
    replicas = ReplicaSet(UpstreamService("org", "org-structure", ("a", "b", "c")), 5.0, clock=lambda: now[0])
    assert [[r.url for r in replicas.order()] for _ in range(3)] == [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"]]
    replicas.set_aside(replicas.replicas[1])
    assert [r.url for r in replicas.order()] == ["a", "c", "b"]
    now[0] += 5.0
    assert [r.url for r in replicas.order()] == ["b", "c", "a"], "back in turn once the period is over"


async def test_requests_go_round_robin(make_gateway, fake) -> None:
    async with make_gateway(fake, **TWO_ORG) as client:
        for _ in range(4):
            assert (await client.get("/api/v1/org/units")).status_code == 200
    assert [r.url.host for r in fake.seen] == ["a.test", "b.test", "a.test", "b.test"]


async def test_a_dead_replica_is_set_aside_and_reads_still_succeed(make_gateway, fake) -> None:
    fake.refused_hosts = {"a.test"}
    async with make_gateway(fake, **TWO_ORG) as client:
        statuses = [(await client.get("/api/v1/org/units")).status_code for _ in range(6)]
    assert statuses == [200] * 6
    assert [r.url.host for r in fake.seen] == ["a.test"] + ["b.test"] * 6, "a is tried once, then set aside"


async def test_a_set_aside_replica_is_tried_again_later(make_gateway, fake) -> None:
    fake.refused_hosts = {"a.test"}
    async with make_gateway(fake, replica_set_aside_seconds=0.2, **TWO_ORG) as client:
        for _ in range(2):
            await client.get("/api/v1/org/units")
        assert [r.url.host for r in fake.seen] == ["a.test", "b.test", "b.test"]
        fake.refused_hosts = set()
        await asyncio.sleep(0.25)
        for _ in range(2):
            await client.get("/api/v1/org/units")
    assert sorted(r.url.host for r in fake.seen[3:]) == ["a.test", "b.test"], "a is back in the rotation"


async def test_a_post_that_could_not_connect_goes_to_another_replica(make_gateway, fake) -> None:
    # NOTE: a refused connection means nothing was sent, so even a POST cannot have been acted on.
    fake.refused_hosts = {"a.test"}
    async with make_gateway(fake, **TWO_ORG) as client:
        response = await client.post("/api/v1/org/units", json={"code": "01273"})
    assert response.status_code == 200
    assert [r.url.host for r in fake.seen] == ["a.test", "b.test"]
    assert fake.last.content == b'{"code":"01273"}'


async def test_a_post_whose_connection_broke_is_not_retried(make_gateway, fake) -> None:
    fake.respond = _failing_on("a.test", httpx.ReadError)
    async with make_gateway(fake, **TWO_ORG) as client:
        response = await client.post("/api/v1/org/units", json={"code": "01273"})
    assert assert_problem(response, 503, "upstream_unavailable")["service"] == "org-structure"
    assert [r.url.host for r in fake.seen] == ["a.test"], "the first replica may have acted on it"


async def test_a_get_whose_connection_broke_is_retried_elsewhere(make_gateway, fake) -> None:
    fake.respond = _failing_on("a.test", httpx.RemoteProtocolError)
    async with make_gateway(fake, **TWO_ORG) as client:
        response = await client.get("/api/v1/org/units")
    assert response.status_code == 200
    assert [r.url.host for r in fake.seen] == ["a.test", "b.test"]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_timeout_is_not_retried(make_gateway, fake, method: str) -> None:
    fake.respond = _failing_on("a.test", httpx.ReadTimeout)
    async with make_gateway(fake, **TWO_ORG) as client:
        response = await client.request(method, "/api/v1/org/units")
    assert assert_problem(response, 504, "upstream_timeout")["service"] == "org-structure"
    assert [r.url.host for r in fake.seen] == ["a.test"]


async def test_every_replica_down_is_503_naming_the_service(make_gateway, fake) -> None:
    fake.refused_hosts = {"a.test", "b.test"}
    async with make_gateway(fake, **TWO_ORG) as client:
        response = await client.get("/api/v1/org/units")
    assert assert_problem(response, 503, "upstream_unavailable")["service"] == "org-structure"
    assert sorted(r.url.host for r in fake.seen) == ["a.test", "b.test"]
