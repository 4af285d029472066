"""A person's consent to other agencies reading their dossier; the person's own view and the discrepancies they flag: routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
