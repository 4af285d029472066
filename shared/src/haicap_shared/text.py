"""Vietnamese-insensitive search keys.

"cao bang" must find "Cao Bằng", "d" must find "đ", and "Hòa" and "Hoà" (the two tone-mark
placements in use) must match each other. Unicode decomposition strips the tone and vowel
marks but leaves "đ" alone (it is a letter of its own, not d plus a mark), so it is mapped
explicitly.

A search with no letter or digit in it (``q=!!!``, ``q=%20``) is refused with a 422
``empty_search`` rather than matching everything (or nothing) in silence.
"""

import functools
import re
import sys
import unicodedata

from .errors import BadRequest

_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "d"})
_SPACES = re.compile(r"\s+")


def search_key(text: str) -> str:
    """Return the normalised form stored beside a name and compared with a query."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text))
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    flattened = without_marks.translate(_LETTERS_WITHOUT_DECOMPOSITION).lower()
    return _SPACES.sub(" ", flattened).strip()


WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""Every character Python counts as a space (``str.isspace``, ``str.strip`` and ``\\s``), in code point order
(``test_text`` checks it against Python's own)."""


def _character_class(codes: list[int]) -> str:
    """A regular expression's bracket expression of these code points, as ranges."""
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "[" + "".join(chr(low) if low == high else f"{chr(low)}-{chr(high)}" for low, high in ranges) + "]"


def sql_literal(value: str) -> str:
    """A text as a PostgreSQL string literal (quotes doubled; standard_conforming_strings, PostgreSQL's default)."""
    return "'" + value.replace("'", "''") + "'"


@functools.cache
def _marks_sql() -> str:
    """Every character Python's ``unicodedata.combining`` counts, as a bracket expression (SQL text; 188 ranges)."""
    # NOTE: made on first use (a tenth of a second: every code point is looked at), not when a
    # service starts; PostgreSQL compiles the class once per statement, so its size costs nothing per row.
    return sql_literal(_character_class([code for code in range(sys.maxunicode + 1) if unicodedata.combining(chr(code))]))


_SPACE_RUN_SQL = sql_literal(f"[{WHITESPACE}]+")
_ODD_SPACING_SQL = sql_literal(f"[{WHITESPACE.replace(' ', '')}]|  |^ | $")


def search_key_sql(column: str) -> str:
    """:func:`search_key` as a PostgreSQL expression over ``column`` (SQL of type text): the same key for the same text.

    For imports that write thousands of keys in one statement. Decomposing (NFD) and dropping
    the marks by one regular expression costs a third of looking every letter up in a list of
    the accented ones (``translate``), and folds any script's marks as Python does.
    """
    without_marks = f"regexp_replace(normalize({column}, NFD), {_marks_sql()}, '', 'g')"
    flattened = f"lower(translate({without_marks}, 'đĐ', 'dd'))"
    # NOTE: the spaces are collapsed and trimmed only in the rare value that needs it.
    collapsed = f"btrim(regexp_replace({flattened}, {_SPACE_RUN_SQL}, ' ', 'g'), {sql_literal(WHITESPACE)})"
    return f"CASE WHEN {column} ~ {_ODD_SPACING_SQL} THEN {collapsed} ELSE {flattened} END"


class EmptySearch(BadRequest):
    """The search text has no letter or digit (``parameter`` names the query parameter)."""

    code, title = "empty_search", "The search has no letter or digit to look for"


def searched_key(query: str, *, parameter: str = "q") -> str:
    """The search key of what a caller typed into ``parameter``; :class:`EmptySearch` if it has no letter or digit."""
    key = search_key(query)
    if not any(ch.isalnum() for ch in key):
        raise EmptySearch(
            f"`{parameter}` has no letter or digit to search for",
            parameter=parameter,
            errors=[{"location": ["query", parameter], "message": "No letter or digit to search for", "type": "empty_search"}],
        )
    return key


def like_pattern(query: str, *, parameter: str = "q") -> str:
    """A LIKE pattern (escape character ``\\``) that finds the caller's normalised query anywhere.

    Raises :class:`EmptySearch` when the query has no letter or digit.
    """
    escaped = searched_key(query, parameter=parameter).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
