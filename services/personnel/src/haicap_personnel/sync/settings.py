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

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from haicap_shared.exchange.settings import ExchangeSettings, LgspHeaders

__all__ = ["LgspHeaders", "SyncSettings"]


class SyncSettings(ExchangeSettings):
    """How the sync worker reaches the national database (see the module; the fields are the shared transport's)."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_PERSONNEL_SYNC_", extra="ignore")

    adapter: Literal["lgsp", "ndxp", "file"] = "file"
    intake_batch_size: int = Field(500, ge=1, le=5000, description="events read per turn")
    lease_seconds: float = Field(120.0, ge=5, le=3600, description="how long a replica holds a batch or the intake")
    file_dir: Path | None = Field(None, description="where the file adapter writes (default: <var dir>/national-sync)")
