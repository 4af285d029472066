"""org-structure's metadata and declarative base."""

from sqlalchemy.orm import DeclarativeBase

from haicap_shared.db import new_metadata
from haicap_shared.events.tables import define_event_tables
from haicap_shared.models import define_audit_table, define_idempotency_table

metadata = new_metadata()
define_audit_table(metadata)
define_idempotency_table(metadata)
define_event_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata
