"""Career events (recruitment, appointment, transfer... retirement) with their decisions and documents; a person's history: routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
