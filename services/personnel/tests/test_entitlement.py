"""The entitlement calculator: the golden case of Công văn 1814/BNV-TCBC and every boundary."""

from datetime import date
from decimal import Decimal

import pytest

from personnel.people.models import Sex
from personnel.streamlining.entitlement import (
    Inputs,
    NotApplicable,
    Salary,
    calculate,
    retirement_age_months,
    statutory_retirement_date,
    whole_months,
    years_of,
)
from personnel.streamlining.models import Policy

SALARY = Salary(Decimal(2340000), Decimal("4.65"), Decimal("0.6"), allowance_percent=Decimal(25)).monthly()


def early(
    birth: date, leave: date, *, si_months: int = 22 * 12, decision: date = date(2025, 3, 1), sex: Sex = Sex.MALE
) -> Inputs:
    return Inputs(Policy.EARLY_RETIREMENT, birth, sex, leave, decision, si_months, SALARY)


def amounts(inputs: Inputs) -> dict[str, Decimal]:
    return {item.code: item.amount_vnd for item in calculate(inputs).items}


def test_golden_case_of_the_ministry_guidance() -> None:
    assert Decimal("15356250") == SALARY
    result = calculate(early(date(1966, 1, 15), date(2025, 5, 1)))
    assert result.retirement_age == "61y9m"
    assert result.statutory_retirement_date == date(2027, 11, 1)
    assert result.months_to_retirement == 30
    assert amounts(early(date(1966, 1, 15), date(2025, 5, 1))) == {
        "months_early": Decimal("460687500"),
        "years_early": Decimal("191953125"),
        "social_insurance_years": Decimal("92137500"),
    }
    # NOTE: the three items of the guidance add up to 744,778,125; the "744,788,125"
    # is 10,000 more than its own items (a slip in the sum), so the items are what is tested.
    assert result.total_vnd == Decimal("744778125")
    assert result.rule_version.startswith("nd178-2024+nd67-2025")


@pytest.mark.parametrize(
    ("birth", "sex", "age", "retires"),
    [
        (date(1960, 12, 5), Sex.MALE, "60y0m", date(2021, 1, 1)),  # reached 60 before 2021
        (date(1961, 1, 20), Sex.MALE, "60y3m", date(2021, 5, 1)),
        (date(1961, 10, 1), Sex.MALE, "60y6m", date(2022, 5, 1)),
        (date(1966, 1, 31), Sex.MALE, "61y9m", date(2027, 11, 1)),  # a birthday at month end changes nothing
        (date(1970, 6, 30), Sex.MALE, "62y0m", date(2032, 7, 1)),
        (date(1966, 1, 15), Sex.FEMALE, "55y4m", date(2021, 6, 1)),
        (date(1975, 3, 31), Sex.FEMALE, "59y8m", date(2034, 12, 1)),
        (date(1980, 8, 1), Sex.FEMALE, "60y0m", date(2040, 9, 1)),
    ],
)
def test_retirement_age_roadmap(birth: date, sex: Sex, age: str, retires: date) -> None:
    months = retirement_age_months(birth, sex)
    assert f"{months // 12}y{months % 12}m" == age
    assert statutory_retirement_date(birth, sex) == retires


def test_years_and_months_are_counted_as_the_decree_says() -> None:
    assert whole_months(date(2025, 5, 1), date(2027, 11, 1)) == 30
    assert whole_months(date(2025, 5, 15), date(2027, 11, 1)) == 29
    assert [years_of(m) for m in (24, 25, 30, 31, 35, 36)] == [2, Decimal("2.5"), Decimal("2.5"), 3, 3, 3]


def test_two_five_and_ten_years_to_retirement() -> None:
    birth = date(1966, 1, 15)  # retires 2027-11-01
    just_under_two = amounts(early(birth, date(2025, 12, 1)))  # 23 months
    assert "years_early" not in just_under_two
    two = amounts(early(birth, date(2025, 11, 1)))  # 24 months: 5 months a year
    assert two["years_early"] == Decimal("153562500")  # 15,356,250 * 5 * 2
    born_later = date(1970, 6, 30)  # retires 2032-07-01
    five = amounts(early(born_later, date(2027, 7, 1), decision=date(2027, 1, 1)))  # 60 months
    assert five["years_early"] == SALARY * 5 * 5
    over_five = amounts(early(born_later, date(2027, 6, 1), decision=date(2027, 1, 1)))  # 61 months: 4 a year, 5.5 years
    assert over_five["years_early"] == SALARY * 4 * Decimal("5.5")
    assert over_five["months_early"] == SALARY * 60  # capped at 60 months
    ten = amounts(early(born_later, date(2022, 7, 1), decision=date(2022, 1, 1)))  # 120 months
    assert ten["years_early"] == SALARY * 4 * 10
    with pytest.raises(NotApplicable, match="10 years"):
        calculate(early(born_later, date(2022, 6, 1), decision=date(2022, 1, 1)))


def test_twelve_months_after_the_decision_halves_the_first_item() -> None:
    birth = date(1966, 1, 15)
    within = amounts(early(birth, date(2025, 5, 1), decision=date(2024, 5, 1)))
    after = amounts(early(birth, date(2025, 5, 2), decision=date(2024, 5, 1)))
    assert within["months_early"] == SALARY * 30
    assert after["months_early"] == SALARY * 29 * Decimal("0.5")


def test_social_insurance_rules_before_and_from_july_2025() -> None:
    birth = date(1968, 1, 15)  # 62 in January 2030, retires 2030-02-01
    assert statutory_retirement_date(birth, Sex.MALE) == date(2030, 2, 1)
    old_rule = amounts(early(birth, date(2025, 6, 1), si_months=25 * 12))
    assert old_rule["social_insurance_years"] == SALARY * Decimal("7.5")  # 5 + 0.5 * 5
    result = calculate(early(birth, date(2025, 7, 1), si_months=17 * 12))
    assert {i.code: i.amount_vnd for i in result.items}["social_insurance_years"] == SALARY * 5  # 4 + 0.5 * 2
    assert any("15 to 20 years" in r for r in result.readings)
    with pytest.raises(NotApplicable, match="too few"):
        calculate(early(birth, date(2025, 6, 1), si_months=17 * 12))  # before July 2025, 20 years needed


def test_resignation() -> None:
    inputs = Inputs(Policy.RESIGNATION, date(1966, 1, 15), Sex.MALE, date(2025, 5, 1), date(2025, 3, 1), 22 * 12, SALARY)
    result = calculate(inputs)
    assert {i.code: i.amount_vnd for i in result.items} == {
        "months_counted": Decimal("368550000"),  # 15,356,250 * 0.8 * 30
        "social_insurance_years": Decimal("506756250"),  # * 1.5 * 22
        "job_search": Decimal("46068750"),
    }
    late = Inputs(Policy.RESIGNATION, date(1966, 1, 15), Sex.MALE, date(2026, 5, 1), date(2025, 3, 1), 22 * 12, SALARY)
    assert calculate(late).items[0].amount_vnd == SALARY * Decimal("0.4") * 18


def test_rounding_is_half_up_to_whole_dong() -> None:
    salary = Decimal("1000000.5")
    inputs = Inputs(Policy.RESIGNATION, date(1966, 1, 15), Sex.MALE, date(2027, 10, 1), date(2027, 1, 1), 0, salary)
    items = {i.code: i.amount_vnd for i in calculate(inputs).items}
    assert items["job_search"] == Decimal("3000002")  # 3,000,001.5 -> 3,000,002
    assert items["months_counted"] == Decimal("800000")  # 800,000.4 -> 800,000


def test_other_policies_take_the_amount_decided() -> None:
    inputs = Inputs(Policy.OTHER, date(1966, 1, 15), Sex.MALE, date(2025, 5, 1), date(2025, 3, 1), 0, SALARY)
    with pytest.raises(NotApplicable):
        calculate(inputs)
    entered = Inputs(Policy.OTHER, date(1966, 1, 15), Sex.MALE, date(2025, 5, 1), date(2025, 3, 1), 0, SALARY, Decimal("1000.4"))
    assert calculate(entered).total_vnd == Decimal(1000)
