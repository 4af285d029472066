"""assets's metadata and declarative base."""

import enum

from sqlalchemy import Enum
from sqlalchemy.orm import DeclarativeBase

from haicap_shared.db import new_metadata
from haicap_shared.models import define_audit_table, define_idempotency_table

metadata = new_metadata()
define_audit_table(metadata)
define_idempotency_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


def string_enum(kind: type[enum.StrEnum], name: str, length: int = 30) -> Enum:
    """An enum column stored as its values, checked by a named constraint."""
    # NOTE: plain strings with a CHECK, not a PostgreSQL enum type, so adding a value is a
    # one-line migration on both databases (the same choice as org-structure).
    return Enum(
        kind, name=name, native_enum=False, create_constraint=True, length=length, values_callable=lambda e: [m.value for m in e]
    )
