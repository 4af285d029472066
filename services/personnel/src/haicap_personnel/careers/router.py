"""Career events with their decisions and documents; a person's history: routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
