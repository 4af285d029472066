"""The entitlement calculator of streamlining cases: pure, exact, itemised, versioned.

Sources (see the service's README for the rules in full):

- Nghị định 178/2024/NĐ-CP (31/12/2024) on policies for cadres, civil servants, public
  employees and workers during the reorganisation, as amended by Nghị định 67/2025/NĐ-CP
  (15/3/2025): Article 7 (early retirement), Article 9 (resignation).
- Nghị định 135/2020/NĐ-CP, Annexes I and II: the retirement-age roadmap (Annex II lowered by
  5 years after 15 years in especially difficult areas or arduous/hazardous jobs).
- Công văn 1814/BNV-TCBC of the Ministry of Home Affairs: the worked example used as the
  golden test.

Money is :class:`~decimal.Decimal` throughout; the monthly salary is kept exact, and each
item is rounded once to whole VND with ROUND_HALF_UP (the total is the sum of the rounded
items, so it always equals what the items show). Every reading taken where the rules leave
room is returned in ``readings``; every figure and reading comes from the rule table
(:mod:`.rules`) of the version asked for, so a case recalculated with its own version gives
the same amounts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

from haicap_shared.values import DecimalString, Money

from ..people.models import Sex
from .models import Policy
from .rules import CURRENT, RuleSet, rules_for

RULE_VERSION = CURRENT.version
ZERO = Decimal(0)
ADULT_MONTHS = 18 * 12
WORK_AGE_MONTHS = 15 * 12
FIVE_YEARS = 60  # Điều 7: clause 1 up to 5 years before the retirement age, clause 2 beyond


class NotApplicable(ValueError):
    """The policy does not apply to these inputs (the message says why; ``field`` names the input at stake)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Violation:
    """One input that cannot be true, and why."""

    field: str
    reason: str


class Impossible(ValueError):
    """Inputs that cannot describe a real person and case; ``violations`` names each field and why."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.reason}" for v in violations))
        self.violations = violations


class RetirementAgeBasis(enum.StrEnum):
    """Which appendix of Nghị định 135/2020/NĐ-CP gave the retirement age."""

    APPENDIX_I = "appendix_i"  # normal working conditions
    APPENDIX_II = "appendix_ii"  # lowered: 15 years in especially difficult areas or arduous/hazardous jobs


@dataclass(frozen=True)
class Salary:
    """Tiền lương hiện hưởng: coefficients times the base salary, with percentage allowances on top."""

    base_salary: Decimal
    salary_coefficient: Decimal
    position_allowance: Decimal = ZERO
    seniority_percent: Decimal = ZERO
    allowance_percent: Decimal = ZERO

    def monthly(self) -> Decimal:
        # NOTE: percentage allowances (công vụ 25% above all) are a share of the salary plus
        # the leadership allowance plus the seniority-beyond-frame allowance (Nghị định
        # 34/2012/NĐ-CP, Article 3); kept exact, never rounded before the items are.
        coefficients = self.salary_coefficient + self.position_allowance + self.salary_coefficient * self.seniority_percent / 100
        return self.base_salary * coefficients * (1 + self.allowance_percent / 100)


@dataclass(frozen=True)
class Inputs:
    policy: Policy
    birth_date: date
    sex: Sex
    leave_date: date
    decision_date: date
    social_insurance_months: int
    monthly_salary: Decimal
    entered_amount: Decimal | None = None
    difficult_area_months: int = 0  # in areas with especially difficult socio-economic conditions
    hazardous_job_months: int = 0  # in arduous, hazardous or dangerous jobs (and especially so)


class Item(BaseModel):
    code: str
    label: str
    formula: str
    amount_vnd: Money = Field(description="Whole VND")


class Entitlement(BaseModel):
    """The result, with everything needed to check it by hand."""

    rule_version: str = Field(RULE_VERSION, description="The rule table entry the amounts were computed with")
    policy: Policy
    monthly_salary: DecimalString
    retirement_age: str = Field(description="years and months, e.g. `61y9m`")
    retirement_age_basis: RetirementAgeBasis = Field(
        RetirementAgeBasis.APPENDIX_I,
        description="`appendix_i`: the normal roadmap of Nghị định 135/2020/NĐ-CP; `appendix_ii`: the lowered one "
        "(15 years in especially difficult areas or arduous/hazardous jobs)",
    )
    statutory_retirement_date: date
    months_to_retirement: int
    items: list[Item]
    total_vnd: Money
    readings: list[str]


def vnd(amount: Decimal) -> Decimal:
    """Whole VND, half up (0.5 đồng rounds to 1)."""
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def exact(amount: Decimal) -> Decimal:
    """The same value without trailing zeros (and never in exponent form)."""
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the last day of the month when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# NOTE: Phụ lục II is Phụ lục I five years lower, year by year: the same steps from 55y3m
# (men) and 50y4m (women) in 2021 to 57 (2028) and 55 (2035).
_ROADMAPS = {
    (Sex.MALE, False): (720, 723, 3, 744),
    (Sex.FEMALE, False): (660, 664, 4, 720),
    (Sex.MALE, True): (660, 663, 3, 684),
    (Sex.FEMALE, True): (600, 604, 4, 660),
}


def retirement_age_months(birth_date: date, sex: Sex, *, lowered: bool = False) -> int:
    """Nghị định 135/2020/NĐ-CP: the retirement age, in months, for this birth month.

    Phụ lục I (normal conditions): men 60 until 2020, then 60y3m in 2021 and 3 months more each
    year to 62 (2028); women 55 until 2020, then 55y4m in 2021 and 4 months more each year to
    60 (2035). Phụ lục II (``lowered``): the same five years lower. The age that applies is the
    one of the year in which the person reaches it.
    """
    before, start, step, final = _ROADMAPS[(Sex.MALE if sex is Sex.MALE else Sex.FEMALE, lowered)]
    born = birth_date.year * 12 + birth_date.month - 1
    if born + before < 2021 * 12:
        return before
    year = 2021
    while True:
        age = min(start + step * (year - 2021), final)
        if (born + age) // 12 <= year:
            return age
        year += 1


def statutory_retirement_date(birth_date: date, sex: Sex, *, lowered: bool = False) -> date:
    """Retirement takes effect on the first day of the month after the age is reached."""
    reached = birth_date.year * 12 + birth_date.month - 1 + retirement_age_months(birth_date, sex, lowered=lowered)
    year, month = divmod(reached + 1, 12)
    return date(year, month + 1, 1)


def whole_months(start: date, end: date) -> int:
    """Complete months from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)
    return max(months, 0)


def years_of(months: int) -> Decimal:
    """Years for an allowance counted per year: odd months from 1 to 6 are half a year, from 7 to 11 a whole one."""
    years, rest = divmod(months, 12)
    return Decimal(years) + (ZERO if rest == 0 else Decimal("0.5") if rest <= 6 else Decimal(1))


def _age_label(months: int) -> str:
    return f"{months // 12}y{months % 12}m"


def check(inputs: Inputs) -> None:
    """Raise :class:`Impossible` when the inputs cannot describe a real person leaving the service."""
    violations: list[Violation] = []
    birth, leave = inputs.birth_date, inputs.leave_date
    if leave <= birth:
        violations.append(Violation("leave_date", f"{leave} is not after the birth date {birth}"))
    elif (age := whole_months(birth, leave)) < ADULT_MONTHS:
        violations.append(Violation("leave_date", f"the person is {_age_label(age)} old on {leave}, under 18"))
    if inputs.decision_date <= birth:
        violations.append(Violation("decision_date", f"{inputs.decision_date} is not after the birth date {birth}"))
    working = whole_months(add_months(birth, WORK_AGE_MONTHS), leave)
    for name, months in (
        ("social_insurance_months", inputs.social_insurance_months),
        ("difficult_area_months", inputs.difficult_area_months),
        ("hazardous_job_months", inputs.hazardous_job_months),
    ):
        if months < 0:
            violations.append(Violation(name, f"{months} is negative"))
        elif months > working:
            violations.append(
                Violation(name, f"{months} months, more than the {working} from the 15th birthday to leaving on {leave}")
            )
    if inputs.monthly_salary <= 0:
        violations.append(Violation("monthly_salary_vnd", f"the monthly salary is {exact(inputs.monthly_salary)}, not positive"))
    if inputs.entered_amount is not None and inputs.entered_amount < 0:
        violations.append(Violation("entered_amount_vnd", "negative"))
    if violations:
        raise Impossible(violations)


def check_salary(salary: Salary) -> None:
    """Raise :class:`Impossible` for a salary that cannot be paid (a coefficient of 0 or less, a base of 0)."""
    violations = []
    if salary.salary_coefficient <= 0:
        violations.append(Violation("salary_coefficient", f"{salary.salary_coefficient}: a salary coefficient is positive"))
    if salary.base_salary <= 0:
        violations.append(Violation("base_salary_vnd", f"{salary.base_salary}: the base salary is positive"))
    if violations:
        raise Impossible(violations)


def lowered_age_applies(inputs: Inputs, rules: RuleSet) -> bool:
    """Điều 5 of Nghị định 135/2020/NĐ-CP: 15 years in difficult areas, hazardous jobs, or both together."""
    needed = rules.lowered_age_after_months
    return needed is not None and inputs.difficult_area_months + inputs.hazardous_job_months >= needed


def calculate(inputs: Inputs, rules: RuleSet | str = CURRENT) -> Entitlement:
    """The entitlement for ``inputs`` under ``rules`` (a rule set or its version).

    Raises :class:`Impossible` for inputs that cannot be true and :class:`NotApplicable` when
    the policy does not apply.
    """
    rules = rules_for(rules) if isinstance(rules, str) else rules
    check(inputs)
    lowered = lowered_age_applies(inputs, rules) and (
        inputs.policy is Policy.EARLY_RETIREMENT or rules.lowered_age_for_resignation
    )
    statutory = statutory_retirement_date(inputs.birth_date, inputs.sex, lowered=lowered)
    months_left = whole_months(inputs.leave_date, statutory)
    readings = [r.render() for r in rules.readings]
    if inputs.policy in (Policy.EARLY_RETIREMENT, Policy.RESIGNATION) and inputs.leave_date < inputs.decision_date:
        raise NotApplicable(
            f"leaving on {inputs.leave_date}, before the reorganisation decision of {inputs.decision_date}", "decision_date"
        )
    if inputs.policy is Policy.EARLY_RETIREMENT:
        items = _early_retirement(inputs, rules, months_left, readings)
    elif inputs.policy is Policy.RESIGNATION:
        items = _resignation(inputs, rules, months_left, readings)
    else:
        if inputs.entered_amount is None:
            raise NotApplicable(
                f"{inputs.policy.value}: this rule version does not compute it; enter the amount decided", "entered_amount_vnd"
            )
        readings.append(f"{inputs.policy.value} is not computed by {rules.version}: the amount is the one entered.")
        items = [Item(code="entered", label="Amount decided", formula="entered", amount_vnd=vnd(inputs.entered_amount))]
    return Entitlement(
        rule_version=rules.version,
        policy=inputs.policy,
        monthly_salary=exact(inputs.monthly_salary),
        retirement_age=_age_label(retirement_age_months(inputs.birth_date, inputs.sex, lowered=lowered)),
        retirement_age_basis=RetirementAgeBasis.APPENDIX_II if lowered else RetirementAgeBasis.APPENDIX_I,
        statutory_retirement_date=statutory,
        months_to_retirement=months_left,
        items=items,
        total_vnd=sum((i.amount_vnd for i in items), ZERO),
        readings=readings,
    )


def _within_twelve_months(inputs: Inputs) -> bool:
    return inputs.leave_date <= add_months(inputs.decision_date, 12)


def social_insurance_months_of_salary(years: Decimal, leave_date: date, rules: RuleSet) -> Decimal | None:
    """Months of salary for ``years`` of compulsory social insurance; None when too few for a pension."""
    form = rules.si_before
    up_to = rules.si_from_up_to_years
    if leave_date >= rules.si_rule_change and years >= rules.si_from.first_years and (up_to is None or years < up_to):
        form = rules.si_from
    if years < form.first_years:
        return None
    return form.first_months + form.per_further_year * (years - form.first_years)


def _early_retirement(inputs: Inputs, rules: RuleSet, months_early: int, readings: list[str]) -> list[Item]:
    salary = exact(inputs.monthly_salary)
    if months_early < 1:
        raise NotApplicable(f"leaving on {inputs.leave_date} is not before the retirement date", "leave_date")
    if months_early > rules.max_months_early:
        raise NotApplicable(
            f"{months_early} months to retirement: early retirement is for 10 years or less (Điều 7)", "leave_date"
        )
    si_years = years_of(inputs.social_insurance_months)
    si_months = social_insurance_months_of_salary(si_years, inputs.leave_date, rules)
    if si_months is None:
        raise NotApplicable(
            f"{si_years} years of compulsory social insurance: too few for a pension, so not early retirement",
            "social_insurance_months",
        )
    # (1) months retired early
    counted = min(months_early, rules.months_cap)
    factor = rules.months_early_within if _within_twelve_months(inputs) else rules.months_early_after
    if months_early > FIVE_YEARS:
        factor *= rules.months_early_five_to_ten
    if counted < months_early:
        readings.append(f"Months retired early capped at {rules.months_cap}; {months_early} were early.")
    items = [
        Item(
            code="months_early",
            label="Trợ cấp cho số tháng nghỉ sớm",
            formula=f"{salary} * {counted} * {exact(factor)}",
            amount_vnd=vnd(salary * counted * factor),
        )
    ]
    # (2) years retired early
    years_early = years_of(months_early)
    if months_early < rules.years_early_from_months:
        readings.append("Less than 2 years to retirement: no allowance per year retired early (the rule starts at 2 years).")
    else:
        per_year = rules.years_early_per_year_to_five if months_early <= FIVE_YEARS else rules.years_early_per_year_five_to_ten
        items.append(
            Item(
                code="years_early",
                label="Trợ cấp theo số năm nghỉ sớm",
                formula=f"{salary} * {per_year} * {years_early}",
                amount_vnd=vnd(salary * per_year * years_early),
            )
        )
    # (3) years of compulsory social insurance
    items.append(
        Item(
            code="social_insurance_years",
            label="Trợ cấp theo số năm đóng bảo hiểm xã hội bắt buộc",
            formula=f"{salary} * {exact(si_months)}",
            amount_vnd=vnd(salary * si_months),
        )
    )
    return items


def _resignation(inputs: Inputs, rules: RuleSet, months_left: int, readings: list[str]) -> list[Item]:
    salary = exact(inputs.monthly_salary)
    if months_left < 1:
        raise NotApplicable(f"leaving on {inputs.leave_date} is not before the retirement date: that is retirement", "leave_date")
    counted = min(months_left, rules.months_cap)
    factor = rules.resignation_within if _within_twelve_months(inputs) else rules.resignation_after
    readings.append(f"Months counted: whole months from leaving to the retirement date, at most {rules.months_cap}.")
    si_years = years_of(inputs.social_insurance_months)
    per_year = rules.resignation_per_si_year
    return [
        Item(
            code="months_counted",
            label="Trợ cấp theo số tháng tính hưởng",
            formula=f"{salary} * {factor} * {counted}",
            amount_vnd=vnd(salary * factor * counted),
        ),
        Item(
            code="social_insurance_years",
            label="Trợ cấp 1,5 tháng lương cho mỗi năm đóng bảo hiểm xã hội bắt buộc",
            formula=f"{salary} * {per_year} * {si_years}",
            amount_vnd=vnd(salary * per_year * si_years),
        ),
        Item(
            code="job_search",
            label="Trợ cấp 3 tháng lương để tìm việc làm",
            formula=f"{salary} * {exact(rules.job_search_months)}",
            amount_vnd=vnd(salary * rules.job_search_months),
        ),
    ]
