"""What the gateway's operator commands do: create an admin, the demo users, a service account.

Each runs in one transaction with its own engine and records its changes in the audit log
as the command (``system:create-admin``, ...), and their change events in identity's outbox
(``public_base_url``: the gateway as the outside world reaches it, the base of the events' links).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import Principal, system_principal
from haicap_shared.consumers import SYSTEM_CODE_PATTERN, is_system_code
from haicap_shared.db import null_pool_engine
from haicap_shared.roles import Role

from ..db import metadata
from . import repository, service
from .events import identity_outbox
from .passwords import generate_password
from .schemas import AreaFields, UserCreate

T = TypeVar("T")

DEMO_COMMUNES = {"04": ("01304", "Xã Quảng Lâm")}
"""A commune per province for the demo commune officer (Cao Bằng: Xã Quảng Lâm)."""


def demo_agency_id(province: str) -> str:
    """A placeholder agency id for the demo agency officer.

    NOTE: org-structure has no agencies yet, so this names none; replace the user's area
    once agencies are recorded (``PATCH /api/v1/auth/users/{id}``).
    """
    return f"demo-agency-{province}"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    area: AreaFields
    password: str | None
    """The generated password if the user was created now; None if it existed already."""

    def as_json(self) -> dict[str, object]:
        return {
            "username": self.username,
            "role": self.role.value,
            "area": self.area.model_dump(mode="json", exclude_none=True, exclude_defaults=True),
            "password": self.password,
        }

    def area_text(self) -> str:
        area = self.area.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        return ", ".join(f"{k} {v}" for k, v in area.items()) or "-"


async def _in_transaction(
    url: str, public_base_url: str, name: str, work: Callable[[AsyncSession, AuditTrail, Principal], Awaitable[T]]
) -> T:
    engine = null_pool_engine(url)
    trail = AuditTrail(metadata.tables["audit_event"], outbox=identity_outbox(public_base_url))
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            return await work(session, trail, system_principal(name))
    finally:
        await engine.dispose()


async def create_admin(
    url: str, username: str, display_name: str, password: str, *, public_base_url: str, reset: bool = False
) -> bool:
    """Create an admin; with ``reset``, an existing admin gets this password instead.

    Returns whether the user was created. A reset ends the admin's sessions (their tokens are
    revoked in the database; a running gateway picks that up within seconds).
    """

    async def work(session: AsyncSession, audit: AuditTrail, principal: Principal) -> bool:
        existing = await repository.user_by_username(session, username)
        if existing is None or not reset:
            payload = UserCreate(username=username, display_name=display_name, password=SecretStr(password), role=Role.ADMIN)
            await service.create_user(session, audit, principal, payload)
            return True
        await service.reset_admin_password(session, audit, principal, existing, password)
        return False

    return await _in_transaction(url, public_base_url, "create-admin", work)


def demo_users(
    province: str, commune: str, agency: str, staff_person: uuid.UUID | None = None
) -> list[tuple[str, str, Role, AreaFields]]:
    """(username, display name, role, area) of the demo users of a province.

    The staff user (a person reading their own dossier) only with ``staff_person``: it names a
    person of personnel, so it is made once the demo's people are recorded (``make run`` runs
    ``create-demo-users`` again after loading the scenario, with one of its people).
    """
    p = province
    staff = [(f"demo{p}-staff", "Công chức xem hồ sơ của mình (demo)", Role.STAFF, AreaFields(person=staff_person))]
    return [
        (f"demo{p}-admin", "Quản trị hệ thống (demo)", Role.ADMIN, AreaFields()),
        (f"demo{p}-province", "Chuyên viên Sở Nội vụ (demo)", Role.PROVINCE_OFFICER, AreaFields(province=p)),
        (f"demo{p}-commune", "Công chức UBND xã (demo)", Role.COMMUNE_OFFICER, AreaFields(province=p, commune=commune)),
        (f"demo{p}-agency", "Công chức cơ quan chuyên môn (demo)", Role.AGENCY_OFFICER, AreaFields(province=p, agency=agency)),
        (f"demo{p}-auditor", "Thanh tra (demo)", Role.AUDITOR, AreaFields()),
        (f"demo{p}-viewer", "Người xem báo cáo (demo)", Role.VIEWER, AreaFields(province=p)),
        *(staff if staff_person is not None else []),
    ]


async def create_demo_users(
    url: str, province: str, commune: str, agency: str, *, public_base_url: str, staff_person: uuid.UUID | None = None
) -> list[DemoUser]:
    """One user per role (staff: with ``staff_person``); an existing one is left alone (not given a new password)."""

    async def work(session: AsyncSession, audit: AuditTrail, principal: Principal) -> list[DemoUser]:
        made = []
        for username, display_name, role, area in demo_users(province, commune, agency, staff_person):
            existing = await repository.user_by_username(session, username)
            if existing is not None:
                made.append(DemoUser(username, existing.role, AreaFields.of_area(existing.role, existing.area), None))
                continue
            password = generate_password()
            payload = UserCreate(username=username, display_name=display_name, password=SecretStr(password), role=role, area=area)
            await service.create_user(session, audit, principal, payload)
            made.append(DemoUser(username, role, area, password))
        return made

    return await _in_transaction(url, public_base_url, "create-demo-users", work)


async def create_service_account(
    url: str, client_id: str, description: str, *, public_base_url: str, reset: bool = False, system_code: str | None = None
) -> str:
    """Create a service account (or, with ``reset``, give an existing one a new secret); return the secret.

    ``system_code`` (the consuming system's code at the data-sharing platform) is checked like the API checks it.
    """
    if system_code is not None and not is_system_code(system_code):
        raise service.SystemCodeInvalid(f"{system_code!r} is not a system code: {SYSTEM_CODE_PATTERN}")

    async def work(session: AsyncSession, audit: AuditTrail, principal: Principal) -> str:
        _, secret = await service.create_service_account(
            session, audit, principal, client_id, description, reset=reset, system_code=system_code
        )
        return secret

    return await _in_transaction(url, public_base_url, "create-service-account", work)
