"""HTTP routes of the procedure catalogue."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["procedures"])
