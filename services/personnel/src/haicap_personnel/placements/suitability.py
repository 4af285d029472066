"""Whether a person's training suits a position (pure; used on every placement write).

- education below the position's requirement: **unsuitable** (the standard of the rank is not met);
- otherwise, a field of study not among the fields the position names: **partly**
  (the person may serve while retraining; "không đúng chuyên ngành");
- otherwise **suitable**. A position naming no field accepts any.

Fields are compared without regard to case and Vietnamese diacritics.
"""

from __future__ import annotations

from collections.abc import Sequence

from haicap_shared.text import search_key

from ..people.models import EDUCATION_RANK, EducationLevel
from .models import Suitability

EDUCATION_BELOW = "education below the requirement"
FIELD_NOT_REQUIRED = "field of study not among those required"
FIELD_MISSING = "field of study not recorded"


def assess(
    education: EducationLevel, field_key: str | None, required_education: EducationLevel, required_fields: Sequence[str]
) -> tuple[Suitability, list[str]]:
    reasons: list[str] = []
    if EDUCATION_RANK[education] < EDUCATION_RANK[required_education]:
        reasons.append(f"{EDUCATION_BELOW} ({education.value} < {required_education.value})")
    wanted = {search_key(f) for f in required_fields}
    if wanted and field_key is None:
        reasons.append(FIELD_MISSING)
    elif wanted and field_key not in wanted:
        reasons.append(f"{FIELD_NOT_REQUIRED} ({', '.join(sorted(required_fields))})")
    if any(r.startswith(EDUCATION_BELOW) for r in reasons):
        return Suitability.UNSUITABLE, reasons
    return (Suitability.PARTLY if reasons else Suitability.SUITABLE), reasons
