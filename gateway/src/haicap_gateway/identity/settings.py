"""The identity part of the gateway's settings (signing keys, token lifetimes, sign-in limits).

:class:`haicap_gateway.settings.GatewaySettings` inherits these, so they are read from the
same ``HAICAP_GATEWAY_*`` variables (``HAICAP_GATEWAY_JWT_PRIVATE_KEY_FILE``, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator

from haicap_shared.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    """Sign-in, tokens and keys."""

    environment: Literal["development", "test", "production"] = Field(
        default="development", description="production refuses a generated signing key"
    )
    jwt_private_key: SecretStr = Field(default=SecretStr(""), description="The Ed25519 private key (PEM) that signs tokens")
    jwt_private_key_file: Path | None = Field(default=None, description="A file holding that key (PEM), instead")
    jwt_previous_public_keys: str = Field(
        default="", description="Public keys (PEM blocks, one after another) of earlier signing keys, still trusted"
    )
    access_token_ttl_seconds: int = Field(default=600, ge=30, le=24 * 3600, description="Lifetime of an access token")
    refresh_token_ttl_seconds: int = Field(default=14 * 24 * 3600, ge=60, description="Lifetime of a refresh token")
    revocation_refresh_seconds: float = Field(
        default=5.0, gt=0, description="How often the revoked access tokens are reread from the database"
    )
    sign_in_window_seconds: int = Field(default=900, ge=1, description="The window failed sign-ins are counted in")
    sign_in_free_failures: int = Field(
        default=5, ge=1, description="Failures of one user from one address within the window before each next attempt waits"
    )
    sign_in_delay_seconds: float = Field(
        default=2.0, gt=0, description="The first wait after those failures; it doubles with each further failure"
    )
    sign_in_max_delay_seconds: float = Field(default=900.0, gt=0, description="The longest wait between two attempts")
    sign_in_max_failures_per_address: int = Field(default=20, ge=1, description="Failures per client address within the window")

    @model_validator(mode="after")
    def _production_brings_its_key(self) -> Self:
        # NOTE: a generated key lives in one replica's var/ only and is not backed up; in
        # production that would split the gateway's replicas and lose every session on redeploy.
        if self.environment == "production" and not (self.jwt_private_key.get_secret_value() or self.jwt_private_key_file):
            raise ValueError("HAICAP_GATEWAY_JWT_PRIVATE_KEY or HAICAP_GATEWAY_JWT_PRIVATE_KEY_FILE must be set in production")
        return self
