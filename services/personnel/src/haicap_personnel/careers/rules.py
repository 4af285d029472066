"""The rules of a career event's dates and codes that hold for one event and for an imported row alike (pure).

- It takes effect when the person is at least 15 (the minimum working age, "độ tuổi lao động tối
  thiểu", Bộ luật Lao động 2019, Điều 3 khoản 1; a civil servant is recruited older still, so this
  only catches a mistyped date).
- Its decision is signed by today (a decision not yet signed is not recorded), and at most
  :data:`RETROACTIVE_LIMIT` after the day it takes effect (a decision may take effect earlier than
  it is signed, a salary step raised with effect from the day it was due, but not years earlier:
  haicap's bound, to catch a mistyped year).
- A grade is a civil-service grade (ngạch) for cadres and civil servants, a professional title
  (chức danh nghề nghiệp) for public employees.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..codelists.models import CodeListName

MIN_AGE_YEARS = 15
RETROACTIVE_LIMIT = timedelta(days=366)


def working_age_from(birth_date: date) -> date:
    """The day the person turns :data:`MIN_AGE_YEARS` (a 29 February birthday: 1 March)."""
    try:
        return birth_date.replace(year=birth_date.year + MIN_AGE_YEARS)
    except ValueError:
        return date(birth_date.year + MIN_AGE_YEARS, 3, 1)


def date_problems(birth_date: date, effective_date: date, decision_date: date, today: date) -> list[str]:
    """What is wrong with an event's dates for a person born on ``birth_date``."""
    problems: list[str] = []
    if effective_date < (adult := working_age_from(birth_date)):
        problems.append(f"effective_date {effective_date} is before the person turns {MIN_AGE_YEARS} ({adult})")
    if decision_date > today:
        problems.append(f"the decision's date {decision_date} is after today")
    if decision_date > effective_date + RETROACTIVE_LIMIT:
        days = RETROACTIVE_LIMIT.days
        problems.append(f"the decision's date {decision_date} is more than {days} days after effective_date {effective_date}")
    return problems


def grade_list_for(category: str) -> CodeListName:
    """The code list of a person's grade: professional titles for public employees, grades for the others."""
    return CodeListName.PROFESSIONAL_TITLE if category == "public_employee" else CodeListName.CIVIL_SERVICE_GRADE
