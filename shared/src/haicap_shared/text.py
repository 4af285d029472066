"""Vietnamese-insensitive search keys.

"cao bang" must find "Cao Bằng", "d" must find "đ", and "Hòa" and "Hoà" (the two tone-mark
placements in use) must match each other. Unicode decomposition strips the tone and vowel
marks but leaves "đ" alone (it is a letter of its own, not d plus a mark), so it is mapped
explicitly.
"""

import re
import unicodedata

_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "d"})
_SPACES = re.compile(r"\s+")


def search_key(text: str) -> str:
    """Return the normalised form stored beside a name and compared with a query."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text))
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    flattened = without_marks.translate(_LETTERS_WITHOUT_DECOMPOSITION).lower()
    return _SPACES.sub(" ", flattened).strip()


def like_pattern(query: str) -> str:
    """A LIKE pattern (escape character ``\\``) that finds the normalised query anywhere."""
    escaped = search_key(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
