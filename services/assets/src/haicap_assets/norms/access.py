"""Who may read and set car norms: every reader of assets reads them; car norms are national, so only admins set them."""

from __future__ import annotations

from haicap_shared.auth import AdminWrite, RecordsRead

__all__ = ["AdminWrite", "RecordsRead"]
