"""Vietnamese number plates: the format, and the prefixes each province's plates carry.

A car plate is two digits (the registering locality), a series of one or two letters, and
four or five digits: "11A-123.45", "11A12345" and "11a 123 45" are the same plate, stored as
"11A-123.45" (four digits: "11A-1234"). The prefix identifies the locality that registered
the car (Circular 24/2023/TT-BCA, appendix of locality codes).

PLATE_PREFIXES maps a province code (the administrative code of a province in force since
2025-07-01) to the plate codes of its localities. It lists only provinces whose boundaries
did not change on 2025-07-01, whose codes are certain; for any other province only the
format is checked. Add provinces here as they start using the service.
"""

from __future__ import annotations

import re

PLATE_PREFIXES: dict[str, frozenset[str]] = {
    "01": frozenset({"29", "30", "31", "32", "33", "40"}),  # Hà Nội
    "04": frozenset({"11"}),  # Cao Bằng
    "11": frozenset({"27"}),  # Điện Biên
    "12": frozenset({"25"}),  # Lai Châu
    "14": frozenset({"26"}),  # Sơn La
    "20": frozenset({"12"}),  # Lạng Sơn
    "22": frozenset({"14"}),  # Quảng Ninh
}

_PLATE = re.compile(r"^(\d{2})([A-Z]{1,2})(\d{4,5})$")
_SEPARATORS = re.compile(r"[\s.\-]")


def normalise_plate(value: str, province_code: str | None) -> str:
    """The plate in its stored form; ``ValueError`` for a malformed one or another province's prefix."""
    compact = _SEPARATORS.sub("", value).upper()
    match = _PLATE.match(compact)
    if match is None:
        raise ValueError(f"{value!r} is not a car plate like 11A-123.45 (two digits, one or two letters, 4 or 5 digits)")
    prefix, series, number = match.groups()
    known = PLATE_PREFIXES.get(province_code or "")
    if known is not None and prefix not in known:
        raise ValueError(f"plates of province {province_code} start with {' or '.join(sorted(known))}, not {prefix}")
    return f"{prefix}{series}-{number[:3]}.{number[3:]}" if len(number) == 5 else f"{prefix}{series}-{number}"
