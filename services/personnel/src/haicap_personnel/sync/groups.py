"""The dossier's groups of information (Decree 27/2026/NĐ-CP: 10 groups), and which records and fields fall in which.

The groups are named here once; a dossier change names the groups it touches, the national
record carries them, and a discrepancy a person flags reopens the changes of its groups.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any


class Group(enum.StrEnum):
    """The 10 groups of an electronic dossier (Decree 27/2026/NĐ-CP)."""

    IDENTITY = "identity"  # thông tin cá nhân, định danh
    FAMILY = "family"  # quan hệ gia đình
    HISTORY = "history"  # lịch sử bản thân
    RECRUITMENT_AND_MOVEMENTS = "recruitment_and_movements"  # tuyển dụng, bổ nhiệm, điều động, luân chuyển, thôi việc...
    EDUCATION_AND_TRAINING = "education_and_training"  # trình độ, đào tạo, bồi dưỡng, lý luận chính trị, quản lý nhà nước
    POSITION_SALARY_AND_EVALUATION = "position_salary_and_evaluation"  # chức vụ, ngạch, lương, đánh giá, khen thưởng, kỷ luật
    MEMBERSHIPS = "memberships"  # Đảng, đoàn thể
    ARMED_FORCES = "armed_forces"  # quân ngũ
    ASSETS_AND_INCOME = "assets_and_income"  # tài sản, thu nhập
    HEALTH = "health"  # sức khỏe


# NOTE: the audit entity types (also the change feed's kinds) whose changes are dossier changes.
PERSON = "person"
FAMILY_MEMBER = "family_member"
CAREER_EVENT = "career_event"
EVALUATION = "evaluation"
COMMENDATION = "commendation"
DISCIPLINE = "discipline"
DOSSIER_KINDS: tuple[str, ...] = (PERSON, FAMILY_MEMBER, CAREER_EVENT, EVALUATION, COMMENDATION, DISCIPLINE)

PERSON_FIELDS: Mapping[str, Group] = {
    **dict.fromkeys(
        (
            "category",
            "full_name",
            "birth_date",
            "sex",
            "ethnicity_code",
            "religion_code",
            "record_number",
            "birth_place_code",
            "birth_place_as_of",
            "home_town_code",
            "home_town_as_of",
            "residence_address",
            "residence_code",
            "national_id",
        ),
        Group.IDENTITY,
    ),
    **dict.fromkeys(
        ("education_level", "field_of_study", "political_theory", "state_management", "certificates"),
        Group.EDUCATION_AND_TRAINING,
    ),
    **dict.fromkeys(
        (
            "agency_id",
            "unit_id",
            "province_code",
            "commune_code",
            "agency_level",
            "salary_coefficient",
            "position_allowance",
            "seniority_percent",
            "allowance_percent",
        ),
        Group.POSITION_SALARY_AND_EVALUATION,
    ),
    **dict.fromkeys(("social_insurance_start_date", "left_on"), Group.RECRUITMENT_AND_MOVEMENTS),
}
"""A person's fields and their group; a field not named here (a new one) counts as identity."""

# NOTE: bookkeeping columns, never a change of the dossier.
BOOKKEEPING = frozenset({"id", "version", "created_at", "updated_at", "search_key", "field_key", "agency_valid_to"})

PLACE_AND_PAY = frozenset({"appointment", "reappointment", "election", "grade_change", "salary_step_change"})
"""Career events that also change the person's position, grade or salary."""

DOSSIER_CREATIONS = frozenset({"recruitment", "election", "appointment"})
"""Career events whose decision creates the dossier (Decree 27/2026/NĐ-CP: within 3 days of the decision)."""

DECREE_27_IN_FORCE = date(2026, 7, 1)


def groups_of(kind: str, record: Mapping[str, Any], changed_fields: Collection[str] | None) -> list[Group]:
    """The groups a change of a record of ``kind`` touches (``changed_fields`` None: the whole record)."""
    if kind == PERSON:
        fields = [f for f in (changed_fields if changed_fields is not None else record) if f not in BOOKKEEPING]
        found = {PERSON_FIELDS.get(name, Group.IDENTITY) for name in fields}
        return sorted(found or {Group.IDENTITY}, key=list(Group).index)
    if kind == FAMILY_MEMBER:
        return [Group.FAMILY]
    if kind == CAREER_EVENT:
        if str(record.get("type")) in PLACE_AND_PAY:
            return [Group.RECRUITMENT_AND_MOVEMENTS, Group.POSITION_SALARY_AND_EVALUATION]
        return [Group.RECRUITMENT_AND_MOVEMENTS]
    if kind in (EVALUATION, COMMENDATION, DISCIPLINE):
        return [Group.POSITION_SALARY_AND_EVALUATION]
    raise ValueError(f"{kind} is not a kind of dossier record")


def person_of(kind: str, record: Mapping[str, Any], record_id: str) -> str | None:
    """The person a record belongs to (a person's own record: itself)."""
    if kind == PERSON:
        return record_id
    value = record.get("person_id")
    return None if value is None else str(value)


def decision_of(record: Mapping[str, Any]) -> tuple[str | None, date | None]:
    """The decision number and date a record carries (flat ``decision_*`` fields or a nested ``decision``)."""
    nested = record.get("decision")
    number: Any = nested.get("number") if isinstance(nested, Mapping) else record.get("decision_number")
    on: Any = nested.get("date") if isinstance(nested, Mapping) else record.get("decision_date")
    if isinstance(on, str):
        try:
            on = date.fromisoformat(on)
        except ValueError:
            on = None
    return (str(number)[:100] if number else None), (on if isinstance(on, date) else None)


def creates_dossier(kind: str, action: str, record: Mapping[str, Any], decision_date: date | None) -> bool:
    """Whether the change is the decision that creates the person's dossier (on or after Decree 27's entry into force)."""
    return (
        kind == CAREER_EVENT
        and action == "created"
        and str(record.get("type")) in DOSSIER_CREATIONS
        and decision_date is not None
        and decision_date >= DECREE_27_IN_FORCE
    )
