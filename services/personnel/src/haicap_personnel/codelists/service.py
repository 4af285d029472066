"""Checking a code against its list on a date, and finding a code from a name someone typed."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.errors import AppError

from .models import CodeListName


class UnknownCode(AppError):
    status, code, title = 422, "unknown_code", "The code is not in its code list on that date"


async def check_code(session: AsyncSession, list_name: CodeListName, code: str, on: date) -> str:
    """The entry's name if ``code`` is in ``list_name`` on ``on``; else :class:`UnknownCode` naming the list."""
    raise NotImplementedError


async def names_of(session: AsyncSession, list_name: CodeListName, codes: set[str], on: date) -> dict[str, str]:
    """The name of each of ``codes`` valid on ``on`` (codes not in the list are left out)."""
    raise NotImplementedError
