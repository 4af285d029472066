"""The one-stop push's settings, from ``HAICAP_ONE_STOP_*`` variables (the same in personnel and assets).

``ADAPTER`` chooses how a dossier's steps leave: ``one-stop`` (the provincial procedure system's
integration adapter: a session from ``/auth``, then one ``/integration`` POST per step),
``lgsp`` or ``ndxp`` (the mapped steps POSTed through the data-sharing platforms, as the
national sync does), or ``file`` (a signed, dated JSON-lines batch file for manual upload; the
default, for a province not yet connected).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ..exchange.settings import OneStopConnection

FOLDER = "one-stop"
"""The file adapter's folder under the var dir when ``HAICAP_ONE_STOP_FILE_DIR`` is not set."""


class OneStopSettings(OneStopConnection):
    """How the push worker reaches the provincial one-stop system (see the module)."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_ONE_STOP_", extra="ignore")

    adapter: Literal["one-stop", "lgsp", "ndxp", "file"] = "file"
    batch_size: int = Field(100, ge=1, le=1000, description="steps per turn (one POST each for one-stop)")
    file_dir: Path | None = Field(None, description="where the file adapter writes (default: <var dir>/one-stop)")
