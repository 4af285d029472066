"""The consuming system of a service account's call, traced from haicap's side (X-Road, LGSP).

A token with the ``system_code`` claim (the gateway gives it to a service account that has a
code) writes through a small service that publishes its changes: the audit event, the change
feed's CloudEvent and the access-log line name the system; a user's call names none. An
``X-Road-Client`` header is never trusted, only logged, bounded and sanitised, when it differs.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi import FastAPI

from haicap_shared.consumers import CLAIMED_CLIENT_MAX_LENGTH, is_system_code
from haicap_shared.roles import Area, Role
from haicap_shared.testing import ServiceMigrations, TestTokens
from haicap_shared.tokens import TokenVerifier, jwks

from .events_sample import MIGRATIONS, SERVICE, create_events_app

CODE = "VN:GOV:000.00.00.H12:HAICAP"
ACCESS = "haicap.access"


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations(SERVICE, MIGRATIONS)


@pytest.fixture
def service_app(db_url: str, tmp_path: Path, test_tokens: TestTokens) -> FastAPI:
    return create_events_app(db_url, tmp_path, test_tokens.jwks_json)


def _access_lines(caplog: pytest.LogCaptureFixture, path: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == ACCESS and getattr(record, "path", None) == path]


async def _write(client: httpx.AsyncClient, name: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post("/parcels", json={"name": name, "province_code": "04"}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _audit_of(client: httpx.AsyncClient, parcel_id: str) -> dict[str, Any]:
    response = await client.get("/audit-events", params={"entity_id": parcel_id})
    assert response.status_code == 200, response.text
    (event,) = response.json()["items"]
    return dict(event)


async def _event_of(client: httpx.AsyncClient, parcel_id: str) -> dict[str, Any]:
    response = await client.get("/events")
    assert response.status_code == 200, response.text
    (event,) = [e for e in response.json()["events"] if e["partitionkey"] == parcel_id]
    return dict(event)


async def test_a_system_s_write_is_traced_to_it(
    client: httpx.AsyncClient, test_tokens: TestTokens, caplog: pytest.LogCaptureFixture
) -> None:
    # NOTE: the sample's writes admit admins only; the claim, not the role, is what is traced.
    system = test_tokens.headers(Role.ADMIN, username="lgsp-cao-bang", system_code=CODE)
    with caplog.at_level(logging.INFO, logger=ACCESS):
        parcel = await _write(client, "from the platform", system | {"X-Road-Client": CODE.replace(":", "/")})

    audit = await _audit_of(client, parcel["id"])
    assert (audit["actor"], audit["consumer_system"]) == ("lgsp-cao-bang", CODE)
    event = await _event_of(client, parcel["id"])
    assert event["consumersystem"] == CODE
    schema = await client.get(f"/events/schemas/{event['type']}")
    assert schema.status_code == 200, schema.text
    jsonschema.validate(event, schema.json())
    (line,) = _access_lines(caplog, "/parcels")
    assert line.consumer == CODE  # type: ignore[attr-defined]
    assert not hasattr(line, "claimed_client"), "X-Road's own spelling of the same code is no other claim"


async def test_a_user_s_write_names_no_system(
    client: httpx.AsyncClient, test_tokens: TestTokens, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS):
        parcel = await _write(client, "by hand", test_tokens.headers(Role.ADMIN))

    assert (await _audit_of(client, parcel["id"]))["consumer_system"] is None
    assert (await _event_of(client, parcel["id"])).get("consumersystem") is None
    (line,) = _access_lines(caplog, "/parcels")
    assert not hasattr(line, "consumer")


async def test_a_claimed_client_is_only_logged_bounded_and_sanitised(
    client: httpx.AsyncClient, test_tokens: TestTokens, caplog: pytest.LogCaptureFixture
) -> None:
    garbage = 'VN/GOV/"\n{evil}<script>' + "x" * 10_000
    with caplog.at_level(logging.INFO, logger=ACCESS):
        parcel = await _write(client, "claimed", test_tokens.headers(Role.ADMIN) | {"X-Road-Client": garbage})
        await client.get("/parcels", headers={"X-Road-Client": "VN/GOV/000.00.00.H99/OTHER"})

    assert (await _audit_of(client, parcel["id"]))["consumer_system"] is None, "a header is never trusted"
    (write,) = _access_lines(caplog, "/parcels")[:1]
    claimed: str = write.claimed_client  # type: ignore[attr-defined]
    assert len(claimed) <= CLAIMED_CLIENT_MAX_LENGTH + len("...")
    assert claimed.startswith("VN/GOV/?")
    assert claimed.endswith("...")
    assert not set(claimed) & set('"\n{}<>')
    assert not hasattr(write, "consumer")
    read = _access_lines(caplog, "/parcels")[1]
    assert read.claimed_client == "VN/GOV/000.00.00.H99/OTHER"  # type: ignore[attr-defined]


def test_the_claim_round_trips_and_a_bad_one_is_refused(test_tokens: TestTokens) -> None:
    verifier = TokenVerifier(jwks(test_tokens.issuer.private_key.public_key()))
    token, _ = test_tokens.issuer.issue(
        subject="service:lgsp", username="lgsp", role=Role.SERVICE, area=Area(), ttl_seconds=60, system_code=CODE
    )
    assert verifier.verify(token).system_code == CODE
    plain, _ = test_tokens.issuer.issue(subject="u", username="u", role=Role.VIEWER, area=Area(), ttl_seconds=60)
    assert verifier.verify(plain).system_code is None
    assert is_system_code("000.00.00.H12")
    for bad in ("", "a b", "VN:GOV:x:y:z:w", "x" * 101, "VN::GOV", "<script>", None, 12):
        assert not is_system_code(bad), bad
