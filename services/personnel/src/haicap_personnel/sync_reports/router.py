"""The national sync's reports: routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
