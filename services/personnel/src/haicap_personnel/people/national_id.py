"""The 12-digit citizen identity number (số định danh cá nhân / CCCD), checked as far as it can be.

Its structure (Thông tư 59/2021/TT-BCA, Article 7): a 3-digit code of the province of birth,
a digit for century and sex, the last 2 digits of the birth year, and 6 random digits.
The province codes are those of the 63 provinces before the 2025 reorganisation (identity
numbers already issued keep them), zero-padded to 3 digits; they are taken from the
``vietnamadminunits`` package's former register, as org-structure takes its units.

Century and sex digit: 0/1 male/female born 1900-1999, 2/3 2000-2099, 4/5 2100-2199,
6/7 2200-2299, 8/9 1800-1899.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from vietnamadminunits.database import query

from haicap_shared.values import NATIONAL_ID_PATTERN

from .models import Sex

_DIGITS = re.compile(NATIONAL_ID_PATTERN)


@cache
def province_codes() -> frozenset[str]:
    """The 63 former province codes, as the first 3 digits of an identity number (``001``, ``004``...)."""
    rows = query("SELECT DISTINCT provinceCode FROM admin_units_legacy")
    return frozenset(str(r["provinceCode"]).zfill(3) for r in rows)


def century_digit(birth_date: date, sex: Sex) -> int:
    century_index = ((birth_date.year // 100 - 19) % 5) * 2
    return century_index + (1 if sex is Sex.FEMALE else 0)


def problems(national_id: str, birth_date: date | None, sex: Sex | None) -> list[str]:
    """What is wrong with an identity number for this birth date and sex (empty: nothing)."""
    if not _DIGITS.match(national_id):
        return ["national_id must be 12 digits"]
    found: list[str] = []
    if national_id[:3] not in province_codes():
        found.append(f"national_id starts with {national_id[:3]}, which is not a province-of-birth code")
    if birth_date is not None and sex is not None:
        expected = century_digit(birth_date, sex)
        if int(national_id[3]) != expected or national_id[4:6] != f"{birth_date.year % 100:02d}":
            found.append(
                f"national_id digits 4-6 are {national_id[3:6]}; a {sex.value} born in {birth_date.year} "
                f"has {expected}{birth_date.year % 100:02d}"
            )
    return found
