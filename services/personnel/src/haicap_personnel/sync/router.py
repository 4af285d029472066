"""The national sync: verification, dossier changes, exchanges, the calendar and the sync reports: routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
