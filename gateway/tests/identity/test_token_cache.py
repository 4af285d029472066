"""The gateway remembers verified access tokens, but never past their expiry or their revocation."""

import asyncio
import time

import pytest

from haicap_gateway.identity import revocation
from haicap_gateway.identity.keys import SigningKeys
from haicap_gateway.identity.revocation import GatewayTokens, RevocationList
from haicap_shared.roles import Area, Role
from haicap_shared.tokens import DEFAULT_AUDIENCE, DEFAULT_ISSUER, TokenInvalid, generate_private_key


class _Unused:
    """A database the revocation list never reads here (its copy is fresh)."""


def _tokens(cache_size: int = 4) -> GatewayTokens:
    revoked = RevocationList(_Unused(), refresh_seconds=3600)  # type: ignore[arg-type]
    revoked._loaded_at = time.monotonic()
    return GatewayTokens(
        SigningKeys(generate_private_key()), revoked, issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, cache_size=cache_size
    )


def _issue(tokens: GatewayTokens, ttl_seconds: int = 600) -> str:
    token, _ = tokens.issuer.issue(
        subject="u1",
        username="u1",
        role=Role.VIEWER,
        area=Area(province=None, commune=None, agency=None),
        ttl_seconds=ttl_seconds,
    )
    return token


async def test_a_verified_token_is_not_verified_again(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = _tokens()
    token = _issue(tokens)
    first = await tokens.check(token)
    calls = 0
    verify = revocation.TokenVerifier.verify

    def counting(self: object, value: str) -> object:
        nonlocal calls
        calls += 1
        return verify(self, value)  # type: ignore[arg-type]

    monkeypatch.setattr(revocation.TokenVerifier, "verify", counting)
    assert await tokens.check(token) == first
    assert calls == 0


async def test_a_remembered_token_is_refused_once_revoked() -> None:
    tokens = _tokens()
    token = _issue(tokens)
    claims = await tokens.check(token)
    tokens.revoked.add(claims.token_id)
    with pytest.raises(TokenInvalid, match="revoked"):
        await tokens.check(token)


async def test_a_remembered_token_is_refused_once_expired() -> None:
    tokens = _tokens()
    # NOTE: expired 3 s ago, so accepted for about 2 s more thanks to the verifier's 5 s leeway.
    token = _issue(tokens, ttl_seconds=-3)
    claims = await tokens.check(token)
    await asyncio.sleep(max(0.0, claims.expires_at + revocation.EXPIRY_LEEWAY_SECONDS - time.time()) + 0.05)
    with pytest.raises(TokenInvalid) as refused:
        await tokens.check(token)
    assert refused.value.expired
    assert token not in tokens._verified


async def test_the_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    tokens = _tokens(cache_size=2)
    first, second, third = _issue(tokens), _issue(tokens), _issue(tokens)
    await tokens.check(first)
    await tokens.check(second)
    await tokens.check(first)
    await tokens.check(third)
    assert list(tokens._verified) == [first, third]


async def test_a_bad_token_is_not_remembered() -> None:
    tokens = _tokens()
    with pytest.raises(TokenInvalid):
        await tokens.check("not.a.token")
    assert not tokens._verified
