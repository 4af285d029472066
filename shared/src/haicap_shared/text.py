"""Vietnamese-insensitive search keys.

"cao bang" must find "Cao Bằng", "d" must find "đ", and "Hòa" and "Hoà" (the two tone-mark
placements in use) must match each other. Unicode decomposition strips the tone and vowel
marks but leaves "đ" alone (it is a letter of its own, not d plus a mark), so it is mapped
explicitly.

A search with no letter or digit in it (``q=!!!``, ``q=%20``) is refused with a 422
``empty_search`` rather than matching everything (or nothing) in silence.
"""

import re
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
