"""One failure policy for reading another service: against a stand-in of the upstream and the gateway's token URL."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from pydantic import BaseModel, SecretStr

from haicap_shared.errors import UpstreamUnavailable
from haicap_shared.settings import ProcessSettings
from haicap_shared.testing import GatewayStandIn, app_on_stand_in
from haicap_shared.upstream import UpstreamReader

AGENCY = uuid.UUID("5b7cdfd7-51d4-4a47-8c0c-1a6f7b0d4c11")
Handler = Callable[[httpx.Request], httpx.Response]


class Agency(BaseModel):
    id: uuid.UUID
    province_code: str


@pytest.fixture
def stand_in() -> GatewayStandIn:
    stand_in = GatewayStandIn()
    stand_in.answer = lambda request: httpx.Response(200, json={"id": str(AGENCY), "province_code": "04"})
    return stand_in


@pytest.fixture
async def reader(stand_in: GatewayStandIn) -> AsyncIterator[UpstreamReader]:
    settings = ProcessSettings(
        service_name="personnel",
        gateway_url="http://gateway/",
        token_url="http://gateway/api/v1/auth/token",
        client_id="personnel",
        client_secret=SecretStr("secret"),
        upstream_retries=1,
    )
    async with app_on_stand_in(settings, stand_in) as app:
        built = UpstreamReader.through_gateway(app, "org-structure", "/api/v1/org")
        built.client.backoff_seconds = 0
        yield built


async def test_a_record_is_read_as_the_consumers_model_with_the_accounts_token(
    reader: UpstreamReader, stand_in: GatewayStandIn
) -> None:
    agency = await reader.get(f"/agencies/{AGENCY}", Agency)
    assert agency == Agency(id=AGENCY, province_code="04")
    assert str(stand_in.seen[0].url) == f"http://gateway/api/v1/org/agencies/{AGENCY}"
    assert stand_in.seen[0].headers["authorization"] == "Bearer token-1"


async def test_a_missing_record_is_none_for_the_consumer_to_answer(reader: UpstreamReader, stand_in: GatewayStandIn) -> None:
    stand_in.answer = lambda request: httpx.Response(404, json={"code": "agency_not_found", "status": 404})
    assert await reader.get(f"/agencies/{AGENCY}", Agency) is None
    assert await reader.get_json("/units/by-code/01273", params={"as_of": "2025-07-01"}) is None
    assert stand_in.seen[-1].url.params["as_of"] == "2025-07-01"


@pytest.mark.parametrize("status", [401, 403, 400, 422])
async def test_a_refusal_of_our_account_is_503_and_logged_as_our_fault(
    reader: UpstreamReader, stand_in: GatewayStandIn, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    stand_in.answer = lambda request: httpx.Response(status, json={"code": "role_not_allowed", "status": status})
    with caplog.at_level(logging.ERROR, logger="haicap.upstream"), pytest.raises(UpstreamUnavailable) as raised:
        await reader.get(f"/agencies/{AGENCY}", Agency)
    problem = raised.value.problem()
    assert (raised.value.status, problem["code"], problem["service"]) == (503, "upstream_unavailable", "org-structure")
    assert problem["detail"] == f"org-structure refused personnel's request ({status}: role_not_allowed)"
    assert [record.levelno for record in caplog.records] == [logging.ERROR]
    assert len(stand_in.seen) == 1, "a refusal is not retried"


async def test_after_a_401_the_next_call_fetches_a_new_token(reader: UpstreamReader, stand_in: GatewayStandIn) -> None:
    stand_in.answer = lambda request: httpx.Response(401, json={"code": "invalid_token"})
    with pytest.raises(UpstreamUnavailable):
        await reader.get(f"/agencies/{AGENCY}", Agency)
    stand_in.answer = lambda request: httpx.Response(200, json={"id": str(AGENCY), "province_code": "04"})
    assert await reader.get(f"/agencies/{AGENCY}", Agency) is not None
    assert stand_in.seen[-1].headers["authorization"] == "Bearer token-2"


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("no answer", request=request)


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (_timeout, "The org-structure service did not answer in time"),
        (_unreachable, "The org-structure service could not be reached"),
        (lambda request: httpx.Response(503), "The org-structure service answered 503"),
        (lambda request: httpx.Response(500, text="boom"), "The org-structure service answered 500"),
        (
            lambda request: httpx.Response(200, text="<html>"),
            f"org-structure answered /agencies/{AGENCY} with a body that is not JSON",
        ),
        (
            lambda request: httpx.Response(200, json={"id": "not an id"}),
            f"org-structure answered /agencies/{AGENCY} with a body personnel cannot read (2 errors)",
        ),
    ],
)
async def test_an_upstream_that_cannot_answer_is_503(
    reader: UpstreamReader, stand_in: GatewayStandIn, answer: Handler, detail: str
) -> None:
    stand_in.answer = answer
    with pytest.raises(UpstreamUnavailable) as raised:
        await reader.get(f"/agencies/{AGENCY}", Agency)
    assert raised.value.status == 503
    assert raised.value.problem()["detail"] == detail
