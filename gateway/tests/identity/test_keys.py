"""Signing keys: configured or generated (development only), published current first."""

import os
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from haicap_gateway.identity.keys import DEV_KEY_FILE, KeyConfigurationError, load_signing_keys, public_key_pem
from haicap_gateway.settings import GatewaySettings
from haicap_shared.tokens import TokenVerifier, generate_private_key, key_id, private_key_pem


async def test_jwks_publishes_the_current_then_the_previous_keys(make_gateway, fake, test_tokens, new_user) -> None:
    old_one, old_two = generate_private_key().public_key(), generate_private_key().public_key()
    previous = public_key_pem(old_one) + public_key_pem(old_two)
    async with make_gateway(fake, jwt_previous_public_keys=previous) as gateway:
        response = await gateway.get("/api/v1/auth/jwks")
    assert response.status_code == 200
    kids = [key["kid"] for key in response.json()["keys"]]
    assert kids == [test_tokens.issuer.kid, key_id(old_one), key_id(old_two)]
    assert {key["alg"] for key in response.json()["keys"]} == {"EdDSA"}
    # A token signed with the configured key verifies against the published set.
    token = test_tokens.headers()["Authorization"].split()[1]
    assert TokenVerifier(response.json()).verify(token).username == "test-admin"


async def test_a_token_of_a_previous_key_is_still_accepted(make_gateway, fake, test_tokens) -> None:
    new_key = generate_private_key()
    previous = public_key_pem(test_tokens.issuer.private_key.public_key())
    async with make_gateway(fake, jwt_private_key=private_key_pem(new_key), jwt_previous_public_keys=previous) as gateway:
        assert (await gateway.get("/api/v1/org/units", headers=test_tokens.headers())).status_code == 200


async def test_without_a_key_a_development_key_is_generated_once(make_gateway, fake, tmp_path: Path) -> None:
    async with make_gateway(fake, jwt_private_key="") as gateway:
        first = (await gateway.get("/api/v1/auth/jwks")).json()
    path = tmp_path / DEV_KEY_FILE
    assert path.exists()
    assert os.stat(path).st_mode & 0o777 == 0o600
    async with make_gateway(fake, jwt_private_key="") as gateway:
        assert (await gateway.get("/api/v1/auth/jwks")).json() == first


def test_a_key_file_is_read(tmp_path: Path) -> None:
    key = generate_private_key()
    (tmp_path / "key.pem").write_text(private_key_pem(key))
    keys = load_signing_keys(GatewaySettings(jwt_private_key_file=tmp_path / "key.pem", var_dir=tmp_path))
    assert key_id(keys.current.public_key()) == key_id(key.public_key())
    assert not keys.generated


def test_production_refuses_to_run_on_a_generated_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="must be set in production"):
        GatewaySettings(environment="production", var_dir=tmp_path)
    with pytest.raises(KeyConfigurationError):
        load_signing_keys(GatewaySettings(jwt_previous_public_keys="not a pem", var_dir=tmp_path))
    settings = GatewaySettings(environment="production", jwt_private_key=private_key_pem(generate_private_key()))
    assert not load_signing_keys(settings).generated


async def test_readiness_stays_the_upstreams(gateway: httpx.AsyncClient, fake) -> None:
    fake.respond = lambda request: httpx.Response(200, json={"status": "ready"})
    response = await gateway.get("/readyz")
    assert response.status_code == 200, response.text
    assert [u["service"] for u in response.json()["upstreams"]] == ["org-structure", "personnel", "assets", "reporting"]
