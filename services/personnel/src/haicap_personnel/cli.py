"""``haicap-personnel``: migrate, serve, relay, ``sync`` (national), ``one-stop`` (the procedure push), ``import-code-lists``."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker

from haicap_shared.cli import Command, run_service_cli
from haicap_shared.db import null_pool_engine
from haicap_shared.logs import configure_logging
from haicap_shared.procedures.worker import one_stop_command
from haicap_shared.settings import ServiceSettings

from .codelists import service as codelist_service
from .codelists.reference import DATA
from .codelists.schemas import ImportChange
from .db import procedure_tables
from .settings import PersonnelSettings
from .sync.worker import serve_sync

MIGRATIONS = Path(__file__).parent / "migrations"


async def import_code_lists(url: str, day: date, data: Path = DATA) -> list[ImportChange]:
    """Re-apply the code lists' files to the database at ``url`` as of ``day``, in one transaction."""
    engine = null_pool_engine(url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            return await codelist_service.import_lists(session, day, data)
    finally:
        await engine.dispose()


def _commands(commands: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]
    return _sync_command(commands) | one_stop_command(commands, procedure_tables) | _code_list_command(commands)


def _sync_command(commands: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]
    parser = commands.add_parser("sync", help="send the verified dossier changes to the national database until SIGTERM")
    parser.add_argument("--replica", default=None, help="this replica's name in the leases (default: host and process)")

    def run(args: argparse.Namespace, settings: ServiceSettings) -> int:
        configure_logging(settings.log_level, f"{settings.service_name}-sync")
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(serve_sync(settings.resolved_database_url(), settings.var_dir, replica=args.replica))
        return 0

    return {"sync": run}


def _code_list_command(commands: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "import-code-lists", help="re-apply the official code lists from their files (idempotent; prints what changed)"
    )
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="the day changes take effect (default: today in Vietnam)"
    )
    parser.add_argument("--data", type=Path, default=DATA, help="the folder of the lists' files (default: the shipped one)")

    def run(args: argparse.Namespace, settings: ServiceSettings) -> int:
        day = args.as_of or codelist_service.local_today()
        changes = asyncio.run(import_code_lists(settings.resolved_database_url(), day, args.data))
        print(
            json.dumps(
                {"as_of": day.isoformat(), "changed": len(changes), "changes": [c.model_dump() for c in changes]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0

    return {"import-code-lists": run}


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="haicap-personnel",
        settings=PersonnelSettings(),
        app_factory="haicap_personnel.app:create_app",
        migrations=MIGRATIONS,
        extra=_commands,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
