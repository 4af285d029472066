"""``haicap-org``: migrate, serve, import administrative units from reference data, and ``plan-reminders``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import system_principal
from haicap_shared.cli import Command, run_service_cli
from haicap_shared.db import null_pool_engine
from haicap_shared.events.outbox import Outbox
from haicap_shared.logs import configure_logging
from haicap_shared.settings import ServiceSettings

from .db import metadata
from .events import CATALOGUE
from .plans import reminders
from .settings import OrgSettings
from .units.importer import ImportSummary, apply_plan
from .units.reference import national_plan, province_plan

MIGRATIONS = Path(__file__).parent / "migrations"
IMPORT_PRINCIPAL = system_principal("import-units")


def import_trail(public_base_url: str) -> AuditTrail:
    """The audit trail of an import run outside the app, publishing its changes like the app's."""
    trail = AuditTrail(metadata.tables["audit_event"])
    trail.outbox = Outbox(metadata.tables["event_outbox"], CATALOGUE, trail.personal, public_base_url=public_base_url)
    return trail


async def import_units(url: str, province: str | None, *, public_base_url: str) -> ImportSummary:
    """Import one province in force since 2025-07-01 (``province``) or the whole country."""
    plan = national_plan()
    if province:
        plan = province_plan(plan, province)
    engine = null_pool_engine(url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            return await apply_plan(
                session,
                import_trail(public_base_url),
                IMPORT_PRINCIPAL,
                plan,
                scope=f"province:{province}" if province else "national",
            )
    finally:
        await engine.dispose()


def _commands(commands: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]
    parser = commands.add_parser("import-units", help="import units and their 2025 changes from vietnamadminunits")
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--province", help="code of a province in force since 2025-07-01, e.g. 04 (Cao Bằng)")
    scope.add_argument("--all", action="store_true", help="the whole country")

    def run(args: argparse.Namespace, settings: ServiceSettings) -> int:
        try:
            summary = asyncio.run(
                import_units(settings.resolved_database_url(), args.province, public_base_url=settings.public_base_url)
            )
        except LookupError as exc:
            print(f"import-units: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(asdict(summary), ensure_ascii=False, indent=2))
        return 0

    return {"import-units": run} | _plan_reminders_command(commands)


def _plan_reminders_command(commands: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "plan-reminders",
        help="record the plan items' due-soon, overdue and escalated reminders (each once, each an event) until SIGTERM",
    )
    parser.add_argument("--once", action="store_true", help="one turn, print what it recorded, and exit")
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="with --once: the day the turn is for (default: today)"
    )

    def run(args: argparse.Namespace, settings: ServiceSettings) -> int:
        org = settings if isinstance(settings, OrgSettings) else OrgSettings()
        trail = import_trail(org.public_base_url)
        schedule = reminders.schedule_of(org)
        if args.once:
            day = args.as_of or date.today()
            counts = asyncio.run(reminders.remind_once(org.resolved_database_url(), trail, schedule, day))
            print(json.dumps({"day": day.isoformat(), "recorded": {k.value: n for k, n in counts.items()}}))
            return 0
        configure_logging(org.log_level, f"{org.service_name}-plan-reminders")
        asyncio.run(reminders.serve_plan_reminders(org.resolved_database_url(), trail, schedule))
        return 0

    return {"plan-reminders": run}


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="haicap-org",
        settings=OrgSettings(),
        app_factory="haicap_org_structure.app:create_app",
        migrations=MIGRATIONS,
        extra=_commands,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
