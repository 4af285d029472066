"""HTTP routes of task feasibility: statuses of held tasks over time, the province's answers, statistics."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["feasibility"])
