"""HTTP routes of the linked open data export."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["linked-data"])
