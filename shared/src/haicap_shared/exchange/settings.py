"""The settings every exchange sender shares; each sender subclasses them with its own variable prefix.

``ADAPTER`` chooses how records leave: ``lgsp`` (the provincial data-sharing platform: a token
by ``client_credentials``, then JSON POSTs with the province's LGSP headers), ``ndxp`` (the
national platform directly, the same format, a token when ``TOKEN_URL`` is set), ``file`` (a
signed, dated JSON-lines batch file for manual upload; the default, for a province not yet
connected), and, for the procedure push only, ``one-stop``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings


class LgspHeaders(BaseModel):
    """One province's LGSP values (each provincial platform issues its own)."""

    access_key: str = Field("", max_length=500)
    secret_key: str = Field("", max_length=500)
    app_name: str = Field("", max_length=200)
    partner_code: str = Field("", max_length=200)
    sender_code: str = Field("", max_length=200)
    receiver_code: str = Field("", max_length=200)
    tran_code: str = Field("", max_length=200)


class ExchangeSettings(BaseSettings):
    """The transport's settings (a subclass sets ``env_prefix`` and the adapters it allows in ``adapter``)."""

    adapter: str = "file"
    token_url: str = Field("", description="client_credentials token endpoint (lgsp; ndxp when it needs one)")
    record_url: str = Field("", description="where records are POSTed (lgsp, ndxp)")
    client_id: str = ""
    client_secret: str = ""
    lgsp: LgspHeaders = Field(default_factory=LgspHeaders, description="the LGSP values of every province without its own")
    lgsp_provinces: dict[str, LgspHeaders] = Field(
        default_factory=dict, description='per province code, e.g. {"04": {"access_key": ..., "sender_code": ...}} (JSON)'
    )
    connect_timeout_seconds: float = Field(5.0, gt=0, le=120)
    timeout_seconds: float = Field(30.0, gt=0, le=600)
    batch_size: int = Field(500, ge=1, le=1000, description="records per turn (and per POST for lgsp/ndxp; 1: one per POST)")
    retry_base_seconds: float = Field(5.0, gt=0, le=3600)
    retry_cap_seconds: float = Field(3600.0, gt=0, le=86400)
    lease_seconds: float = Field(120.0, ge=5, le=3600, description="how long a replica holds a batch")
    idle_seconds: float = Field(1.0, gt=0, le=60, description="sleep when nothing is waiting")
    file_dir: Path | None = Field(None, description="where the file adapter writes (default: a folder under the var dir)")
    file_hmac_key: str = Field("", description="the file adapter's HMAC-SHA256 signing key")
    file_private_key_file: Path | None = Field(None, description="a PEM Ed25519 private key: signs with Ed25519 instead")

    def lgsp_for(self, province_code: str | None) -> LgspHeaders:
        return self.lgsp_provinces.get(province_code or "", self.lgsp)

    def env_name(self, field_name: str) -> str:
        """The variable that sets ``field_name`` (for the messages of a missing setting)."""
        return f"{self.model_config.get('env_prefix', '')}{field_name.upper()}"


class OneStopConnection(ExchangeSettings):
    """The ``one-stop`` transport's settings: the provincial procedure system's adapter, its account, the unit codes."""

    adapter_url: str = Field(
        "", max_length=500, description="the one-stop system's adapter base URL (``/auth``, ``/integration`` below it)"
    )
    auth_path: str = Field("/auth", max_length=200, description="the sign-in path below ADAPTER_URL")
    integration_path: str = Field("/integration", max_length=200, description="the integration path below ADAPTER_URL")
    username: str = Field("", max_length=200, description="the account the one-stop system issued")
    password: str = Field("", max_length=500, description="its password")
    unit_code: str = Field("", max_length=50, description="the unit code (madonvi) of every province without its own")
    unit_codes: dict[str, str] = Field(default_factory=dict, description='per province code, e.g. {"04": "000.00.00.H12"} (JSON)')
    unit_header: str = Field("madonvi", max_length=100, description="the sign-in header that carries the unit code")
    session_ttl_seconds: float = Field(1800.0, ge=10, le=86400, description="how long a session is used before signing in again")

    def unit_code_for(self, province_code: str | None) -> str:
        return self.unit_codes.get(province_code or "", self.unit_code)
