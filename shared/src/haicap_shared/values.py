"""Constrained value types every schema and query parameter shares.

- :data:`IsoDate`: a calendar date written ``YYYY-MM-DD`` and nothing else (pydantic's ``date``
  in lax mode takes ``0`` as 1970-01-01 and ``1e9`` as 2001-09-09), from 1900-01-01 to
  2100-12-31, so that no date a caller sends can overflow the day arithmetic done on it
  (``as_of - timedelta(days=30)`` on 0001-01-01 raised ``OverflowError``, a 500).
- :data:`NationalId`: the 12-digit personal identification number, as a pattern in the schema
  (:data:`NATIONAL_ID_PATTERN`; :data:`SHOWN_NATIONAL_ID_PATTERN` for one shown masked as
  ``*********345``).
- :data:`Money` and :data:`DecimalString`: exact decimals, sent as strings such as ``"2340000"``
  or ``"1234.5"`` and accepted as such or as JSON numbers; the schema states the pattern in both
  directions (pydantic's own ``Decimal`` shows ``number | string`` without one).

Date objects handed over by Python code (an ORM row, a parsed spreadsheet cell) are taken as
they are: the format and range concern what a caller types.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)
FIRST_EVALUATED_YEAR = 1945
"""The first year a cadre or civil servant's yearly evaluation (đánh giá, xếp loại) may be for: personnel keeps
none earlier, and a reader asking about an earlier year knows, without asking, that there is none."""
# NOTE: the documented pattern carries the range (years 1900 to 2100), so a client generated
# from the schema, or a fuzzer, knows which dates are accepted; checked as shape, then range.
ISO_DATE_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_DATE_SHAPE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
NATIONAL_ID_PATTERN = r"^[0-9]{12}$"
# NOTE: a national id as it is shown: whole, or masked but for its last three digits.
SHOWN_NATIONAL_ID_PATTERN = r"^(?:[0-9]{12}|\*{9}[0-9]{3})$"
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
MONEY_PATTERN = r"^[0-9]+(\.[0-9]{1,4})?$"

_ISO_DATE = re.compile(_DATE_SHAPE)
_NATIONAL_ID = re.compile(NATIONAL_ID_PATTERN)


def parse_iso_date(value: Any) -> Any:
    """A ``YYYY-MM-DD`` string within :data:`MIN_DATE`..:data:`MAX_DATE` as a date; a date as it is.

    Anything else (an integer, a float, ``2025-7-1``, ``20250701``, a datetime string) is refused
    with a pydantic error whose type names the problem (``date_format``, ``date_out_of_range``).
    """
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_format", "Input should be a date written YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError as exc:
        raise PydanticCustomError(
            "date_format", "Input should be a real date written YYYY-MM-DD: {reason}", {"reason": str(exc)}
        ) from None
    if not MIN_DATE <= parsed <= MAX_DATE:
        raise PydanticCustomError(
            "date_out_of_range",
            "Input should be a date from {min} to {max}",
            {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()},
        )
    return parsed


def in_date_range(value: date) -> date:
    """``value`` if it lies within :data:`MIN_DATE`..:data:`MAX_DATE`; ``ValueError`` otherwise (imports' cells)."""
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"{value.isoformat()} is outside {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}")
    return value


class _IsoDateSchema:
    """Adds the ``YYYY-MM-DD`` pattern to the ``format: date`` string pydantic documents."""

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.update({"type": "string", "format": "date"})
        if handler.mode == "validation":
            schema["pattern"] = ISO_DATE_PATTERN
        return schema


IsoDate = Annotated[date, BeforeValidator(parse_iso_date), _IsoDateSchema()]
"""A date as ``YYYY-MM-DD``, 1900-01-01 to 2100-12-31: use it for every date a caller sends."""


def _check_national_id(value: Any) -> Any:
    if isinstance(value, str) and not _NATIONAL_ID.fullmatch(value):
        raise PydanticCustomError("national_id_format", "national_id must be 12 digits")
    return value


NationalId = Annotated[
    str,
    AfterValidator(_check_national_id),
    # NOTE: the pattern is stated in the schema and checked above, with a message saying what a
    # person typing the number needs to hear ("12 digits") rather than the regular expression.
    Field(
        description="12 digits (số định danh cá nhân)",
        examples=["004066001234"],
        json_schema_extra={"pattern": NATIONAL_ID_PATTERN, "minLength": 12, "maxLength": 12},
    ),
]
"""The 12-digit personal identification number (CCCD)."""


class DecimalText:
    """Annotated metadata for an exact decimal written as digits: ``Annotated[Decimal, Field(ge=0), DecimalText()]``.

    Taken as a JSON number or a string matching ``pattern`` (``"1e3"``, ``"1,000"`` and
    booleans are refused); sent as such a string, never in exponent form. The schema says so
    in both modes: ``number | string`` with the pattern for requests, a patterned string for
    responses (pydantic's own ``Decimal`` shows ``number | string`` without a pattern).

    NOTE: put the numeric constraints (``Field(ge=..., le=..., decimal_places=...)``) before it,
    so that they stay in the decimal schema and in the JSON Schema as ``minimum``/``maximum``.
    """

    def __init__(self, pattern: str = DECIMAL_PATTERN) -> None:
        self.pattern = pattern
        self._compiled = re.compile(pattern)

    def _check(self, value: Any) -> Any:
        if isinstance(value, bool):
            raise PydanticCustomError("decimal_type", 'Input should be a decimal number or a string such as "1234.5"')
        if isinstance(value, str) and not self._compiled.fullmatch(value):
            raise PydanticCustomError(
                "decimal_format", "Input should be a decimal written as digits matching {pattern}", {"pattern": self.pattern}
            )
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(
            self._check,
            handler(source),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _plain, return_schema=core_schema.str_schema(), when_used="json"
            ),
        )

    def __get_pydantic_json_schema__(self, schema_in: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(schema_in)
        if handler.mode == "serialization":
            kept = {k: v for k, v in schema.items() if k in ("title", "description", "examples")}
            return {**kept, "type": "string", "pattern": self.pattern}
        for branch in schema.get("anyOf", []):
            if branch.get("type") == "string":
                branch["pattern"] = self.pattern
        return schema


def _plain(value: Decimal) -> str:
    # NOTE: str(Decimal) may give "1E+3" or "0E-8"; the fixed-point form always fits the pattern.
    return format(value, "f")


DecimalString = Annotated[Decimal, DecimalText()]
"""An exact decimal: sent as a string (``"1234.5"``), taken as a JSON number or such a string."""

Money = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("1e15"), decimal_places=4, description="Vietnamese đồng, exact"),
    DecimalText(MONEY_PATTERN),
]
"""An amount in Vietnamese đồng (0 to 10^15, at most 4 decimals): sent as a string such as
``"2340000"``, taken as a JSON number or such a string."""
