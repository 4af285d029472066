"""The entitlement calculator of streamlining cases: pure, exact, itemised, versioned.

Sources (see the service's README for the rules in full):

- Nghị định 178/2024/NĐ-CP (31/12/2024) on policies for cadres, civil servants, public
  employees and workers during the reorganisation, as amended by Nghị định 67/2025/NĐ-CP
  (15/3/2025): Article 7 (early retirement), Article 9 (resignation).
- Nghị định 135/2020/NĐ-CP, Annexes I and II: the retirement-age roadmap.
- Công văn 1814/BNV-TCBC of the Ministry of Home Affairs: the worked example used as the
  golden test.

Money is :class:`~decimal.Decimal` throughout; the monthly salary is kept exact, and each
item is rounded once to whole VND with ROUND_HALF_UP (the total is the sum of the rounded
items, so it always equals what the items show). Every reading taken where the rules leave
room is returned in ``readings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

from ..people.models import Sex
from .models import Policy

RULE_VERSION = "nd178-2024+nd67-2025/v1"
MAX_MONTHS = 60
SI_RULE_CHANGE = date(2025, 7, 1)  # Luật Bảo hiểm xã hội 41/2024/QH15 in force: a pension after 15 years
ZERO = Decimal(0)


class NotApplicable(ValueError):
    """The policy does not apply to these inputs (the message says why)."""


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


class Item(BaseModel):
    code: str
    label: str
    formula: str
    amount_vnd: Decimal = Field(description="Whole VND")


class Entitlement(BaseModel):
    """The result, with everything needed to check it by hand."""

    rule_version: str = RULE_VERSION
    policy: Policy
    monthly_salary: Decimal
    retirement_age: str = Field(description="years and months, e.g. `61y9m`")
    statutory_retirement_date: date
    months_to_retirement: int
    items: list[Item]
    total_vnd: Decimal
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


def retirement_age_months(birth_date: date, sex: Sex) -> int:
    """Nghị định 135/2020/NĐ-CP: the normal retirement age, in months, for this birth month.

    Men: 60 until 2020, then 60y3m in 2021 and 3 months more each year to 62 (2028).
    Women: 55 until 2020, then 55y4m in 2021 and 4 months more each year to 60 (2035).
    The age that applies is the one of the year in which the person reaches it.
    """
    before, start, step, final = (720, 723, 3, 744) if sex is Sex.MALE else (660, 664, 4, 720)
    born = birth_date.year * 12 + birth_date.month - 1
    if born + before < 2021 * 12:
        return before
    year = 2021
    while True:
        age = min(start + step * (year - 2021), final)
        if (born + age) // 12 <= year:
            return age
        year += 1


def statutory_retirement_date(birth_date: date, sex: Sex) -> date:
    """Retirement takes effect on the first day of the month after the age is reached."""
    reached = birth_date.year * 12 + birth_date.month - 1 + retirement_age_months(birth_date, sex)
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


def _within_twelve_months(inputs: Inputs) -> bool:
    return inputs.leave_date <= add_months(inputs.decision_date, 12)


def calculate(inputs: Inputs) -> Entitlement:
    """The entitlement for ``inputs``; raises :class:`NotApplicable` when the policy does not apply."""
    statutory = statutory_retirement_date(inputs.birth_date, inputs.sex)
    months_left = whole_months(inputs.leave_date, statutory)
    readings: list[str] = [
        "Each item is rounded to whole VND half up; the monthly salary is kept exact until then.",
    ]
    if inputs.policy is Policy.EARLY_RETIREMENT:
        items = _early_retirement(inputs, months_left, readings)
    elif inputs.policy is Policy.RESIGNATION:
        items = _resignation(inputs, months_left, readings)
    else:
        if inputs.entered_amount is None:
            raise NotApplicable(f"{inputs.policy.value}: this rule version does not compute it; enter the amount decided")
        readings.append(f"{inputs.policy.value} is not computed by {RULE_VERSION}: the amount is the one entered.")
        items = [Item(code="entered", label="Amount decided", formula="entered", amount_vnd=vnd(inputs.entered_amount))]
    return Entitlement(
        policy=inputs.policy,
        monthly_salary=exact(inputs.monthly_salary),
        retirement_age=_age_label(retirement_age_months(inputs.birth_date, inputs.sex)),
        statutory_retirement_date=statutory,
        months_to_retirement=months_left,
        items=items,
        total_vnd=sum((i.amount_vnd for i in items), ZERO),
        readings=readings,
    )


def _early_retirement(inputs: Inputs, months_early: int, readings: list[str]) -> list[Item]:
    salary = exact(inputs.monthly_salary)
    if months_early < 1:
        raise NotApplicable(f"leaving on {inputs.leave_date} is not before the retirement date")
    if months_early > 120:
        raise NotApplicable(f"{months_early} months to retirement: early retirement is for 10 years or less (Điều 7)")
    if inputs.leave_date < inputs.decision_date:
        raise NotApplicable(f"leaving on {inputs.leave_date}, before the reorganisation decision of {inputs.decision_date}")
    # (1) months retired early
    counted = min(months_early, MAX_MONTHS)
    factor = Decimal(1) if _within_twelve_months(inputs) else Decimal("0.5")
    readings.append(
        "Within 12 months of the decision means leaving on or before the same day 12 months later; from the day after, 0.5."
    )
    if counted < months_early:
        readings.append(f"Months retired early capped at {MAX_MONTHS} (Nghị định 67/2025/NĐ-CP); {months_early} were early.")
    items = [
        Item(
            code="months_early",
            label="Trợ cấp cho số tháng nghỉ sớm",
            formula=f"{salary} * {counted} * {factor}",
            amount_vnd=vnd(salary * counted * factor),
        )
    ]
    # (2) years retired early
    years_early = years_of(months_early)
    readings.append("Years retired early: odd months 1-6 count half a year, 7-11 a whole year; not capped at 60 months.")
    if months_early < 24:
        readings.append("Less than 2 years to retirement: no allowance per year retired early (the rule starts at 2 years).")
    else:
        per_year = Decimal(5) if months_early <= 60 else Decimal(4)
        items.append(
            Item(
                code="years_early",
                label="Trợ cấp theo số năm nghỉ sớm",
                formula=f"{salary} * {per_year} * {years_early}",
                amount_vnd=vnd(salary * per_year * years_early),
            )
        )
    # (3) years of compulsory social insurance
    si_years = years_of(inputs.social_insurance_months)
    if inputs.leave_date >= SI_RULE_CHANGE and Decimal(15) <= si_years < Decimal(20):
        readings.append(
            "Retiring from 2025-07-01 with 15 to 20 years of social insurance: 4 months for the first 15 years and 0.5 per "
            "further year (the reading taken: the 15-year rule applies to those whom the Social Insurance Law 2024 first "
            "allows a pension; with 20 years or more the 20-year rule applies)."
        )
        months = Decimal(4) + Decimal("0.5") * (si_years - 15)
    elif si_years >= 20:
        months = Decimal(5) + Decimal("0.5") * (si_years - 20)
    else:
        raise NotApplicable(f"{si_years} years of compulsory social insurance: too few for a pension, so not early retirement")
    items.append(
        Item(
            code="social_insurance_years",
            label="Trợ cấp theo số năm đóng bảo hiểm xã hội bắt buộc",
            formula=f"{salary} * {months}",
            amount_vnd=vnd(salary * months),
        )
    )
    return items


def _resignation(inputs: Inputs, months_left: int, readings: list[str]) -> list[Item]:
    salary = exact(inputs.monthly_salary)
    if months_left < 1:
        raise NotApplicable(f"leaving on {inputs.leave_date} is not before the retirement date: that is retirement")
    counted = min(months_left, MAX_MONTHS)
    factor = Decimal("0.8") if _within_twelve_months(inputs) else Decimal("0.4")
    readings.append("Months counted: whole months from leaving to the retirement date, at most 60.")
    si_years = years_of(inputs.social_insurance_months)
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
            formula=f"{salary} * 1.5 * {si_years}",
            amount_vnd=vnd(salary * Decimal("1.5") * si_years),
        ),
        Item(
            code="job_search", label="Trợ cấp 3 tháng lương để tìm việc làm", formula=f"{salary} * 3", amount_vnd=vnd(salary * 3)
        ),
    ]
