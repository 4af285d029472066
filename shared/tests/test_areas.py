"""The area rule, once for every service: which roles see which records."""

import uuid

import pytest
from sqlalchemy import Column, MetaData, String, Table, Uuid, select
from sqlalchemy.dialects import sqlite

from haicap_shared.areas import area_condition, check_record_area, ensure_in_area, in_area, record_in_area, records_in_area
from haicap_shared.auth import OutsideArea, Principal
from haicap_shared.roles import Area, Role

AGENCY = uuid.uuid4()
rows = Table("row", MetaData(), Column("province_code", String), Column("commune_code", String), Column("agency_id", Uuid))


def principal(role: Role, **area: str) -> Principal:
    return Principal(subject="s", username="u", role=role, area=Area(**area))


def sql(who: Principal) -> str:
    c = rows.c
    condition = area_condition(who, province=[c.province_code], commune=[c.commune_code], agency=lambda a: c.agency_id == a)
    return str(select(rows).where(condition).compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def record(who: Principal, province: str = "04", commune: str = "01304", agency: uuid.UUID = AGENCY) -> bool:
    return in_area(who, provinces=[province], communes=[commune], agency=lambda a: a == agency)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDITOR, Role.SERVICE])
def test_some_roles_act_everywhere(role: Role) -> None:
    assert record(principal(role), province="79")
    assert sql(principal(role)).endswith("WHERE 1 = 1")


def test_each_bound_role_sees_its_own_area_only() -> None:
    province = principal(Role.PROVINCE_OFFICER, province="04")
    assert record(province)
    assert not record(province, province="08")
    assert "province_code = '04'" in sql(province)
    commune = principal(Role.COMMUNE_OFFICER, province="04", commune="01304")
    assert record(commune)
    assert not record(commune, commune="01273")
    assert "commune_code = '01304'" in sql(commune)
    agency = principal(Role.AGENCY_OFFICER, province="04", agency=str(AGENCY))
    assert record(agency)
    assert not record(agency, agency=uuid.uuid4())
    assert AGENCY.hex in sql(agency)


def test_roles_without_an_area_see_nothing() -> None:
    for who in (principal(Role.VIEWER), principal(Role.PROVINCE_OFFICER), principal(Role.AGENCY_OFFICER, agency="not-an-id")):
        assert not record(who)
        assert sql(who).endswith("WHERE 0 = 1")


def test_outside_is_403_naming_the_record() -> None:
    with pytest.raises(OutsideArea, match="Xã Quảng Lâm is outside your area"):
        ensure_in_area(principal(Role.COMMUNE_OFFICER, commune="01273"), False, "Xã Quảng Lâm")
    ensure_in_area(principal(Role.COMMUNE_OFFICER, commune="01273"), True, "Phường Thục Phán")


class _Record:
    def __init__(self, province_code: str, commune_code: str, agency_id: uuid.UUID) -> None:
        self.province_code, self.commune_code, self.agency_id = province_code, commune_code, agency_id


def test_records_with_the_usual_columns() -> None:
    commune = principal(Role.COMMUNE_OFFICER, province="04", commune="01304")
    condition = records_in_area(commune, rows)
    compiled = str(select(rows).where(condition).compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    assert compiled == sql(commune)
    assert record_in_area(commune, _Record("04", "01304", AGENCY))
    check_record_area(commune, _Record("04", "01304", AGENCY), "This record")
    with pytest.raises(OutsideArea, match="This record is outside your area"):
        check_record_area(commune, _Record("04", "01273", AGENCY), "This record")
