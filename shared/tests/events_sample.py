"""A small service that publishes its changes, to test the change feed through HTTP.

Two kinds of record: a ``parcel`` (its owner's name is personal data; besides create, update
and delete it can be ``transfer``-red) and a ``survey`` of a parcel. Writes are admin-only and
take no area check: the feed's area rule is what the tests look at.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Integer, String, Uuid, delete, insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from haicap_shared import personal_data
from haicap_shared.app import create_service_app
from haicap_shared.audit import Audit, snapshot
from haicap_shared.auth import Principal, require
from haicap_shared.codes import CommuneCode, ProvinceCode
from haicap_shared.db import DbSession, new_metadata
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.events.catalogue import EventCatalogue, EventKind
from haicap_shared.events.tables import define_event_tables
from haicap_shared.models import Entity, define_audit_table, define_idempotency_table
from haicap_shared.roles import Role
from haicap_shared.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "events_sample_migrations"
SERVICE = "shared-events"
metadata = new_metadata()
define_audit_table(metadata)
define_idempotency_table(metadata)
event_tables = define_event_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class Parcel(Entity, Base):
    __tablename__ = "parcel"
    name: Mapped[str] = mapped_column(String(200))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    area_m2: Mapped[int] = mapped_column(Integer)
    province_code: Mapped[str | None] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Survey(Entity, Base):
    __tablename__ = "survey"
    parcel_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    result: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str | None] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ParcelIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    owner_name: str | None = Field(default=None, max_length=200)
    area_m2: int = Field(default=100, ge=1)
    province_code: ProvinceCode | None = None
    commune_code: CommuneCode | None = None
    agency_id: uuid.UUID | None = None


class ParcelUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    owner_name: str | None = Field(default=None, max_length=200)
    area_m2: int | None = Field(default=None, ge=1)


class ParcelBulk(BaseModel):
    items: list[ParcelIn] = Field(min_length=1, max_length=1000)


class ParcelOut(BaseModel):
    """A parcel of land."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    owner_name: str | None = Field(description="Personal: masked")
    area_m2: int = Field(ge=1)
    province_code: ProvinceCode | None
    commune_code: CommuneCode | None
    agency_id: uuid.UUID | None
    version: int


class SurveyIn(BaseModel):
    parcel_id: uuid.UUID
    result: str = Field(min_length=1, max_length=200)


class SurveyOut(BaseModel):
    """A survey of a parcel."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    parcel_id: uuid.UUID
    result: str
    province_code: ProvinceCode | None
    commune_code: CommuneCode | None
    version: int


PATH = "/api/v1/sample"
CATALOGUE = EventCatalogue(
    "sample",
    PATH,
    [
        EventKind(
            "parcel",
            ParcelOut,
            f"{PATH}/parcels/{{id}}",
            actions={"transfer": "transferred"},
            description="A parcel of land",
        ),
        EventKind("survey", SurveyOut, f"{PATH}/surveys/{{id}}", description="A survey of a parcel"),
    ],
)
PERSONAL = {"parcel": ["owner_name"]}
FAIL_AFTER_WRITING = "fail after writing"

router = APIRouter(tags=["parcels"])
Writer = Annotated[Principal, Depends(require(Role.ADMIN, writes=True))]
Reader = Annotated[Principal, Depends(require(Role.ADMIN))]


async def _parcel(session: DbSession, parcel_id: uuid.UUID) -> Parcel:
    parcel = await session.get(Parcel, parcel_id)
    if parcel is None:
        raise NotFound("no such parcel")
    return parcel


@router.post("/parcels", status_code=201, response_model=ParcelOut, responses={409: {"description": "on purpose"}})
async def create_parcel(payload: ParcelIn, session: DbSession, audit: Audit, principal: Writer) -> ParcelOut:
    """Create a parcel (named `fail after writing`: fails after its audit record, so nothing is kept)."""
    parcel = Parcel(**payload.model_dump())
    session.add(parcel)
    await session.flush()
    await audit.record(session, principal, entity_type="parcel", entity_id=parcel.id, action="create", after=snapshot(parcel))
    if payload.name == FAIL_AFTER_WRITING:
        raise Conflict("failing on purpose after the write")
    return ParcelOut.model_validate(parcel)


@router.post("/parcels/bulk", status_code=201, response_model=list[ParcelOut])
async def create_parcels(payload: ParcelBulk, session: DbSession, audit: Audit, principal: Writer) -> list[ParcelOut]:
    """Create many parcels in one statement, audited in one statement."""
    rows: list[dict[str, Any]] = [{"id": uuid.uuid4(), "version": 1, **item.model_dump()} for item in payload.items]
    await session.execute(insert(Parcel), rows)
    await audit.record_many(
        session,
        principal,
        entity_type="parcel",
        action="create",
        changes=[(row["id"], None, {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in row.items()}) for row in rows],
    )
    return [ParcelOut.model_validate(row) for row in rows]


@router.patch("/parcels/{parcel_id}", response_model=ParcelOut)
async def update_parcel(
    parcel_id: uuid.UUID, payload: ParcelUpdate, session: DbSession, audit: Audit, principal: Writer
) -> ParcelOut:
    """Change a parcel."""
    parcel = await _parcel(session, parcel_id)
    before = snapshot(parcel)
    for name, value in payload.model_dump(exclude_unset=True).items():
        setattr(parcel, name, value)
    await session.flush()
    await audit.record(
        session, principal, entity_type="parcel", entity_id=parcel.id, action="update", before=before, after=snapshot(parcel)
    )
    return ParcelOut.model_validate(parcel)


@router.post("/parcels/{parcel_id}/transfer", response_model=ParcelOut)
async def transfer_parcel(
    parcel_id: uuid.UUID,
    session: DbSession,
    audit: Audit,
    principal: Writer,
    owner_name: Annotated[str, Query(min_length=1, max_length=200)],
) -> ParcelOut:
    """Give a parcel another owner."""
    parcel = await _parcel(session, parcel_id)
    before = snapshot(parcel)
    parcel.owner_name = owner_name
    await session.flush()
    await audit.record(
        session, principal, entity_type="parcel", entity_id=parcel.id, action="transfer", before=before, after=snapshot(parcel)
    )
    return ParcelOut.model_validate(parcel)


@router.delete("/parcels/{parcel_id}", status_code=204)
async def delete_parcel(parcel_id: uuid.UUID, session: DbSession, audit: Audit, principal: Writer) -> None:
    """Delete a parcel."""
    parcel = await _parcel(session, parcel_id)
    before = snapshot(parcel)
    await session.execute(delete(Parcel).where(Parcel.id == parcel_id))
    await audit.record(session, principal, entity_type="parcel", entity_id=parcel_id, action="delete", before=before)


@router.get("/parcels/{parcel_id}", response_model=ParcelOut)
async def read_parcel(
    parcel_id: uuid.UUID,
    session: DbSession,
    audit: Audit,
    principal: Reader,
    reveal: Annotated[bool, Query(description="Show the owner unmasked (audited)")] = False,
) -> ParcelOut:
    """Read a parcel (its owner masked unless revealed)."""
    parcel = await _parcel(session, parcel_id)
    out = ParcelOut.model_validate(parcel)
    if reveal:
        await personal_data.reveal(session, audit, principal, entity_type="parcel", entity_id=parcel.id, fields=["owner_name"])
        return out
    return out.model_copy(update={"owner_name": personal_data.mask(out.owner_name)})


@router.post("/surveys", status_code=201, response_model=SurveyOut)
async def create_survey(payload: SurveyIn, session: DbSession, audit: Audit, principal: Writer) -> SurveyOut:
    """Survey a parcel (the survey lies where its parcel lies)."""
    parcel = await _parcel(session, payload.parcel_id)
    survey = Survey(
        parcel_id=parcel.id,
        result=payload.result,
        province_code=parcel.province_code,
        commune_code=parcel.commune_code,
        agency_id=parcel.agency_id,
    )
    session.add(survey)
    await session.flush()
    await audit.record(session, principal, entity_type="survey", entity_id=survey.id, action="create", after=snapshot(survey))
    return SurveyOut.model_validate(survey)


def create_events_app(db_url: str, var_dir: Path, jwks: str, *, public_base_url: str = "http://testserver") -> FastAPI:
    settings = ServiceSettings(
        service_name=SERVICE, database_url=db_url, var_dir=var_dir, jwks=jwks, public_base_url=public_base_url
    )
    return create_service_app(
        title="events sample",
        description="A service that publishes its changes",
        settings=settings,
        metadata=metadata,
        routers=[router],
        personal_fields=PERSONAL,
        operation_prefix="sample",
        events=CATALOGUE,
    )
