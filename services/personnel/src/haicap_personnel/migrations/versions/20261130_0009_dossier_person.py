"""The dossier's fields of a person, family members, ethnicity as a code.

A person gains the dossier's first group of fields a province keeps: the record number, the
place of birth and home town as unit codes with the date each code refers to, the residence,
the religion and the ethnicity as codes (QCVN 109:2017/BTTTT). The free-text ``ethnicity``
is mapped to ``ethnicity_code`` by name, alias or code (``codelists.mapping.map_to_codes``);
each person whose value it cannot map is recorded in ``code_mapping_issue`` (field
``ethnicity``, the original text) and left without a code; then the old column goes. A
downgrade puts the codes back (or the original text of those not mapped).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_personnel.codelists import mapping, reference
from haicap_personnel.codelists.models import CodeListName
from haicap_shared.migrations import entity_columns_v1

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RELATIONS = (
    "father",
    "mother",
    "spouse",
    "child",
    "sibling",
    "father_in_law",
    "mother_in_law",
    "sibling_in_law",
    "adoptive_parent",
    "other",
)


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ethnicity_code", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("religion_code", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("record_number", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("birth_place_code", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("birth_place_as_of", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("home_town_code", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("home_town_as_of", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("residence_address", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("residence_code", sa.String(length=5), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_person_record_number"), ["record_number"])
        batch_op.create_check_constraint(
            batch_op.f("ck_person_birth_place_dated"), "(birth_place_code IS NULL) = (birth_place_as_of IS NULL)"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_person_home_town_dated"), "(home_town_code IS NULL) = (home_town_as_of IS NULL)"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_person_residence_has_address"), "residence_code IS NULL OR residence_address IS NOT NULL"
        )
    mapping.map_to_codes(
        op.get_bind(),
        table="person",
        source_column="ethnicity",
        target_column="ethnicity_code",
        lists=("ethnicity",),
        record_type="person",
        field="ethnicity",
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("ethnicity")

    op.create_table(
        "family_member",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "relation",
            sa.Enum(*RELATIONS, name="family_member_relation", native_enum=False, create_constraint=True, length=30),
            nullable=False,
        ),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("occupation", sa.String(length=200), nullable=True),
        sa.Column("workplace", sa.String(length=300), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("agency_level", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_valid_to", sa.Date(), nullable=True),
        *entity_columns_v1(),
        sa.CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1850 AND 2200", name=op.f("ck_family_member_birth_year_plausible")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_family_member_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_member")),
    )
    with op.batch_alter_table("family_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_member_person_id_id"), ["person_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("family_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_member_person_id_id"))
    op.drop_table("family_member")

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ethnicity", sa.String(length=50), nullable=True))
    mapping.restore_text(
        op.get_bind(),
        table="person",
        source_column="ethnicity",
        target_column="ethnicity_code",
        record_type="person",
        field="ethnicity",
    )
    person = sa.table("person", sa.column("ethnicity", sa.String))
    for entry in reference.read_list(CodeListName.ETHNICITY):
        op.execute(person.update().where(person.c.ethnicity == entry.code).values(ethnicity=entry.name[:50]))
    op.execute(sa.text("DELETE FROM code_mapping_issue WHERE record_type = 'person' AND field = 'ethnicity'"))
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_person_residence_has_address"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_person_home_town_dated"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_person_birth_place_dated"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_person_record_number"), type_="unique")
        batch_op.drop_column("residence_code")
        batch_op.drop_column("residence_address")
        batch_op.drop_column("home_town_as_of")
        batch_op.drop_column("home_town_code")
        batch_op.drop_column("birth_place_as_of")
        batch_op.drop_column("birth_place_code")
        batch_op.drop_column("record_number")
        batch_op.drop_column("religion_code")
        batch_op.drop_column("ethnicity_code")
