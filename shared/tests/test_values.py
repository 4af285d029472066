"""The shared value types: strict ISO dates within 1900-2100, national ids, money as patterned decimal strings."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from haicap_shared.tabular import parse_date
from haicap_shared.testing import assert_problem
from haicap_shared.values import DECIMAL_PATTERN, ISO_DATE_PATTERN, MONEY_PATTERN, DecimalString, IsoDate, Money, NationalId


class _Dated(BaseModel):
    on: IsoDate
    until: IsoDate | None = None


@pytest.mark.parametrize(
    "value", [0, 1_700_000_000, 20250701, 1.5, True, "20250701", "2025-7-1", "2025-07-01T00:00:00", "2025-07-01\n"]
)
def test_a_date_is_yyyy_mm_dd_only(value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        _Dated.model_validate({"on": value})
    assert [e["type"] for e in caught.value.errors()] == ["date_format"]


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_a_date_outside_1900_2100_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _Dated.model_validate({"on": value})
    assert caught.value.errors()[0]["type"] == "date_out_of_range"
    assert "1900-01-01 to 2100-12-31" in caught.value.errors()[0]["msg"]


def test_a_date_within_the_range_and_a_python_date_are_taken() -> None:
    assert _Dated.model_validate({"on": "1900-01-01", "until": "2100-12-31"}).until == date(2100, 12, 31)
    # NOTE: dates from Python code (ORM rows, spreadsheet cells) are not a caller's typing.
    assert _Dated(on=date(1800, 5, 1)).on == date(1800, 5, 1)
    with pytest.raises(ValidationError):
        _Dated.model_validate({"on": "2025-02-30"})


def test_the_date_schema_states_format_and_pattern() -> None:
    schema = TypeAdapter(IsoDate).json_schema(mode="validation")
    assert schema == {"type": "string", "format": "date", "pattern": ISO_DATE_PATTERN}
    assert re.fullmatch(ISO_DATE_PATTERN, "2100-12-31")
    assert not re.fullmatch(ISO_DATE_PATTERN, "2101-01-01")
    assert not re.fullmatch(ISO_DATE_PATTERN, "1899-12-31")
    assert TypeAdapter(IsoDate).json_schema(mode="serialization") == {"type": "string", "format": "date"}


def test_national_id_schema_has_its_pattern() -> None:
    schema = TypeAdapter(NationalId).json_schema()
    assert schema["pattern"] == "^[0-9]{12}$"
    with pytest.raises(ValidationError):
        TypeAdapter(NationalId).validate_python("00406600123")
    assert TypeAdapter(NationalId).validate_python("004066001234") == "004066001234"


def test_money_is_a_patterned_string_out_and_a_number_or_such_string_in() -> None:
    money = TypeAdapter(Money)
    assert money.json_schema(mode="serialization")["pattern"] == MONEY_PATTERN
    assert money.json_schema(mode="serialization")["type"] == "string"
    branches = money.json_schema(mode="validation")["anyOf"]
    assert branches[0] == {"type": "number", "minimum": 0.0, "maximum": 1e15}
    assert branches[1] == {"type": "string", "pattern": MONEY_PATTERN}
    assert money.validate_python(2340000) == Decimal(2340000)
    assert money.validate_json('"1234.5"') == Decimal("1234.5")
    # Never written in exponent form, whatever the Decimal holds.
    assert money.dump_json(Decimal("1E+3")) == b'"1000"'
    for bad in ['"1e3"', '"1,000"', '" 12"', '"-5"', "-5", '"1.00001"', "true"]:
        with pytest.raises(ValidationError):
            money.validate_json(bad)
    decimal = TypeAdapter(DecimalString)
    assert decimal.json_schema(mode="serialization") == {"type": "string", "pattern": DECIMAL_PATTERN}
    assert decimal.validate_json('"-12.5"') == Decimal("-12.5")


async def test_integer_and_overflowing_dates_are_a_422_never_a_500(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await client.get("/days", params={"on": "0"}), 422, "validation_error")
    assert problem["errors"][0]["location"] == ["query", "on"]
    assert problem["errors"][0]["type"] == "date_format"
    problem = assert_problem(await client.get("/days", params={"on": "0001-01-01"}), 422, "validation_error")
    assert problem["errors"][0]["type"] == "date_out_of_range"
    ok = await client.get("/days", params={"on": "1900-01-08"})
    assert ok.status_code == 200
    assert ok.json() == {"on": "1900-01-08", "week_before": "1900-01-01", "pattern": None, "amount": "1000"}


async def test_a_body_date_as_an_integer_is_refused(client: httpx.AsyncClient) -> None:
    body = {"paid_on": 0, "national_id": "004066001234", "amount": 5}
    problem = assert_problem(await client.post("/payments", json=body), 422, "validation_error")
    assert problem["errors"][0]["location"] == ["body", "paid_on"]
    accepted = await client.post("/payments", json=body | {"paid_on": "2025-07-01", "amount": 1234.5})
    assert accepted.json() == {"paid_on": "2025-07-01", "national_id": "004066001234", "amount": "1234.5"}


def test_imported_dates_are_bounded_like_the_api_s() -> None:
    assert parse_date("01/07/2025") == date(2025, 7, 1)
    assert parse_date(datetime(2025, 7, 1)) == date(2025, 7, 1)
    for cell in ["0001-01-01", "31/12/1899", date(2101, 1, 1), datetime(1, 1, 1)]:
        with pytest.raises(ValueError, match="outside 1900-01-01 to 2100-12-31"):
            parse_date(cell)
