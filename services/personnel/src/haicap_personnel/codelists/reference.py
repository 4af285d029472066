"""The code lists as shipped in ``data/`` (one CSV a list, with its source), read without a database."""

from __future__ import annotations


def code_for_name(list_name: str, text: str) -> str | None:
    """The code whose name or alias is ``text`` (compared without case, diacritics, spaces or hyphens), if exactly one.

    Used by imports and by the migration that turns free-text values into codes.
    """
    raise NotImplementedError
