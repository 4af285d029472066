"""The rules of car norms: one in force on any date; a later one replaces it; each kind of car has its cap.

The kind of a car is derived, never typed: a car allocated as a specialised car is
``specialised`` whatever its seats; otherwise it is the kind whose seat range holds its seats;
otherwise (5 seats or fewer, or any seats no kind names) it is the common car, capped by the
norm's ``max_price_vnd``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, jsonable, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import Conflict, NotFound

from ..holders import day_before
from . import repository
from .models import CarKind, CarKindCap, CarNorm
from .schemas import CarKindCapOut, CarNormCreate
from .schemas import CarNorm as CarNormOut

ENTITY_NORM = "car_norm"


class NormDateInvalid(Conflict):
    code, title = "norm_date_invalid", "A new norm must start after the one in force"


@dataclass(frozen=True)
class Cap:
    """What a car is checked against: its kind, the cap (null: none set) and where it comes from."""

    kind: CarKind
    max_price_vnd: int | None
    provisional: bool
    source: str


def kind_of(seats: int | None, specialised: bool, caps: Sequence[CarKindCap]) -> CarKind:
    """The kind of a car, from its seats and whether it is allocated as a specialised car."""
    if specialised:
        return CarKind.SPECIALISED
    for cap in caps:
        low, high = cap.min_seats, cap.max_seats
        if seats is not None and low is not None and high is not None and low <= seats <= high:
            return cap.kind
    return CarKind.COMMON


def cap_for(norm: CarNorm, caps: Sequence[CarKindCap], seats: int | None, specialised: bool) -> Cap:
    """The cap a car of these seats is held to under ``norm``."""
    kind = kind_of(seats, specialised, caps)
    found = next((c for c in caps if c.kind is kind), None)
    if found is None:
        if kind is CarKind.SPECIALISED:
            return Cap(kind, None, True, "no cap recorded for specialised cars")
        return Cap(CarKind.COMMON, norm.max_price_vnd, False, norm.legal_basis)
    return Cap(found.kind, found.max_price_vnd, found.provisional, found.source)


async def cap_on(session: AsyncSession, on: date, seats: int | None, specialised: bool) -> tuple[CarNorm, Cap] | None:
    """The norm in force on ``on`` and the cap it sets for such a car; none when no norm is in force."""
    norm = await repository.norm_on(session, on)
    if norm is None:
        return None
    return norm, cap_for(norm, await repository.kind_caps(session, [norm.id]), seats, specialised)


class NormNotFound(NotFound):
    code, title = "car_norm_not_found", "No such car norm"


def _common(norm: CarNorm | Mapping[str, Any]) -> CarKindCapOut:
    values = norm if isinstance(norm, Mapping) else {"max_price_vnd": norm.max_price_vnd, "legal_basis": norm.legal_basis}
    return CarKindCapOut(
        kind=CarKind.COMMON,
        min_seats=None,
        max_seats=None,
        max_price_vnd=values["max_price_vnd"],
        provisional=False,
        source=values["legal_basis"],
    )


def norm_record(audited: Mapping[str, Any]) -> CarNormOut:
    """A norm as the API returns it, from its audit snapshot (the norm's columns and its ``kinds``' caps)."""
    kinds = sorted(audited.get("kinds") or [], key=lambda k: str(k["kind"]))
    return CarNormOut.model_validate({**audited, "kinds": [_common(audited), *kinds]})


def _audited(norm: CarNorm, kinds: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return snapshot(norm) | {"kinds": [{k: jsonable(v) for k, v in kind.items()} for kind in kinds]}


async def describe(session: AsyncSession, norms: Sequence[CarNorm]) -> list[CarNormOut]:
    """The norms with every kind's cap, the common car first."""
    caps = await repository.kind_caps(session, [n.id for n in norms])
    return [
        CarNormOut.model_validate(
            {
                **{f: getattr(n, f) for f in ("id", "valid_from", "valid_to", "max_general_cars_per_commune", "max_price_vnd")},
                **{f: getattr(n, f) for f in ("legal_basis", "note", "version")},
                "kinds": [_common(n), *(CarKindCapOut.model_validate(c) for c in caps if c.norm_id == n.id)],
            }
        )
        for n in norms
    ]


async def get_norm(session: AsyncSession, norm_id: uuid.UUID) -> CarNormOut:
    norm = await repository.get_norm(session, norm_id)
    if norm is None:
        raise NormNotFound(f"No car norm has id {norm_id}")
    return (await describe(session, [norm]))[0]


async def list_norms(session: AsyncSession) -> list[CarNormOut]:
    """Every norm with every kind's cap, oldest first."""
    return await describe(session, await repository.all_norms(session))


async def create_norm(session: AsyncSession, audit: AuditTrail, principal: Principal, data: CarNormCreate) -> CarNorm:
    current = await repository.open_norm(session)
    carried: list[dict[str, object]] = []
    if current is not None:
        if current.valid_from >= data.valid_from:
            raise NormDateInvalid(f"The norm in force started on {current.valid_from}; a new one must start later")
        current_caps = [CarKindCapOut.model_validate(c).model_dump() for c in await repository.kind_caps(session, [current.id])]
        if data.kinds is None:
            # NOTE: a new norm that names no kinds keeps the caps of the one it replaces: leaving
            # them out would hold a lawful 16-seat car to the common car's cap again.
            carried = current_caps
        before = _audited(current, current_caps)
        current.valid_to = day_before(data.valid_from)
        await session.flush()
        await audit.record(
            session,
            principal,
            entity_type=ENTITY_NORM,
            entity_id=current.id,
            action="update",
            before=before,
            after=_audited(current, current_caps),
        )
    norm = CarNorm(id=uuid.uuid4(), **data.model_dump(exclude={"kinds"}))
    session.add(norm)
    await session.flush()
    kinds = [k.model_dump() for k in data.kinds] if data.kinds is not None else carried
    for kind in kinds:
        session.add(CarKindCap(id=uuid.uuid4(), norm_id=norm.id, **kind))
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_NORM,
        entity_id=norm.id,
        action="create",
        after=_audited(norm, kinds),
    )
    return norm
