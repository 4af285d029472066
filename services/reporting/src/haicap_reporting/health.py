"""reporting's ``/readyz``: ready once it serves, with where its change-feed followers stand.

reporting has no database to wait for, and a source that is down is each report's business
(its ``missing`` sections), not readiness: ``/readyz`` is 200 whatever the followers say, so
a feed outage never takes reporting out of rotation. Their state is the ``detail``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from haicap_shared.auth import Public

from .feeds import FeedState, feed_states


class FeedsDetail(BaseModel):
    event_feeds: list[FeedState] = Field(description="One follower per source's change feed")


class Readiness(BaseModel):
    status: str = Field(description="`ready`")
    service: str
    detail: FeedsDetail | None = Field(
        default=None, description="Where the change-feed followers stand; absent when they are turned off"
    )


def readiness_router(service: str) -> APIRouter:
    router = APIRouter(tags=["health"], dependencies=[Public])

    @router.get("/readyz", response_model=Readiness)
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: the process serves (it has no database); the detail shows the change-feed followers."""
        body = Readiness(status="ready", service=service)
        states = feed_states(request.app)
        if states:
            body.detail = FeedsDetail(event_feeds=states)
        return JSONResponse(body.model_dump(mode="json", exclude_unset=True))

    return router
