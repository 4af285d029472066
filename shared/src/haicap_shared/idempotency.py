"""Idempotency-Key on creating requests: a retried POST never creates twice.

The first response to a key is stored in the same transaction as the change it made, so
either both exist or neither does. The same key with the same request replays that
response; with another request it is refused (422), since the caller has mixed up keys.

A key belongs to the caller who sent it (the token's subject): another caller sending the
same key and body is a new request, checked and carried out as its own, never handed the
first caller's response. The replay happens in the route, after its role check has run.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Table, delete, insert, select

from .auth import CurrentPrincipal
from .db import DbSession
from .errors import AppError
from .models import utcnow
from .versioning import created_headers, version_of

REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("etag", "location")


class IdempotencyKeyReused(AppError):
    status, code, title = 422, "idempotency_key_reused", "This Idempotency-Key was used for another request"


async def request_fingerprint(request: Request) -> str:
    body = await request.body()
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode() if body else b""
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), canonical):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


class IdempotentRequest:
    """The idempotency state of one POST; a no-op when the caller sent no key."""

    def __init__(self, request: Request, session: DbSession, key: str | None, owner: str = "") -> None:
        self.request = request
        self.session = session
        self.key = key
        self.owner = owner
        self.table: Table = request.app.state.idempotency_table
        self.ttl = timedelta(hours=request.app.state.settings.idempotency_ttl_hours)
        self._fingerprint: str | None = None

    async def replay(self) -> JSONResponse | None:
        """The stored response when this key was already used for this very request."""
        if self.key is None:
            return None
        self._fingerprint = await request_fingerprint(self.request)
        row = (
            (
                await self.session.execute(
                    select(self.table).where(
                        self.table.c.owner == self.owner, self.table.c.key == self.key, self.table.c.expires_at > utcnow()
                    )
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        if row["fingerprint"] != self._fingerprint:
            raise IdempotencyKeyReused(
                "The key was first used with another method, path or body; use a new key for a new request"
            )
        headers = {**row["response_headers"], REPLAYED_HEADER: "true"}
        return JSONResponse(row["response_body"], status_code=row["status_code"], headers=headers)

    async def respond(
        self, status_code: int, body: BaseModel | dict[str, Any], headers: dict[str, str] | None = None
    ) -> JSONResponse:
        """Build the response and, under a key, store it with the change."""
        content = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
        headers = headers or {}
        if self.key is not None:
            now = utcnow()
            fingerprint = self._fingerprint or await request_fingerprint(self.request)
            await self.session.execute(delete(self.table).where(self.table.c.expires_at <= now))
            await self.session.execute(
                insert(self.table).values(
                    owner=self.owner,
                    key=self.key,
                    fingerprint=fingerprint,
                    status_code=status_code,
                    response_body=content,
                    response_headers={k: v for k, v in headers.items() if k.lower() in _KEPT_HEADERS},
                    created_at=now,
                    expires_at=now + self.ttl,
                )
            )
        return JSONResponse(content, status_code=status_code, headers=headers)

    async def created(self, body: BaseModel, location: str, version: int | None = None) -> JSONResponse:
        """201 with the new resource, its ``ETag`` (by default ``body.version``) and ``Location``, stored under a key."""
        tag_version = version_of(body) if version is None else version
        return await self.respond(201, body, headers=created_headers(location, tag_version))


async def _idempotent_request(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="Any unique string (a UUID is best). Retrying with the same key and body "
            "returns the first response instead of creating again.",
        ),
    ] = None,
) -> IdempotentRequest:
    return IdempotentRequest(request, session, idempotency_key, owner=principal.subject)


_idempotent_request.problems = (IdempotencyKeyReused,)  # type: ignore[attr-defined]

Idempotency = Annotated[IdempotentRequest, Depends(_idempotent_request)]
