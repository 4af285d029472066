"""Who may read and set car norms: every reader of assets reads them; car norms are national, so only admins set them."""

from __future__ import annotations

from ..register.access import AdminWrite, AssetsRead

__all__ = ["AdminWrite", "AssetsRead"]
