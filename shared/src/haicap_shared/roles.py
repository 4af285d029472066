"""Roles and areas: who may do what, and where.

| role | reads | writes |
| --- | --- | --- |
| ``admin`` | everything | everything |
| ``province_officer`` | their province | their province |
| ``agency_officer`` | their agency (and the reference data) | their agency |
| ``commune_officer`` | their commune and its agencies | the same |
| ``auditor`` | everything, audit logs included | nothing |
| ``viewer`` | reports only, of their province or commune (or, explicitly, national) | nothing |
| ``service`` | everything (service accounts, e.g. reporting reading the others) | nothing |
| ``staff`` | their own dossier only (``/api/v1/personnel/me/*``) | their own consents and discrepancies |

An area is a province code, a commune code (with its province) or an agency id (with its
province and commune where it has one). Each service applies the area in its queries. A
``staff`` user (a cadre, civil servant or public employee) has a person instead: their id in
personnel, and no area of records: every area rule answers "nothing" for them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Role(enum.StrEnum):
    ADMIN = "admin"
    PROVINCE_OFFICER = "province_officer"
    AGENCY_OFFICER = "agency_officer"
    COMMUNE_OFFICER = "commune_officer"
    AUDITOR = "auditor"
    VIEWER = "viewer"
    SERVICE = "service"
    STAFF = "staff"


EVERY_ROLE = frozenset(Role)
READS_EVERYWHERE = frozenset({Role.ADMIN, Role.AUDITOR, Role.SERVICE})
WRITERS = frozenset({Role.ADMIN, Role.PROVINCE_OFFICER, Role.AGENCY_OFFICER, Role.COMMUNE_OFFICER})
SELF_SERVICE = frozenset({Role.STAFF})
"""Roles that read only their own records (the ``/me`` routes), never anyone's area."""
OFFICIAL_ROLES = EVERY_ROLE - SELF_SERVICE
"""Every role that works on the province's records (each in its area): all but ``staff``."""


@dataclass(frozen=True, slots=True)
class Area:
    """Where a principal may act; empty for the roles that act everywhere."""

    province: str | None = None
    commune: str | None = None
    agency: str | None = None
    person: str | None = None
    """A ``staff`` user's own person (their id in personnel); no other role has one."""

    def as_claim(self) -> dict[str, str]:
        parts = (("province", self.province), ("commune", self.commune), ("agency", self.agency), ("person", self.person))
        return {k: v for k, v in parts if v}

    @classmethod
    def from_claim(cls, claim: dict[str, Any]) -> Area:
        return cls(
            province=claim.get("province"), commune=claim.get("commune"), agency=claim.get("agency"), person=claim.get("person")
        )


def area_required(role: Role) -> str | None:
    """Which part of the area a role must have, if any."""
    return {
        Role.PROVINCE_OFFICER: "province",
        Role.COMMUNE_OFFICER: "commune",
        Role.AGENCY_OFFICER: "agency",
        Role.STAFF: "person",
    }.get(role)
