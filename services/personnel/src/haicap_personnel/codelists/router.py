"""Official code lists: routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
