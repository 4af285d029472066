"""Checking a code against its list on a date, finding a code from a name someone typed, and re-applying the files."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal
from haicap_shared.errors import AppError, NotFound
from haicap_shared.paging import Page, page_of
from haicap_shared.text import search_key
from haicap_shared.validity import Interval

from . import repository
from .access import issues_visible
from .models import CodeListEntry, CodeListName
from .reference import DATA, LISTS, EntryData, read_list
from .schemas import CodeList, CodeLists, CodeListSummary, ImportChange, MappingIssue
from .schemas import CodeListEntry as EntryOut

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class UnknownCode(AppError):
    status, code, title = 422, "unknown_code", "The code is not in its code list on that date"


class CodeListNotFound(NotFound):
    code, title = "code_list_not_found", "No such code list"


def local_today() -> date:
    """Today in Vietnam, the day a list is read on when none is given."""
    return datetime.now(VIETNAM).date()


def list_named(name: str) -> CodeListName:
    """The list called ``name``; :class:`CodeListNotFound` naming the lists there are."""
    try:
        return CodeListName(name)
    except ValueError:
        raise CodeListNotFound(
            f"There is no code list {name!r}; the lists are {', '.join(item.value for item in CodeListName)}"
        ) from None


async def check_code(session: AsyncSession, list_name: CodeListName, code: str, on: date) -> str:
    """The entry's name if ``code`` is in ``list_name`` on ``on``; else :class:`UnknownCode` naming the list."""
    return (await check_code_in(session, (list_name,), code, on))[1]


async def check_code_in(session: AsyncSession, lists: tuple[CodeListName, ...], code: str, on: date) -> tuple[CodeListName, str]:
    """The first of ``lists`` holding ``code`` on ``on``, with the entry's name; else :class:`UnknownCode`."""
    for list_name in lists:
        names = await repository.names_on(session, list_name.value, {code}, on)
        if code in names:
            return list_name, names[code]
    where = " or ".join(item.value for item in lists)
    raise UnknownCode(
        f"{code!r} is not in the code list {where} on {on.isoformat()}",
        list=where,
        value=code,
        on=on.isoformat(),
    )


async def names_of(session: AsyncSession, list_name: CodeListName, codes: set[str], on: date) -> dict[str, str]:
    """The name of each of ``codes`` valid on ``on`` (codes not in the list are left out)."""
    if not codes:
        return {}
    return await repository.names_on(session, list_name.value, codes, on)


async def in_force(session: AsyncSession, list_name: CodeListName, wanted: set[tuple[str, date]]) -> set[tuple[str, date]]:
    """Which of the (code, day) pairs of ``list_name`` are in force: one query for all of them (an import's chunk)."""
    if not wanted:
        return set()
    versions = await repository.intervals(session, list_name.value, {code for code, _ in wanted})
    by_code: dict[str, list[Interval]] = {}
    for code, interval in versions:
        by_code.setdefault(code, []).append(interval)
    return {(code, day) for code, day in wanted if any(i.contains(day) for i in by_code.get(code, ()))}


async def summaries(session: AsyncSession) -> CodeLists:
    """Every list with its source and the count of its entries valid today."""
    counts = await repository.counts_on(session, local_today())
    return CodeLists(
        items=[
            CodeListSummary(
                name=info.name.value,
                title=info.title,
                source=info.source,
                provisional=info.provisional,
                entry_count=counts.get(info.name.value, 0),
            )
            for info in LISTS.values()
        ]
    )


async def entries(session: AsyncSession, name: str, as_of: date | None, q: str | None) -> CodeList:
    """The entries of the list ``name`` valid on ``as_of`` (today by default), narrowed by ``q``."""
    info = LISTS[list_named(name)]
    day = as_of or local_today()
    rows = await repository.entries_on(session, info.name.value, day, q)
    return CodeList(
        name=info.name.value,
        title=info.title,
        source=info.source,
        provisional=info.provisional,
        as_of=day,
        items=[EntryOut.model_validate(row) for row in rows],
    )


async def mapping_issues(
    session: AsyncSession, principal: Principal, record_type: str | None, *, limit: int, cursor: str | None
) -> Page[MappingIssue]:
    """One page of the values the migrations could not map to codes, in the caller's area."""
    rows, next_cursor = await repository.page_issues(session, issues_visible(principal), record_type, limit=limit, cursor=cursor)
    return page_of(MappingIssue, rows, next_cursor)


def _row(list_name: str, position: int, entry: EntryData, valid_from: date | None, valid_to: date | None) -> dict[str, object]:
    return {
        "list_name": list_name,
        "code": entry.code,
        "name": entry.name,
        "search_key": search_key(entry.name),
        "position": position,
        "aliases": list(entry.aliases),
        "attributes": entry.attributes,
        "source": entry.source,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def _refresh(current: CodeListEntry, position: int, entry: EntryData) -> bool:
    """Bring what does not make a new version (aliases, order, source) up to the file; whether anything changed."""
    changed = (current.aliases, current.position, current.source) != (list(entry.aliases), position, entry.source)
    current.aliases, current.position, current.source = list(entry.aliases), position, entry.source
    return changed


async def apply_list(session: AsyncSession, list_name: CodeListName, entries: list[EntryData], day: date) -> list[ImportChange]:
    """Make the stored list say what ``entries`` say from ``day`` on; nothing is deleted.

    A new code opens on ``day`` (or the date its file gives; an empty list takes the file's dates
    as they are); a changed name or attributes close the version in force (``valid_to`` the day
    before) and open a new one on ``day``; a code gone from the file is closed the same way; an
    entry the file gives as already ended is kept as that old version. Aliases, order and source
    are updated in place.
    """
    name = list_name.value
    current = await repository.open_entries(session, name)
    closed = await repository.closed_versions(session, name)
    first_load = not current and not closed
    changes: list[ImportChange] = []
    added: list[dict[str, object]] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        if not Interval.of(entry).overlaps(Interval(day, None)):
            if (entry.code, entry.valid_from, entry.valid_to) not in closed:
                added.append(_row(name, position, entry, entry.valid_from, entry.valid_to))
                changes.append(ImportChange(list_name=name, code=entry.code, action="added", after=entry.name))
            continue
        seen.add(entry.code)
        existing = current.get(entry.code)
        if existing is None:
            start = entry.valid_from if first_load else (entry.valid_from or day)
            added.append(_row(name, position, entry, start, entry.valid_to))
            changes.append(ImportChange(list_name=name, code=entry.code, action="added", after=entry.name))
            continue
        if (existing.name, existing.attributes) == (entry.name, entry.attributes):
            if _refresh(existing, position, entry):
                changes.append(ImportChange(list_name=name, code=entry.code, action="updated", after=entry.name))
            continue
        action = "renamed" if existing.name != entry.name else "changed"
        changes.append(ImportChange(list_name=name, code=entry.code, action=action, before=existing.name, after=entry.name))
        if not Interval.of(existing).overlaps(Interval(None, day - timedelta(days=1))):
            # NOTE: a version opened on the import's day is corrected, not closed before it began.
            existing.name, existing.search_key, existing.attributes = entry.name, search_key(entry.name), entry.attributes
            _refresh(existing, position, entry)
            continue
        await repository.close_entry(session, existing.id, day - timedelta(days=1))
        added.append(_row(name, position, entry, day, entry.valid_to))
    for code, existing in sorted(current.items()):
        if code in seen:
            continue
        changes.append(ImportChange(list_name=name, code=code, action="removed", before=existing.name))
        await repository.close_entry(session, existing.id, max(day - timedelta(days=1), existing.valid_from or date.min))
    await session.flush()
    await repository.add_entries(session, added)
    return changes


async def import_lists(session: AsyncSession, day: date, data: Path = DATA) -> list[ImportChange]:
    """Re-apply every list's file in ``data`` as of ``day``; the changes made (none when nothing changed)."""
    changes: list[ImportChange] = []
    for list_name in LISTS:
        changes.extend(await apply_list(session, list_name, read_list(list_name, data), day))
    return changes
