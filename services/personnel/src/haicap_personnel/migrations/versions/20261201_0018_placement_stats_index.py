"""A province's placement figures read from an index alone, its people's qualifications with them.

At 3 M people a province's headcount (``/stats/headcount``) read its 132,000 primary placements
from the heap: the province's rows lie on 59,000 of the table's 66,000 pages (0.5 to 0.65 s). The
placements-by-province index (the lists' order: province, start, id) now carries (INCLUDE) the
columns the placement statistics filter and group by, so PostgreSQL answers from the index
(0.07 s). SQLite ignores INCLUDE.

The qualifications and the counts by category looked each placement's person up by id (132,000
probes for one province, 0.25 to 0.62 s; 2.7 s for the country). The placement now carries a copy
of its person's category and qualifications, kept by triggers on both databases: a placement
takes its person's values when written (or moved to another person), a change of a person's
values reaches all their placements. The copies are filled from the people here, and the
person's qualifications index of migration 0017, which only that lookup read, is dropped.

Revision ID: 0018_placement_stats_index
Revises: 0017_stats_plans
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_placement_stats_index"
down_revision: str | None = "0017_stats_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_placement_province_code_valid_from_id"
PERSON_QUALIFICATIONS_INDEX = "ix_person_id_qualifications"
KEY = ["province_code", "valid_from", "id"]
# NOTE: the placement's column and its person's, in one order
COPIES = {
    "person_category": "category",
    "person_education_level": "education_level",
    "person_political_theory": "political_theory",
    "person_state_management": "state_management",
}
READ_BY_STATISTICS = [
    "is_primary",
    "valid_to",
    "agency_valid_to",
    "commune_code",
    "agency_level",
    "unit_id",
    "agency_id",
    "person_id",
    "suitability",
    *COPIES,
]
_COPIED = ", ".join(COPIES)
_SOURCES = ", ".join(COPIES.values())
_OLD_VALUES = ", ".join(f"OLD.{source}" for source in COPIES.values())
_NEW_VALUES = ", ".join(f"NEW.{source}" for source in COPIES.values())
_FROM_NEW_PERSON = ", ".join(f"{copy} = NEW.{source}" for copy, source in COPIES.items())

# NOTE: one statement each (asyncpg prepares each, and takes one command at a time)
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION placement_takes_person_copies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT {_SOURCES} INTO {", ".join(f"NEW.{copy}" for copy in COPIES)} FROM person WHERE id = NEW.person_id;
    RETURN NEW;
END $$""",
    """CREATE TRIGGER placement_takes_person_copies BEFORE INSERT OR UPDATE OF person_id ON placement
    FOR EACH ROW EXECUTE FUNCTION placement_takes_person_copies()""",
    f"""CREATE FUNCTION person_copies_to_placements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE placement SET {_FROM_NEW_PERSON} WHERE person_id = NEW.id;
    RETURN NULL;
END $$""",
    f"""CREATE TRIGGER person_copies_to_placements AFTER UPDATE OF {_SOURCES} ON person
    FOR EACH ROW WHEN (({_OLD_VALUES}) IS DISTINCT FROM ({_NEW_VALUES}))
    EXECUTE FUNCTION person_copies_to_placements()""",
]
_SQLITE_TAKE = f"UPDATE placement SET ({_COPIED}) = (SELECT {_SOURCES} FROM person WHERE id = NEW.person_id) WHERE id = NEW.id;"
# NOTE: SQLite's triggers cannot set NEW: the placement written is updated after it.
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER placement_takes_person_copies AFTER INSERT ON placement BEGIN {_SQLITE_TAKE} END",
    f"CREATE TRIGGER placement_takes_person_copies_moved AFTER UPDATE OF person_id ON placement BEGIN {_SQLITE_TAKE} END",
    f"CREATE TRIGGER person_copies_to_placements AFTER UPDATE OF {_SOURCES} ON person "
    f"BEGIN UPDATE placement SET {_FROM_NEW_PERSON} WHERE person_id = NEW.id; END",
]


def upgrade() -> None:
    for copy in COPIES:
        op.add_column("placement", sa.Column(copy, sa.String(30)))
    op.execute(
        f"UPDATE placement SET {', '.join(f'{copy} = person.{source}' for copy, source in COPIES.items())} "
        "FROM person WHERE person.id = placement.person_id"
    )
    for trigger in POSTGRESQL_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(trigger)
    op.drop_index(INDEX, table_name="placement")
    op.create_index(INDEX, "placement", KEY, postgresql_include=READ_BY_STATISTICS)
    op.drop_index(PERSON_QUALIFICATIONS_INDEX, table_name="person")


def downgrade() -> None:
    op.create_index(PERSON_QUALIFICATIONS_INDEX, "person", ["id"], postgresql_include=list(COPIES.values()))
    op.drop_index(INDEX, table_name="placement")
    op.create_index(INDEX, "placement", KEY)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER person_copies_to_placements ON person")
        op.execute("DROP FUNCTION person_copies_to_placements()")
        op.execute("DROP TRIGGER placement_takes_person_copies ON placement")
        op.execute("DROP FUNCTION placement_takes_person_copies()")
    else:
        for name in ("person_copies_to_placements", "placement_takes_person_copies_moved", "placement_takes_person_copies"):
            op.execute(f"DROP TRIGGER {name}")
    for copy in COPIES:
        op.drop_column("placement", copy)
