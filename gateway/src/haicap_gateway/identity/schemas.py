"""Request and response bodies of sign-in, tokens and user management."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from haicap_shared import codes
from haicap_shared.consumers import SYSTEM_CODE_MAX_LENGTH, SYSTEM_CODE_PATTERN
from haicap_shared.roles import Area, Role

from .passwords import MIN_PASSWORD_LENGTH

Username = Annotated[
    str,
    Field(
        min_length=3,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$",
        description="Letters, digits, `.`, `_`, `-`, `@`; unique without regard to case",
        examples=["nguyen.van.a"],
    ),
]
Password = Annotated[SecretStr, Field(min_length=MIN_PASSWORD_LENGTH, max_length=200, description="At least 10 characters")]
ProvinceCode = Annotated[codes.ProvinceCode, Field(description="Province code, e.g. `04` (Cao Bằng)", examples=["04"])]
CommuneCode = Annotated[codes.CommuneCode, Field(description="Commune code, e.g. `01304` (Xã Quảng Lâm)", examples=["01304"])]
AgencyId = Annotated[str, Field(min_length=1, max_length=100, description="The agency's id in org-structure")]
PersonId = Annotated[uuid.UUID, Field(description="A staff user's own person: their id in personnel")]

USER_ROLES = frozenset(Role) - {Role.SERVICE}
"""Roles a user may have (``service`` is for service accounts)."""


class AreaFields(BaseModel):
    """Where a user acts: which parts must be present depends on the role."""

    province: ProvinceCode | None = None
    commune: CommuneCode | None = None
    agency: AgencyId | None = None
    person: PersonId | None = None
    national: bool = Field(
        default=False,
        description="A viewer of every province's reports: only for the role viewer, and then with no other field",
    )

    @classmethod
    def of(
        cls, role: Role, province: str | None, commune: str | None, agency: str | None, person: object | None = None
    ) -> AreaFields:
        """A stored area; a viewer with none is a national viewer."""
        national = role is Role.VIEWER and not (province or commune or agency)
        person_id = uuid.UUID(str(person)) if person is not None else None
        return cls(province=province, commune=commune, agency=agency, person=person_id, national=national)

    @classmethod
    def of_area(cls, role: Role, area: Area) -> AreaFields:
        """The fields of a principal's or a user's :class:`Area`."""
        return cls.of(role, area.province, area.commune, area.agency, area.person)


def area_problem(role: Role, area: AreaFields) -> str | None:
    """Why ``area`` does not fit ``role``, or None when it does.

    province_officer: a province only; commune_officer: a commune and its province;
    agency_officer: an agency and its province (and its commune, for a commune agency);
    viewer: a province (and a commune in it, for one commune's reports), or ``national``
    (every province's reports), said explicitly; staff: their person only (the id of their
    record in personnel); admin, auditor: none.
    """
    if role not in USER_ROLES:
        return f"the role {role.value} is for service accounts, not users"
    given = {name for name in ("province", "commune", "agency", "person") if getattr(area, name)}
    if area.national:
        if role is not Role.VIEWER:
            return "only a viewer may have a national area"
        return f"a national area has no {' or '.join(sorted(given))}" if given else None
    allowed: dict[Role, tuple[set[str], set[str]]] = {
        Role.PROVINCE_OFFICER: ({"province"}, set()),
        Role.COMMUNE_OFFICER: ({"province", "commune"}, set()),
        Role.AGENCY_OFFICER: ({"province", "agency"}, {"commune"}),
        # NOTE: a viewer is bound to an area like the other roles; reading every province is
        # a choice an admin makes explicitly (national), never what an omitted area means.
        Role.VIEWER: ({"province"}, {"commune"}),
        # NOTE: a staff user reads their own dossier only; the person's record says where it is managed.
        Role.STAFF: ({"person"}, set()),
    }
    required, optional = allowed.get(role, (set(), set()))
    if missing := required - given:
        return f"a {role.value} needs {' and '.join(sorted(missing))} in area"
    if extra := given - required - optional:
        return f"a {role.value} has no {' or '.join(sorted(extra))} in area"
    return None


class UserCreate(BaseModel):
    """A user to create; the area must fit the role (422 otherwise)."""

    username: Username
    display_name: str = Field(min_length=1, max_length=200, examples=["Nguyễn Văn A"])
    password: Password
    role: Role
    area: AreaFields = Field(default_factory=AreaFields)

    @model_validator(mode="after")
    def _area_fits_role(self) -> Self:
        if problem := area_problem(self.role, self.area):
            raise ValueError(problem)
        return self


class UserUpdate(BaseModel):
    """Fields to change; omitted ones stay. A new role usually needs a new area with it."""

    display_name: str | None = Field(None, min_length=1, max_length=200)
    password: Password | None = None
    role: Role | None = None
    area: AreaFields | None = None
    is_active: bool | None = None


class User(BaseModel):
    """A user (never with the password)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    area: AreaFields
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: Any) -> User:
        """From a ``User`` row: a mapped object or a Core row mapping."""
        get = user.__getitem__ if isinstance(user, Mapping) else user.__getattribute__
        # NOTE: snapshots written before staff users existed have no person_id.
        person = user.get("person_id") if isinstance(user, Mapping) else user.person_id
        return cls(
            id=get("id"),
            username=get("username"),
            display_name=get("display_name"),
            role=get("role"),
            area=AreaFields.of(Role(get("role")), get("province_code"), get("commune_code"), get("agency_id"), person),
            is_active=get("is_active"),
            version=get("version"),
            created_at=get("created_at"),
            updated_at=get("updated_at"),
        )


SystemCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=SYSTEM_CODE_MAX_LENGTH,
        pattern=SYSTEM_CODE_PATTERN,
        description="The consuming system's code at the data-sharing platform: X-Road-style "
        "`instance:class:member:subsystem` or an LGSP partner code (one to five parts of letters, digits, `.`, `_`, "
        "`-`, joined by `:`)",
        examples=["VN:GOV:000.00.00.H12:HAICAP"],
    ),
]


class ServiceAccount(BaseModel):
    """A service account (never with its secret, which is shown once, when made)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    client_id: str = Field(description="The client id it signs in with (client credentials)")
    description: str
    system_code: str | None = Field(
        default=None,
        description="The consuming system it stands for at the data-sharing platform; its tokens carry it (claim "
        "`system_code`) and every call made with them records it (access log `consumer`, audit `consumer_system`)",
    )
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class ServiceAccountUpdate(BaseModel):
    """Fields to change; omitted ones stay, ``system_code: null`` clears the code."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(None, max_length=200)
    system_code: SystemCode | None = None


class TokenResponse(BaseModel):
    """An OAuth2 token response (RFC 6749 §5.1), with the role as ``scope``."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int = Field(description="Seconds the access token is valid")
    refresh_token: str | None = Field(None, description="Absent for client credentials")
    scope: str = Field(description="The role the token carries")
    role: Role


class Me(BaseModel):
    """The caller, as the token names them."""

    subject: str
    username: str
    role: Role
    area: AreaFields
    token_id: str | None


class JsonWebKeySet(BaseModel):
    """Public keys that verify access tokens: the current one first."""

    keys: list[dict[str, Any]]


class RevokedTokens(BaseModel):
    """The ids (``jti``) of access tokens revoked before they expire; the services refuse them."""

    token_ids: list[str]
    refresh_seconds: float = Field(description="How often this list is worth fetching again")
