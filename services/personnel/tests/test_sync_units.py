"""The national sync's pure parts: groups, the national record and its schema, due dates, back-off, the LGSP answers."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest

from haicap_personnel.sync import groups
from haicap_personnel.sync.adapters import ID_KEY
from haicap_personnel.sync.national_record import build_record, kind_and_operation, schema
from haicap_personnel.sync.service import change_from_event
from haicap_shared.exchange.adapters import HttpAdapter
from haicap_shared.exchange.outcomes import backoff_seconds
from haicap_shared.workdays import WorkingCalendar


def change_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "event_id": str(uuid.uuid4()),
        "event_type": "vn.gov.haicap.personnel.career_event.created",
        "event_sequence": 42,
        "record_id": uuid.uuid4(),
        "agency_id": uuid.uuid4(),
        "province_code": "04",
        "commune_code": "01304",
        "groups": ["recruitment_and_movements", "position_salary_and_evaluation"],
        "changed_fields": None,
        "decision_number": "125/QĐ-UBND",
        "decision_date": date(2026, 7, 3),
        "arose_on": date(2026, 7, 3),
        "due_date": date(2026, 7, 6),
        "verified_at": datetime(2026, 7, 4, 2, 0, tzinfo=UTC),
    }
    return row | changes


def event_row(kind: str, action: str, record: dict[str, Any], *, changed: list[str] | None = None, at: datetime) -> Any:
    record_id = record.get("id") or str(uuid.uuid4())
    return SimpleNamespace(
        sequence=7,
        id=uuid.uuid4(),
        type=f"vn.gov.haicap.personnel.{kind}.{action}",
        aggregateid=record_id,
        agency_id=None,
        province_code="04",
        commune_code="01304",
        occurred_at=at,
        payload={"provincecode": "04", "communecode": "01304", "data": {"record": record, "changed_fields": changed}},
    )


def test_the_ten_groups_and_what_falls_in_them() -> None:
    assert len(groups.Group) == 10
    assert groups.groups_of("person", {"full_name": "A", "education_level": "university"}, None) == [
        groups.Group.IDENTITY,
        groups.Group.EDUCATION_AND_TRAINING,
    ]
    assert groups.groups_of("person", {}, ["salary_coefficient"]) == [groups.Group.POSITION_SALARY_AND_EVALUATION]
    assert groups.groups_of("family_member", {}, None) == [groups.Group.FAMILY]
    assert groups.groups_of("career_event", {"type": "transfer"}, None) == [groups.Group.RECRUITMENT_AND_MOVEMENTS]
    assert groups.groups_of("career_event", {"type": "appointment"}, None) == [
        groups.Group.RECRUITMENT_AND_MOVEMENTS,
        groups.Group.POSITION_SALARY_AND_EVALUATION,
    ]
    for kind in ("evaluation", "commendation", "discipline"):
        assert groups.groups_of(kind, {}, None) == [groups.Group.POSITION_SALARY_AND_EVALUATION]
    with pytest.raises(ValueError, match="not a kind of dossier record"):
        groups.groups_of("consent", {}, None)


def test_a_decision_is_read_flat_or_nested() -> None:
    assert groups.decision_of({"decision_number": "1/QĐ", "decision_date": "2026-07-02"}) == ("1/QĐ", date(2026, 7, 2))
    assert groups.decision_of({"decision": {"number": "2/QĐ", "date": "2026-07-03"}}) == ("2/QĐ", date(2026, 7, 3))
    assert groups.decision_of({"note": "none"}) == (None, None)


def test_the_record_matches_its_schema_and_carries_the_number_in_full() -> None:
    row = change_row()
    values = {"id": row["record_id"], "type": "appointment", "salary_coefficient": "4.40", "version": 3, "search_key": "x"}
    record = build_record(row, "004085000123", values, datetime(2026, 7, 4, 3, 0, tzinfo=UTC))
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(record)
    assert record["personal_identification_number"] == "004085000123"
    assert record["record_kind"] == "career_event"
    assert record["operation"] == "created"
    assert record["fields"] == {"salary_coefficient": "4.40", "type": "appointment"}
    assert record["decision"] == {"number": "125/QĐ-UBND", "date": "2026-07-03"}
    assert record["metadata"]["event_sequence"] == 42

    updated = build_record(
        change_row(changed_fields=["note"], decision_number=None), "004085000123", {"note": "x"}, datetime.now(UTC)
    )
    jsonschema.validate(updated, schema())
    assert (updated["fields"], updated["decision"]) == ({"note": "x"}, None)
    gone = build_record(
        change_row(event_type="vn.gov.haicap.personnel.commendation.deleted"), "004085000123", None, datetime.now(UTC)
    )
    jsonschema.validate(gone, schema())
    assert gone["fields"] == {}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(build_record(change_row(), "*********123", {}, datetime.now(UTC)), schema())


def test_due_dates_three_working_days_or_three_days_after_a_creating_decision() -> None:
    calendar = WorkingCalendar()
    person = {"id": str(uuid.uuid4()), "agency_id": str(uuid.uuid4()), "full_name": "A"}
    # Friday 24 April 2026, 10:00 in Hà Nội: due Monday 4 May (27 April, 30 April and 1 May off).
    made = change_from_event(event_row("person", "created", person, at=datetime(2026, 4, 24, 3, 0, tzinfo=UTC)), calendar)
    assert made is not None
    assert (made["arose_on"], made["due_date"]) == (date(2026, 4, 24), date(2026, 5, 4))
    assert made["person_id"] == uuid.UUID(person["id"])
    # 23:30 on Friday in UTC is Saturday in Việt Nam.
    late = change_from_event(event_row("person", "created", person, at=datetime(2026, 4, 24, 17, 30, tzinfo=UTC)), calendar)
    assert late is not None
    assert late["arose_on"] == date(2026, 4, 25)

    recruitment = {"person_id": person["id"], "type": "recruitment", "decision": {"number": "5/QĐ", "date": "2026-07-10"}}
    monday = datetime(2026, 7, 13, 2, tzinfo=UTC)
    created = change_from_event(event_row("career_event", "created", recruitment, at=monday), calendar)
    assert created is not None
    assert created["due_date"] == date(2026, 7, 13)  # 3 days after the decision, not working days
    before = {**recruitment, "decision": {"number": "4/QĐ", "date": "2026-06-30"}}
    entered = change_from_event(event_row("career_event", "created", before, at=monday), calendar)
    assert entered is not None
    assert entered["due_date"] == date(2026, 7, 16)  # before Decree 27: counted from its entry

    assert change_from_event(event_row("consent", "created", {"person_id": person["id"]}, at=datetime.now(UTC)), calendar) is None
    assert change_from_event(event_row("person", "updated", person, changed=[], at=datetime.now(UTC)), calendar) is None


def test_back_off_doubles_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(1)
    for attempt, ceiling in ((1, 5), (2, 10), (3, 20), (10, 2560), (11, 3600), (80, 3600)):
        delays = [backoff_seconds(attempt, 5, 3600, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4  # NOTE: jittered, not one fixed value


def test_lgsp_answers_read_per_record() -> None:
    records = [{"change_id": "a"}, {"change_id": "b"}, {"change_id": "c"}]
    answer = {
        "error_code": "1",
        "results": [
            {"change_id": "a", "error_code": "0", "reference": "R1"},
            {"change_id": "b", "error_code": "1", "message": "Sai mã ngạch"},
        ],
    }
    found = HttpAdapter.results_of(records, answer, 200, ID_KEY)
    assert (found["a"].verdict, found["a"].reference) == ("acknowledged", "R1")
    assert (found["b"].verdict, found["b"].reason) == ("rejected", "Sai mã ngạch")
    assert found["c"].verdict == "retry"
    single = HttpAdapter.results_of(records[:1], {"error_code": "0", "data": {"reference": "R9"}}, 200, ID_KEY)
    assert single["a"].reference == "R9"
    refused = HttpAdapter.results_of(records[:1], {"error_code": "1", "message": "Không hợp lệ"}, 200, ID_KEY)
    assert (refused["a"].verdict, refused["a"].reason) == ("rejected", "Không hợp lệ")
    assert kind_and_operation("vn.gov.haicap.personnel.family_member.deleted") == ("family_member", "deleted")
