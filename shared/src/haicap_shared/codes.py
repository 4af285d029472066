"""Official codes of administrative units and the unit level, defined once for every service.

Codes are the General Statistics Office's: a province ``04``, a district ``042``, a commune
``01273``; :data:`UnitCode` is any of the three (2, 3 or 5 digits). Each type carries only its
pattern; a schema field or a query parameter adds its own description and examples::

    province: Annotated[ProvinceCode | None, Query(description="Province code, e.g. `04`")] = None
    province_code: ProvinceCode = Field(description="Province where the asset stands", examples=["04"])

The JSON schema is the same as with ``Query(pattern=...)`` or ``Field(pattern=...)`` written on
the spot (a ``pattern`` beside the description), and so is the 422 of a value that does not match.

:class:`UnitLevel` is the level of a unit, an agency or a holder; its values are the strings stored
in the databases' level columns, so a column typed with it needs no migration.
"""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import StringConstraints

PROVINCE_CODE_PATTERN = r"^\d{2}$"
DISTRICT_CODE_PATTERN = r"^\d{3}$"
COMMUNE_CODE_PATTERN = r"^\d{5}$"
UNIT_CODE_PATTERN = r"^\d{2}(\d|\d{3})?$"

ProvinceCode = Annotated[str, StringConstraints(pattern=PROVINCE_CODE_PATTERN)]
DistrictCode = Annotated[str, StringConstraints(pattern=DISTRICT_CODE_PATTERN)]
CommuneCode = Annotated[str, StringConstraints(pattern=COMMUNE_CODE_PATTERN)]
UnitCode = Annotated[str, StringConstraints(pattern=UNIT_CODE_PATTERN)]


class UnitLevel(enum.StrEnum):
    """The three levels of local government, top down."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


UNIT_LEVELS: tuple[UnitLevel, ...] = tuple(UnitLevel)
# NOTE: for a parameter documented as a pattern rather than an enum (personnel's statistics), so
# its schema stays a string; built from the enum so the two cannot drift.
UNIT_LEVEL_PATTERN = "^(" + "|".join(UNIT_LEVELS) + ")$"
UnitLevelName = Annotated[str, StringConstraints(pattern=UNIT_LEVEL_PATTERN)]
