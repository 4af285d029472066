"""Access tokens: signed by the gateway with Ed25519 (EdDSA), verified anywhere with the public key.

Only the gateway holds a private key. Services verify with the public keys published as a
JWKS (``/api/v1/auth/jwks``) or given in their settings, so a service can check a token
without calling anyone and can never mint one.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt import PyJWK

from .consumers import SYSTEM_CODE_CLAIM, is_system_code
from .roles import Area, Role

ALGORITHM = "EdDSA"
DEFAULT_ISSUER = "haicap"
DEFAULT_AUDIENCE = "haicap-api"


class TokenInvalid(Exception):
    """The token cannot be trusted: malformed, wrongly signed, for someone else, or expired."""

    def __init__(self, reason: str, *, expired: bool = False, revoked: bool = False) -> None:
        super().__init__(reason)
        self.expired = expired
        self.revoked = revoked

    @property
    def code(self) -> str:
        """The problem code a 401 for this token carries."""
        return "token_revoked" if self.revoked else "token_expired" if self.expired else "invalid_token"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What an access token says about its bearer."""

    subject: str
    username: str
    role: Role
    area: Area
    token_id: str
    expires_at: int
    system_code: str | None = None
    """The consuming system a service account stands for (:mod:`haicap_shared.consumers`)."""


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def load_private_key(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the signing key must be an Ed25519 private key")
    return key


def key_id(public_key: Ed25519PublicKey) -> str:
    """A stable id for a public key (its JWK thumbprint-like digest), used as ``kid``."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return uuid.uuid5(uuid.NAMESPACE_OID, raw.hex()).hex[:16]


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(public_key))
    return jwk | {"kid": key_id(public_key), "use": "sig", "alg": ALGORITHM}


def jwks(*public_keys: Ed25519PublicKey) -> dict[str, Any]:
    """A JSON Web Key Set with these keys (the current one first, older ones for rotation)."""
    return {"keys": [public_jwk(k) for k in public_keys]}


class TokenIssuer:
    """Mints access tokens (the gateway's job)."""

    def __init__(self, private_key: Ed25519PrivateKey, *, issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE) -> None:
        self.private_key = private_key
        self.kid = key_id(private_key.public_key())
        self.issuer = issuer
        self.audience = audience

    def issue(
        self,
        *,
        subject: str,
        username: str,
        role: Role,
        area: Area,
        ttl_seconds: int,
        token_id: str | None = None,
        system_code: str | None = None,
    ) -> tuple[str, AccessClaims]:
        now = int(time.time())
        claims = AccessClaims(
            subject=subject,
            username=username,
            role=role,
            area=area,
            token_id=token_id or uuid.uuid4().hex,
            expires_at=now + ttl_seconds,
            system_code=system_code,
        )
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "preferred_username": username,
            "role": role.value,
            "area": area.as_claim(),
            "jti": claims.token_id,
            "iat": now,
            "nbf": now - 5,
            "exp": claims.expires_at,
        }
        if system_code is not None:
            payload[SYSTEM_CODE_CLAIM] = system_code
        token = jwt.encode(payload, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid, "typ": "at+jwt"})
        return token, claims


class TokenVerifier:
    """Checks access tokens against a JWKS: signature, issuer, audience, time, and claims."""

    def __init__(self, key_set: dict[str, Any], *, issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE) -> None:
        self.keys: dict[str, PyJWK] = {}
        for jwk in key_set.get("keys", []):
            if jwk.get("kid"):
                self.keys[jwk["kid"]] = PyJWK(jwk, algorithm=ALGORITHM)
        self.issuer = issuer
        self.audience = audience

    def knows(self, token: str) -> bool:
        try:
            return jwt.get_unverified_header(token).get("kid") in self.keys
        except jwt.PyJWTError:
            return True  # NOTE: malformed: no key fetch will help, let verify() say why

    def verify(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
            key = self.keys.get(header.get("kid", ""))
            if key is None:
                raise TokenInvalid("the token is signed with a key this service does not know")
            payload = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["exp", "iat", "sub", "jti", "aud", "iss"]},
                leeway=5,
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenInvalid("the token has expired", expired=True) from exc
        except jwt.PyJWTError as exc:
            raise TokenInvalid(f"the token is not valid: {exc}") from exc
        try:
            return AccessClaims(
                subject=str(payload["sub"]),
                username=str(payload.get("preferred_username", payload["sub"])),
                role=Role(payload["role"]),
                area=Area.from_claim(payload.get("area") or {}),
                token_id=str(payload["jti"]),
                expires_at=int(payload["exp"]),
                system_code=_system_code(payload.get(SYSTEM_CODE_CLAIM)),
            )
        except (KeyError, ValueError) as exc:
            raise TokenInvalid(f"the token's claims are not valid: {exc}") from exc


def _system_code(claim: object) -> str | None:
    if claim is None:
        return None
    if not is_system_code(claim):
        raise ValueError(f"the {SYSTEM_CODE_CLAIM} claim is not a system code")
    return str(claim)
