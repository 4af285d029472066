"""What a migration uses to load the code lists and to turn a free-text column into codes.

Migrations run on a synchronous connection (``op.get_bind()``) and must not depend on the
ORM models of the day, so these functions take table and column names and build their own
lightweight tables.

    from haicap_personnel.codelists import mapping

    def upgrade() -> None:
        ...  # add the code column
        mapping.map_to_codes(
            op.get_bind(),
            table="person",
            source_column="ethnicity",
            target_column="ethnicity_code",
            lists=("ethnicity",),
            record_type="person",
        )
        ...  # drop the free-text column

Each value that names exactly one code (its name, an alias, the code itself, or a code in
parentheses, compared without case or diacritics) gets it; any other non-empty value leaves
the code NULL and is kept in ``code_mapping_issue`` (record type, id, field, the original
text, the lists tried, the record's province), listed at
``GET /api/v1/personnel/code-lists/mapping-issues``, and printed in the migration's log.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection

from haicap_shared.models import utcnow
from haicap_shared.text import search_key

from . import repository
from .models import CodeListName
from .reference import code_for_name, read_all

logger = logging.getLogger("alembic.runtime.migration")


def load_code_lists(bind: Connection) -> int:
    """Insert every list's entries as the files in ``data/`` give them (into an empty table); how many."""
    rows = [
        {
            "list_name": list_name.value,
            "code": entry.code,
            "name": entry.name,
            "search_key": search_key(entry.name),
            "position": position,
            "aliases": list(entry.aliases),
            "attributes": entry.attributes,
            "source": entry.source,
            "valid_from": entry.valid_from,
            "valid_to": entry.valid_to,
        }
        for list_name, entries in read_all().items()
        for position, entry in enumerate(entries, start=1)
    ]
    repository.insert_entries_now(bind, rows)
    logger.info("code lists loaded: %d entries", len(rows))
    return len(rows)


def _id_text(value: Any) -> str:
    """A record's id as the API shows it (a UUID with its hyphens, whatever the database hands back)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


def _code_for(lists: tuple[CodeListName, ...], text: str) -> str | None:
    for list_name in lists:
        if (code := code_for_name(list_name, text)) is not None:
            return code
    return None


def map_to_codes(
    bind: Connection,
    *,
    table: str,
    source_column: str,
    target_column: str,
    lists: Iterable[str],
    record_type: str,
    field: str | None = None,
    id_column: str = "id",
    province_column: str | None = "province_code",
) -> list[dict[str, Any]]:
    """Set ``target_column`` to the code ``source_column``'s text names in the first of ``lists``; report the rest.

    ``field`` (default: ``target_column``) is the field named in the issue rows. Both columns
    must exist when it runs; the caller drops the free-text one afterwards if it goes. Returns
    the issue rows written (also logged, one line each).
    """
    tried = tuple(CodeListName(name) for name in lists)
    rows = repository.text_values(bind, table, id_column, source_column, province_column)
    issues: list[dict[str, Any]] = []
    codes: list[tuple[Any, str]] = []
    now = utcnow()
    for record_id, text, province in rows:
        if not text.strip():
            continue
        code = _code_for(tried, text)
        if code is not None:
            codes.append((record_id, code))
            continue
        issues.append(
            {
                "record_type": record_type,
                "record_id": _id_text(record_id),
                "field": field or target_column,
                "original_value": text,
                "list_name": ",".join(item.value for item in tried),
                "province_code": province,
                "created_at": now,
            }
        )
    repository.set_codes_now(bind, table, id_column, target_column, codes)
    repository.insert_issues_now(bind, issues)
    for issue in issues:
        logger.warning(
            "code mapping: %s %s %s %r is in no list of %s; left without a code",
            issue["record_type"],
            issue["record_id"],
            issue["field"],
            issue["original_value"],
            issue["list_name"],
        )
    logger.info("code mapping of %s.%s: %d rows, %d not mapped", table, source_column, len(rows), len(issues))
    return issues


def restore_text(
    bind: Connection,
    *,
    table: str,
    source_column: str,
    target_column: str,
    record_type: str,
    field: str | None = None,
    id_column: str = "id",
) -> None:
    """The reverse of :func:`map_to_codes` for a downgrade: the text column gets the code back, or its original text.

    ``source_column`` must exist again (added back by the caller) and ``id_column`` be a UUID.
    """
    repository.restore_text_now(bind, table, id_column, source_column, target_column, record_type, field or target_column)
