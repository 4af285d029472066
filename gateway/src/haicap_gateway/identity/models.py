"""Tables of users, service accounts, refresh tokens, revoked access tokens and failed sign-ins."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.consumers import SYSTEM_CODE_MAX_LENGTH
from haicap_shared.models import Entity, UtcDateTime, string_enum
from haicap_shared.roles import Area, Role

from ..db import Base


class User(Entity, Base):
    """A person who signs in with a username and password."""

    __tablename__ = "user_account"

    username: Mapped[str] = mapped_column(String(100))
    # NOTE: usernames are unique without regard to case; the lower-cased copy carries the
    # unique constraint on both databases (SQLite has no functional unique index in Alembic batch).
    username_key: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(500))
    role: Mapped[Role] = mapped_column(string_enum(Role, "role"))
    province_code: Mapped[str | None] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    agency_id: Mapped[str | None] = mapped_column(String(100))
    # NOTE: a staff user's own person (their id in personnel); the gateway does not read
    # personnel, so the admin who creates the user names it (personnel refuses an unknown one).
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index(None, "username_key", "id"),)

    @property
    def area(self) -> Area:
        person = str(self.person_id) if self.person_id is not None else None
        return Area(province=self.province_code, commune=self.commune_code, agency=self.agency_id, person=person)


class ServiceAccount(Entity, Base):
    """A service that signs in with client credentials (role ``service``)."""

    __tablename__ = "service_account"

    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # NOTE: the consuming system at the data-sharing platform (haicap_shared.consumers); its
    # tokens carry it, and every call made with them records it.
    system_code: Mapped[str | None] = mapped_column(String(SYSTEM_CODE_MAX_LENGTH))


class RefreshToken(Base):
    """One refresh token (only its hash), in a family that rotation extends.

    Each use marks the token used and issues the next in the same family. ``access_token_id``
    is the access token issued with it, so revoking the family revokes that one too.
    """

    __tablename__ = "refresh_token"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    access_token_id: Mapped[str] = mapped_column(String(64))
    access_expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RevokedToken(Base):
    """An access token refused before its expiry (kept until then)."""

    __tablename__ = "revoked_token"

    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    revoked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FailureKind(enum.StrEnum):
    USERNAME = "username"
    ADDRESS = "address"
    USER_ADDRESS = "user_address"
    """A username (or client id) at one client address: key ``"<username key> <address>"``."""


class SignInFailure(Base):
    """One failed sign-in, counted per client address and per username (or client id) at an address."""

    __tablename__ = "sign_in_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[FailureKind] = mapped_column(string_enum(FailureKind, "failure_kind", length=20))
    key: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index(None, "kind", "key", "occurred_at"),)


user_table = cast(Table, User.__table__)
service_account_table = cast(Table, ServiceAccount.__table__)
