"""The code types validate like the patterns written on the spot and document the same schema."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from haicap_shared.codes import UNIT_LEVEL_PATTERN, CommuneCode, DistrictCode, ProvinceCode, UnitCode, UnitLevel


@pytest.mark.parametrize(
    ("code_type", "good", "bad"),
    [
        (ProvinceCode, ["04", "01"], ["4", "004", "0a", " 04"]),
        (DistrictCode, ["042"], ["04", "0420"]),
        (CommuneCode, ["01273"], ["0127", "012730", "O1273"]),
        (UnitCode, ["04", "042", "01273"], ["0", "0427", "012730"]),
    ],
)
def test_a_code_type_takes_its_digits_only(code_type: object, good: list[str], bad: list[str]) -> None:
    adapter: TypeAdapter[str] = TypeAdapter(code_type)
    for value in good:
        assert adapter.validate_python(value) == value
    for value in bad:
        with pytest.raises(ValidationError, match="should match pattern"):
            adapter.validate_python(value)


class Written(BaseModel):
    province_code: str = Field(pattern=r"^\d{2}$", description="Province", examples=["04"])


class Shared(BaseModel):
    province_code: ProvinceCode = Field(description="Province", examples=["04"])


def test_a_code_parameter_documents_the_same_schema_as_a_pattern_written_on_the_spot() -> None:
    on_the_spot, shared = FastAPI(), FastAPI()

    @on_the_spot.get("/x", operation_id="x")
    async def written(province: Annotated[str | None, Query(pattern=r"^\d{2}$", description="P")] = None) -> Written:
        raise NotImplementedError

    @shared.get("/x", operation_id="x")
    async def shared_types(province: Annotated[ProvinceCode | None, Query(description="P")] = None) -> Shared:
        raise NotImplementedError

    written_spec, shared_spec = on_the_spot.openapi(), shared.openapi()
    assert written_spec["paths"]["/x"]["get"]["parameters"] == shared_spec["paths"]["/x"]["get"]["parameters"]
    assert (
        written_spec["components"]["schemas"]["Written"]["properties"]
        == (shared_spec["components"]["schemas"]["Shared"]["properties"])
    )


def test_the_level_values_are_the_stored_strings() -> None:
    assert [level.value for level in UnitLevel] == ["province", "district", "commune"]
    assert UNIT_LEVEL_PATTERN == "^(province|district|commune)$"
