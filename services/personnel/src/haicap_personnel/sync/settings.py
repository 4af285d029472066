"""The sync worker's settings, from ``HAICAP_PERSONNEL_SYNC_*`` variables.

``ADAPTER`` chooses how verified changes leave: ``lgsp`` (the provincial data-sharing platform:
a token by ``client_credentials``, then JSON POSTs with the province's LGSP headers), ``ndxp``
(the national platform directly, the same record format, a token when ``TOKEN_URL`` is set) or
``file`` (a signed, dated JSON-lines batch file for manual upload; the default, for a province
not yet connected).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LgspHeaders(BaseModel):
    """One province's LGSP values (each provincial platform issues its own)."""

    access_key: str = Field("", max_length=500)
    secret_key: str = Field("", max_length=500)
    app_name: str = Field("", max_length=200)
    partner_code: str = Field("", max_length=200)
    sender_code: str = Field("", max_length=200)
    receiver_code: str = Field("", max_length=200)
    tran_code: str = Field("", max_length=200)


class SyncSettings(BaseSettings):
    """How the sync worker reaches the national database (see the module)."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_PERSONNEL_SYNC_", extra="ignore")

    adapter: Literal["lgsp", "ndxp", "file"] = "file"
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
    batch_size: int = Field(500, ge=1, le=1000, description="records per POST (1: one record per POST)")
    intake_batch_size: int = Field(500, ge=1, le=5000, description="events read per turn")
    retry_base_seconds: float = Field(5.0, gt=0, le=3600)
    retry_cap_seconds: float = Field(3600.0, gt=0, le=86400)
    lease_seconds: float = Field(120.0, ge=5, le=3600, description="how long a replica holds a batch or the intake")
    idle_seconds: float = Field(1.0, gt=0, le=60, description="sleep when nothing is waiting")
    file_dir: Path | None = Field(None, description="where the file adapter writes (default: <var dir>/national-sync)")
    file_hmac_key: str = Field("", description="the file adapter's HMAC-SHA256 signing key")
    file_private_key_file: Path | None = Field(None, description="a PEM Ed25519 private key: signs with Ed25519 instead")

    def lgsp_for(self, province_code: str | None) -> LgspHeaders:
        return self.lgsp_provinces.get(province_code or "", self.lgsp)
