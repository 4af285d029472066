"""Yearly evaluations, commendations and discipline: routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
