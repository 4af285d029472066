"""The entitlement calculator: the golden case of Công văn 1814/BNV-TCBC and every boundary."""

from datetime import date
from decimal import Decimal

import pytest

from haicap_personnel.people.models import Sex
from haicap_personnel.streamlining.entitlement import (
    Impossible,
    Inputs,
    NotApplicable,
    RetirementAgeBasis,
    Salary,
    calculate,
    check_salary,
    retirement_age_months,
    statutory_retirement_date,
    vnd,
    whole_months,
    years_of,
)
from haicap_personnel.streamlining.models import Policy
from haicap_personnel.streamlining.rules import CURRENT, RULES, V1, V2, rules_for

SALARY = Salary(Decimal(2340000), Decimal("4.65"), Decimal("0.6"), allowance_percent=Decimal(25)).monthly()


def early(
    birth: date,
    leave: date,
    *,
    si_months: int = 22 * 12,
    decision: date = date(2025, 3, 1),
    sex: Sex = Sex.MALE,
    difficult: int = 0,
    hazardous: int = 0,
) -> Inputs:
    return Inputs(Policy.EARLY_RETIREMENT, birth, sex, leave, decision, si_months, SALARY, None, difficult, hazardous)


def amounts(inputs: Inputs, rules: str = CURRENT.version) -> dict[str, Decimal]:
    return {item.code: item.amount_vnd for item in calculate(inputs, rules).items}


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
    assert any("at least 15 years of social insurance" in r for r in result.readings)
    with pytest.raises(NotApplicable, match="too few"):
        calculate(early(birth, date(2025, 6, 1), si_months=17 * 12))  # before July 2025, 20 years needed
    with pytest.raises(NotApplicable, match="too few"):
        calculate(early(birth, date(2025, 7, 1), si_months=14 * 12 + 6))  # 14.5 years


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


@pytest.mark.parametrize(
    ("si_months", "months_of_salary"),
    [
        (15 * 12, "4"),
        (19 * 12 + 6, "6.25"),
        (19 * 12 + 7, "6.5"),  # 7 odd months count a whole year
        (20 * 12, "6.5"),  # v1 paid 5.0 here, less than for 19.5 years
        (25 * 12, "9"),
        (35 * 12, "14"),
    ],
)
def test_the_fifteen_year_form_for_everyone_retiring_from_july_2025(si_months: int, months_of_salary: str) -> None:
    birth = date(1966, 1, 15)  # retires 2027-11-01
    result = calculate(early(birth, date(2025, 7, 1), si_months=si_months, decision=date(2025, 6, 16)))
    items = {i.code: i for i in result.items}
    assert items["social_insurance_years"].amount_vnd == vnd(SALARY * Decimal(months_of_salary))
    assert result.rule_version == V2.version == CURRENT.version
    # Before 2025-07-01 the 20-year form: 5 months for the first 20 years, then 0.5 a year.
    before = amounts(early(birth, date(2025, 6, 1), si_months=25 * 12, decision=date(2025, 5, 16)))
    assert before["social_insurance_years"] == SALARY * Decimal("7.5")


def test_version_one_keeps_its_reading_for_the_cases_calculated_with_it() -> None:
    birth, leave = date(1966, 1, 15), date(2025, 7, 1)
    nineteen_and_half = amounts(early(birth, leave, si_months=19 * 12 + 6), V1.version)["social_insurance_years"]
    twenty = amounts(early(birth, leave, si_months=20 * 12), V1.version)["social_insurance_years"]
    assert (nineteen_and_half, twenty) == (vnd(SALARY * Decimal("6.25")), SALARY * 5)  # the defect v2 corrects
    assert calculate(early(birth, leave), V1.version).rule_version == "nd178-2024+nd67-2025/v1"


def test_the_rule_table() -> None:
    assert list(RULES) == ["nd178-2024+nd67-2025/v1", "nd178-2024+nd67-2025/v2"]
    assert rules_for(CURRENT.version) is V2
    for rules in RULES.values():
        codes = [r.code for r in rules.readings]
        assert len(codes) == len(set(codes))
        # NOTE: the "5 to 10 years" item (1) is 1.0 x the months early, at most 60 (a
        # secondary source reads 0.9 x 60): one figure, kept in the table, marked provisional.
        assert rules.months_early_five_to_ten == 1
        assert next(r for r in rules.readings if r.code == "five_to_ten").provisional
    readings = calculate(early(date(1966, 1, 15), date(2025, 5, 1))).readings
    assert any(r.startswith("Provisional: ") for r in readings)
    assert not readings[0].startswith("Provisional")  # rounding is the project's own convention


def test_the_five_year_edge_is_the_texts_own_step() -> None:
    born = date(1970, 6, 30)  # retires 2032-07-01
    decision = date(2027, 1, 1)
    sixty = amounts(early(born, date(2027, 7, 1), decision=decision))
    sixty_one = amounts(early(born, date(2027, 6, 1), decision=decision))
    # 60 + 5 x 5 = 85 months' salary at exactly 5 years; 60 + 4 x 5.5 = 82 at 5 years and a month
    # (Điều 7 clauses 1 and 2): recorded as the text's own figures (reading ``band_edges``).
    assert (sixty["months_early"] + sixty["years_early"], sixty_one["months_early"] + sixty_one["years_early"]) == (
        SALARY * 85,
        SALARY * 82,
    )


@pytest.mark.parametrize(
    ("birth", "sex", "age", "retires"),
    [
        (date(1960, 1, 5), Sex.MALE, "55y0m", date(2015, 2, 1)),  # reached 55 before 2021
        (date(1966, 1, 15), Sex.MALE, "55y3m", date(2021, 5, 1)),
        (date(1970, 6, 30), Sex.MALE, "56y6m", date(2027, 1, 1)),
        (date(1975, 6, 1), Sex.MALE, "57y0m", date(2032, 7, 1)),
        (date(1975, 3, 31), Sex.FEMALE, "52y4m", date(2027, 8, 1)),
        (date(1985, 8, 1), Sex.FEMALE, "55y0m", date(2040, 9, 1)),
    ],
)
def test_lowered_retirement_age_roadmap(birth: date, sex: Sex, age: str, retires: date) -> None:
    months = retirement_age_months(birth, sex, lowered=True)
    assert f"{months // 12}y{months % 12}m" == age
    assert statutory_retirement_date(birth, sex, lowered=True) == retires


def test_fifteen_years_in_difficult_areas_or_hazardous_jobs_lower_the_age() -> None:
    born, leave, decision = date(1970, 6, 30), date(2025, 7, 1), date(2025, 6, 16)
    normal = calculate(early(born, leave, decision=decision, difficult=179))
    assert (normal.retirement_age_basis, normal.statutory_retirement_date) == (RetirementAgeBasis.APPENDIX_I, date(2032, 7, 1))
    assert normal.months_to_retirement == 84
    for difficult, hazardous in ((180, 0), (0, 180), (100, 80)):
        lowered = calculate(early(born, leave, decision=decision, difficult=difficult, hazardous=hazardous))
        assert lowered.retirement_age_basis is RetirementAgeBasis.APPENDIX_II
        assert (lowered.retirement_age, lowered.statutory_retirement_date, lowered.months_to_retirement) == (
            "56y6m",
            date(2027, 1, 1),
            18,
        )
        # The windows count from the lowered age: 18 months early, so no allowance per year early.
        assert {i.code: i.amount_vnd for i in lowered.items} == {
            "months_early": SALARY * 18,
            "social_insurance_years": SALARY * Decimal("7.5"),  # 22 years: 4 + 0.5 * 7
        }
    # Version 1 did not apply Phụ lục II; resignation counts to the Phụ lục I date.
    assert calculate(early(born, leave, decision=decision, difficult=240), V1.version).retirement_age_basis == "appendix_i"
    resign = Inputs(Policy.RESIGNATION, born, Sex.MALE, leave, decision, 22 * 12, SALARY, None, 240)
    assert calculate(resign).statutory_retirement_date == date(2032, 7, 1)


BORN = date(1990, 5, 20)


@pytest.mark.parametrize("policy", list(Policy))
@pytest.mark.parametrize(
    ("changes", "field", "why"),
    [
        ({"leave_date": date(1989, 1, 1)}, "leave_date", "not after the birth date"),
        ({"leave_date": date(2000, 5, 1), "decision_date": date(2000, 1, 1), "si": 0}, "leave_date", "under 18"),
        ({"si": 30 * 12}, "social_insurance_months", "from the 15th birthday"),  # 35 years old
        ({"si": -1}, "social_insurance_months", "negative"),
        ({"difficult": 21 * 12}, "difficult_area_months", "from the 15th birthday"),
        ({"hazardous": 21 * 12}, "hazardous_job_months", "from the 15th birthday"),
        ({"decision_date": date(1980, 1, 1)}, "decision_date", "not after the birth date"),
        ({"salary": Decimal(0)}, "monthly_salary_vnd", "not positive"),
    ],
)
def test_impossible_inputs_are_rejected_for_every_policy(
    policy: Policy, changes: dict[str, object], field: str, why: str
) -> None:
    values: dict[str, object] = {"leave_date": date(2025, 8, 1), "decision_date": date(2025, 6, 16), "si": 10 * 12}
    values |= changes
    inputs = Inputs(
        policy,
        BORN,
        Sex.MALE,
        values["leave_date"],  # type: ignore[arg-type]
        values["decision_date"],  # type: ignore[arg-type]
        values["si"],  # type: ignore[arg-type]
        values.get("salary", SALARY),  # type: ignore[arg-type]
        Decimal(1000),
        values.get("difficult", 0),  # type: ignore[arg-type]
        values.get("hazardous", 0),  # type: ignore[arg-type]
    )
    with pytest.raises(Impossible) as raised:
        calculate(inputs)
    assert raised.value.violations[0].field == field
    assert why in raised.value.violations[0].reason


def test_fifty_years_of_insurance_at_fifty_nine() -> None:
    with pytest.raises(Impossible, match="social_insurance_months: 600 months, more than the 531"):
        calculate(early(date(1966, 1, 15), date(2025, 5, 1), si_months=50 * 12))
    with pytest.raises(Impossible) as raised:
        check_salary(Salary(Decimal(2340000), Decimal(0)))
    assert raised.value.violations[0].field == "salary_coefficient"


def test_leaving_before_the_decision_is_not_under_the_policy() -> None:
    for policy in (Policy.EARLY_RETIREMENT, Policy.RESIGNATION):
        inputs = Inputs(policy, date(1966, 1, 15), Sex.MALE, date(2025, 5, 1), date(2025, 6, 1), 22 * 12, SALARY)
        with pytest.raises(NotApplicable, match="before the reorganisation decision") as raised:
            calculate(inputs)
        assert raised.value.field == "decision_date"
