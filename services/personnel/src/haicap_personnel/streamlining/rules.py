"""The rule table of the entitlement calculator: every figure and reading, keyed by rule version.

A corrected reading is a new entry here (a data change with its own version), never an edit of
an existing one: a case keeps the version it was calculated with, and is recalculated with
that version unless someone asks for another explicitly.

Each reading says whether the legal text behind it was read when it was written. ``provisional``
means it was not (it comes from the project's earlier reading, the issue that asked for it or a
secondary source); the personnel README lists them with what could be quoted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Reading:
    """One reading taken where the texts leave room, or one figure taken from a text."""

    code: str
    text: str
    provisional: bool = True

    def render(self) -> str:
        return f"Provisional: {self.text}" if self.provisional else self.text


@dataclass(frozen=True)
class SocialInsuranceForm:
    """Months of salary for the years of compulsory social insurance (Điều 7, point c)."""

    first_years: int  # the first N years give ...
    first_months: Decimal  # ... this many months of salary
    per_further_year: Decimal  # and each further year this many


@dataclass(frozen=True)
class RuleSet:
    """Every figure the calculator uses, for one rule version."""

    version: str
    # Điều 7 (early retirement)
    months_cap: int
    months_early_within: Decimal  # item (1), leaving within 12 months of the decision
    months_early_after: Decimal  # item (1), from the 13th month
    months_early_five_to_ten: Decimal  # item (1), extra factor when more than 60 months remain
    years_early_from_months: int  # item (2) starts at this many months early
    years_early_per_year_to_five: Decimal
    years_early_per_year_five_to_ten: Decimal
    max_months_early: int
    si_rule_change: date  # Luật Bảo hiểm xã hội 41/2024/QH15 in force
    si_before: SocialInsuranceForm
    si_from: SocialInsuranceForm
    si_from_up_to_years: Decimal | None  # the 15-year form only below this many years (None: for everyone)
    # Nghị định 135/2020/NĐ-CP Phụ lục II (lowered ages); None: this version does not apply it
    lowered_age_after_months: int | None
    lowered_age_for_resignation: bool
    # Điều 9 (resignation)
    resignation_within: Decimal
    resignation_after: Decimal
    resignation_per_si_year: Decimal
    job_search_months: Decimal
    readings: tuple[Reading, ...]


_COMMON = (
    Reading("rounding", "Each item is rounded to whole VND half up; the monthly salary is kept exact until then.", False),
    Reading(
        "twelve_months",
        "Within 12 months of the decision means leaving on or before the same day 12 months later; from the day after, "
        "0.5 (Điều 7 point a; 0.4 instead of 0.8 for resignation, Điều 9).",
    ),
    Reading(
        "years_count",
        "Years (early, or of social insurance) count odd months 1-6 as half a year and 7-11 as a whole year.",
    ),
    Reading("cap_item_one", "The 60-month cap applies to the months retired early (item 1) only, not to the years of item 2."),
    Reading(
        "five_to_ten",
        "More than 5 and at most 10 years before the retirement age: 1.0 x the months early, at most 60, as for 2 to 5 "
        "years (a secondary source reads 0.9 x 60 months; not applied, the text could not be read here).",
    ),
    Reading(
        "band_edges",
        "Item 2 pays 5 months a year up to 60 months early and 4 a year from 61 to 120 (Điều 7 clauses 1 and 2), so "
        "61 to 72 months early pay less than 60: the text's own step, not smoothed by the calculator.",
    ),
    Reading("before_decision", "Leaving before the reorganisation decision is not under this policy."),
    Reading("minimum_work_age", "Social-insurance and qualifying years cannot start before the 15th birthday.", False),
)

V1 = RuleSet(
    version="nd178-2024+nd67-2025/v1",
    months_cap=60,
    months_early_within=Decimal(1),
    months_early_after=Decimal("0.5"),
    months_early_five_to_ten=Decimal(1),
    years_early_from_months=24,
    years_early_per_year_to_five=Decimal(5),
    years_early_per_year_five_to_ten=Decimal(4),
    max_months_early=120,
    si_rule_change=date(2025, 7, 1),
    si_before=SocialInsuranceForm(20, Decimal(5), Decimal("0.5")),
    si_from=SocialInsuranceForm(15, Decimal(4), Decimal("0.5")),
    si_from_up_to_years=Decimal(20),
    lowered_age_after_months=None,
    lowered_age_for_resignation=False,
    resignation_within=Decimal("0.8"),
    resignation_after=Decimal("0.4"),
    resignation_per_si_year=Decimal("1.5"),
    job_search_months=Decimal(3),
    readings=(
        *_COMMON,
        Reading(
            "social_insurance_form",
            "Retiring from 2025-07-01 with 15 to 20 years of social insurance: 4 months for the first 15 years and 0.5 per "
            "further year; with 20 years or more the 20-year form (5 months, then 0.5). Superseded by v2: this reading "
            "paid 6.25 months for 19.5 years and 5.0 for 20.",
        ),
        Reading("retirement_age", "Retirement age from Nghị định 135/2020/NĐ-CP Phụ lục I only (lowered ages not applied)."),
    ),
)

V2 = replace(
    V1,
    version="nd178-2024+nd67-2025/v2",
    si_from_up_to_years=None,
    lowered_age_after_months=15 * 12,
    readings=(
        *_COMMON,
        Reading(
            "social_insurance_form",
            "Retiring from 2025-07-01 with at least 15 years of social insurance: 4 months for the first 15 years and "
            "0.5 per further year (Công văn 1814/BNV-TCBC as the issue reports it); retiring before 2025-07-01: 5 "
            "months for the first 20 years and 0.5 per further year.",
        ),
        Reading(
            "retirement_age",
            "Retirement age from Nghị định 135/2020/NĐ-CP Phụ lục I; with at least 15 years in areas with especially "
            "difficult socio-economic conditions, in arduous or hazardous jobs, or both together (Điều 5), from Phụ "
            "lục II (5 years lower), and the early-retirement windows count from it.",
        ),
        Reading(
            "qualifying_years_total",
            "Months in difficult areas and in hazardous jobs are added for the 15 years of Điều 5 point d: give them "
            "without overlap.",
        ),
        Reading(
            "resignation_age",
            "Resignation (Điều 9) counts its months to the Phụ lục I retirement date: the lowered age is an option to "
            "retire, not a shorter career.",
        ),
    ),
)

RULES: dict[str, RuleSet] = {rules.version: rules for rules in (V1, V2)}
CURRENT = V2


class UnknownRuleVersion(KeyError):
    """No rule set has this version."""


def rules_for(version: str) -> RuleSet:
    """The rule set of ``version``; :class:`UnknownRuleVersion` when there is none."""
    try:
        return RULES[version]
    except KeyError as exc:
        raise UnknownRuleVersion(version) from exc
