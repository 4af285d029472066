"""A minimal service built on the shared library, to test its pieces through HTTP."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from haicap_shared import personal_data
from haicap_shared.app import create_service_app
from haicap_shared.audit import Audit, snapshot
from haicap_shared.auth import Principal, require
from haicap_shared.db import DbSession, new_metadata
from haicap_shared.errors import NotFound
from haicap_shared.idempotency import Idempotency
from haicap_shared.models import Entity, define_audit_table, define_idempotency_table
from haicap_shared.paging import Cursor, Limit, Page, keyset_page
from haicap_shared.roles import Role
from haicap_shared.settings import ServiceSettings
from haicap_shared.text import like_pattern
from haicap_shared.values import IsoDate, Money, NationalId
from haicap_shared.versioning import IfMatch, etag_response

MIGRATIONS = Path(__file__).parent / "sample_migrations"
metadata = new_metadata()
define_audit_table(metadata)
define_idempotency_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class Note(Entity, Base):
    __tablename__ = "note"
    text: Mapped[str] = mapped_column(String(200))


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=200)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    text: str
    version: int


router = APIRouter(tags=["notes"])
NotesAccess = Annotated[Principal, Depends(require(Role.ADMIN, Role.PROVINCE_OFFICER))]
NoteReaders = Annotated[Principal, Depends(require(Role.ADMIN, Role.PROVINCE_OFFICER, Role.AUDITOR))]


@router.post("/notes", status_code=201, response_model=NoteOut)
async def create_note(
    payload: NoteIn, session: DbSession, audit: Audit, principal: NotesAccess, idempotency: Idempotency
) -> JSONResponse:
    """Create a note."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    note = Note(text=payload.text)
    session.add(note)
    await session.flush()
    await audit.record(session, principal, entity_type="note", entity_id=note.id, action="create", after=snapshot(note))
    if payload.text == "fail after writing":
        raise NotFound("failing on purpose after the write")
    return await idempotency.created(NoteOut.model_validate(note), location=f"notes/{note.id}", version=note.version)


@router.put("/notes/{note_id}", response_model=NoteOut)
async def replace_note(
    note_id: uuid.UUID, payload: NoteIn, if_match: IfMatch, session: DbSession, _principal: NotesAccess
) -> JSONResponse:
    """Replace a note's text (If-Match required)."""
    note = await session.get(Note, note_id)
    if note is None:
        raise NotFound("no such note")
    if_match.check(note.version)
    note.text = payload.text
    await session.flush()
    return etag_response(NoteOut.model_validate(note), note.version)


@router.get("/notes/{note_id}", response_model=NoteOut)
async def read_note(
    note_id: uuid.UUID,
    session: DbSession,
    audit: Audit,
    principal: NoteReaders,
    reveal: Annotated[bool, Query(description="Show the text unmasked (audited)")] = False,
) -> NoteOut:
    """Read a note; its text counts as personal data here."""
    note = await session.get(Note, note_id)
    if note is None:
        raise NotFound("no such note")
    out = NoteOut.model_validate(note)
    if reveal:
        await personal_data.reveal(session, audit, principal, entity_type="note", entity_id=note.id, fields=["text"])
        return out
    return out.model_copy(update={"text": personal_data.mask(out.text)})


@router.get("/notes", response_model=Page[NoteOut])
async def list_notes(
    session: DbSession,
    _principal: NotesAccess,
    limit: Limit = 10,
    cursor: Cursor = None,
    text: Annotated[str | None, Query()] = None,
) -> Page[NoteOut]:
    """List notes by text."""
    table = Note.__table__
    stmt = select(table)
    if text:
        stmt = stmt.where(table.c.text == text)
    return await keyset_page(session, stmt, order_by=[table.c.text, table.c.id], limit=limit, cursor=cursor, item=NoteOut)


class Day(BaseModel):
    on: IsoDate
    week_before: IsoDate
    pattern: str | None
    amount: Money


class Payment(BaseModel):
    paid_on: IsoDate
    national_id: NationalId
    amount: Money


@router.get("/days", response_model=Day)
async def read_day(
    _principal: NoteReaders,
    on: Annotated[IsoDate, Query(description="Any date")],
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Day:
    """A date and the week before it (day arithmetic on what the caller sent), and the search pattern of ``q``."""
    return Day(on=on, week_before=on - timedelta(days=7), pattern=like_pattern(q) if q else None, amount=Decimal("1E+3"))


@router.post("/payments", response_model=Payment)
async def echo_payment(payload: Payment, _principal: NotesAccess) -> Payment:
    """A payment, as the service read it."""
    return payload


def create_sample_app(db_url: str, var_dir: Path, jwks: str) -> FastAPI:
    settings = ServiceSettings(service_name="shared-sample", database_url=db_url, var_dir=var_dir, jwks=jwks)
    # NOTE: a note's text counts as personal data here (read_note masks it), so the audit log masks it too.
    return create_service_app(
        title="sample",
        description="sample",
        settings=settings,
        metadata=metadata,
        routers=[router],
        personal_fields={"note": ["text"]},
    )
