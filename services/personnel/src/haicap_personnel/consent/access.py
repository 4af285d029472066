"""Who may record, read and revoke consents, read dossiers, flag and resolve discrepancies.

- Consents: the officers of the person's area (and admins) record one on the person's written
  consent and revoke it; the person (role ``staff``) records and revokes their own. Readers of
  the person's area (auditors and service accounts included) and the person list them.
- A dossier: readers of the person's area read it as any record; a caller outside it only on
  behalf of an agency of their own area, with a consent that holds (the service's rule).
- Discrepancies: the person flags them (``/me/discrepancies``); the officers of the person's area
  list and resolve them (the discrepancy keeps the area of the record when it was flagged).
- ``staff`` reads and does nothing else: every ``/me`` route is theirs alone.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement

from haicap_shared.areas import check_record_area, records_in_area
from haicap_shared.auth import RECORD_READERS, RECORD_WRITERS, Principal, RecordsRead, RecordsWrite, require
from haicap_shared.errors import AppError
from haicap_shared.roles import Role

from .models import Discrepancy, discrepancy_table

__all__ = [
    "ConsentRead",
    "ConsentWrite",
    "OwnDossier",
    "OwnDossierWrite",
    "RecordsRead",
    "RecordsWrite",
    "check_discrepancy",
    "discrepancies_visible",
    "is_own",
    "own_discrepancies",
    "own_person_id",
]

OwnDossier = Annotated[Principal, Depends(require(Role.STAFF))]
"""The person themself (role ``staff``), reading their own dossier."""
OwnDossierWrite = Annotated[Principal, Depends(require(Role.STAFF, writes=True))]
"""The person themself, recording a consent or flagging a discrepancy."""
ConsentRead = Annotated[Principal, Depends(require(*RECORD_READERS, Role.STAFF))]
"""Readers of the person's area, and the person (their own consents, discrepancies)."""
ConsentWrite = Annotated[Principal, Depends(require(*RECORD_WRITERS, Role.STAFF, writes=True))]
"""Officers of the person's area and admins, and the person (their own consent)."""


class NoPersonInToken(AppError):
    status, code, title = 403, "no_person", "Your account names no person: ask an admin to link it to your record"


class NotYourRecord(AppError):
    status, code, title = 403, "not_your_record", "This record is not yours"


def own_person_id(principal: Principal) -> uuid.UUID:
    """The person a ``staff`` caller is (their token's area), or 403 ``no_person``."""
    try:
        return uuid.UUID(principal.area.person or "")
    except ValueError:
        raise NoPersonInToken() from None


def is_own(principal: Principal, person_id: uuid.UUID) -> bool:
    """Whether the caller is the person themself (role ``staff`` naming them)."""
    return principal.role is Role.STAFF and principal.area.person == str(person_id)


def check_own(principal: Principal, person_id: uuid.UUID, what: str) -> None:
    """403 ``not_your_record`` unless the ``staff`` caller is the person."""
    if not is_own(principal, person_id):
        raise NotYourRecord(f"{what} is another person's")


def discrepancies_visible(principal: Principal) -> ColumnElement[bool]:
    """The discrepancies in the caller's area, as a condition on ``discrepancy``."""
    return records_in_area(principal, discrepancy_table)


def check_discrepancy(principal: Principal, discrepancy: Discrepancy) -> None:
    """The person's own, or 403 ``outside_area`` unless it is in the caller's area."""
    if principal.role is Role.STAFF:
        check_own(principal, discrepancy.person_id, "This discrepancy")
        return
    check_record_area(principal, discrepancy, "This discrepancy")


def own_discrepancies(principal: Principal) -> ColumnElement[bool]:
    """The ``staff`` caller's own discrepancies, as a condition on ``discrepancy``."""
    return discrepancy_table.c.person_id == own_person_id(principal)
