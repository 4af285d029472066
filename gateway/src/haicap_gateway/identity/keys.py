"""The gateway's signing keys: configured, or (in development only) generated into var/.

The current private key signs; its public key and the previous ones (configured as PEMs,
for a rotation) are published as the JWKS, current first.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from haicap_shared.tokens import generate_private_key, jwks, load_private_key, private_key_pem

from .settings import IdentitySettings

logger = logging.getLogger("haicap.gateway.keys")

DEV_KEY_FILE = "gateway-jwt-dev.pem"
_PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


class KeyConfigurationError(RuntimeError):
    """The configured keys cannot be used; the gateway refuses to start."""


@dataclass(frozen=True)
class SigningKeys:
    current: Ed25519PrivateKey
    previous: tuple[Ed25519PublicKey, ...] = ()
    generated: bool = False

    def jwks(self) -> dict[str, Any]:
        return jwks(self.current.public_key(), *self.previous)


def load_public_keys(pems: str) -> tuple[Ed25519PublicKey, ...]:
    """Every ``PUBLIC KEY`` PEM block in ``pems``, in order."""
    keys = []
    for block in _PEM_BLOCK.findall(pems):
        key = serialization.load_pem_public_key(block.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise KeyConfigurationError("a previous public key is not an Ed25519 key")
        keys.append(key)
    if pems.strip() and not keys:
        raise KeyConfigurationError("HAICAP_GATEWAY_JWT_PREVIOUS_PUBLIC_KEYS holds no PUBLIC KEY PEM block")
    return tuple(keys)


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_signing_keys(settings: IdentitySettings) -> SigningKeys:
    """The configured keys; without any, the development key in ``var/`` (made on first use)."""
    previous = load_public_keys(settings.jwt_previous_public_keys)
    pem = settings.jwt_private_key.get_secret_value()
    if not pem and settings.jwt_private_key_file is not None:
        try:
            pem = settings.jwt_private_key_file.read_text()
        except OSError as exc:
            raise KeyConfigurationError(f"cannot read the signing key file {settings.jwt_private_key_file}: {exc}") from exc
    if pem:
        try:
            return SigningKeys(load_private_key(pem), previous)
        except ValueError as exc:
            raise KeyConfigurationError(f"the configured signing key is not usable: {exc}") from exc
    if settings.environment == "production":
        raise KeyConfigurationError("no signing key is configured, and production never uses a generated one")
    return SigningKeys(_development_key(settings.var_dir), previous, generated=True)


def _development_key(var_dir: Path) -> Ed25519PrivateKey:
    path = var_dir / DEV_KEY_FILE
    if path.exists():
        return load_private_key(path.read_text())
    var_dir.mkdir(parents=True, exist_ok=True)
    key = generate_private_key()
    # NOTE: created with mode 0600 from the start (no window where it is world-readable);
    # O_EXCL, so two processes starting at once do not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_private_key(path.read_text())
    with os.fdopen(fd, "w") as file:
        file.write(private_key_pem(key))
    logger.warning(
        "no signing key configured: generated a development key; set HAICAP_GATEWAY_JWT_PRIVATE_KEY_FILE outside development",
        extra={"path": str(path)},
    )
    return key
