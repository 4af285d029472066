"""The national sync's adapters: the shared exchange adapters (:mod:`haicap_shared.exchange`) keyed by change id.

``lgsp``, ``ndxp`` and ``file`` as :mod:`haicap_shared.exchange.adapters` describes them; a
record's id is its ``change_id``, the file adapter writes
``<var dir>/national-sync/haicap-dossier-changes-<UTC time>-<id>.jsonl`` (and its ``.sig``), and
each exchange is logged in ``sync_exchange`` (its ``change_ids``).
"""

from __future__ import annotations

from pathlib import Path

import httpx

from haicap_shared.exchange import adapters as exchange
from haicap_shared.exchange.outcomes import Adapter

from .settings import SyncSettings

ID_KEY = "change_id"
FILE_PREFIX = "haicap-dossier-changes"
FOLDER = "national-sync"
"""The file adapter's folder under the var dir when ``HAICAP_PERSONNEL_SYNC_FILE_DIR`` is not set."""


def make_adapter(settings: SyncSettings, var_dir: Path, *, http: httpx.AsyncClient | None = None) -> Adapter:
    """The adapter the settings choose."""
    return exchange.make_adapter(settings, var_dir / FOLDER, id_key=ID_KEY, file_prefix=FILE_PREFIX, http=http)
