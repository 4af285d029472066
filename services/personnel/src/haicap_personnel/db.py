"""personnel's metadata and declarative base."""

from sqlalchemy.orm import DeclarativeBase

from haicap_shared.db import new_metadata
from haicap_shared.events.tables import define_event_tables
from haicap_shared.models import define_audit_table, define_idempotency_table
from haicap_shared.procedures.tables import define_procedure_tables

metadata = new_metadata()
define_audit_table(metadata)
define_idempotency_table(metadata)
event_tables = define_event_tables(metadata)
procedure_tables = define_procedure_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata
